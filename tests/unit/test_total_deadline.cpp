// The total deadline is one deadline per call: it stops a server that streams without pause
// (reads served from the buffer included), it bounds retry waits (a Retry-After that would
// cross it fails at once), on the HTTP client and on every provider's streaming path.

#include "support/emulator_fixture.hpp"
#include "support/expect_error.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <llmio/error.hpp>
#include <llmio/http/http_client.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/openai/provider.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <functional>

using namespace llmio;
using test::expect_error;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::ScriptedServer;
using test::ServerConnection;

namespace {

// Valid SSE events, as fast as TCP takes them, until the client goes away (bounded).
asio::awaitable<void> stream_without_end(ServerConnection& c)
{
    if (!co_await c.read_request())
        co_return;
    co_await c.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n");
    std::string const event = "data: {\"n\":1}\n\n";
    std::string chunk;
    for (int i = 0; i < 64; ++i)
        chunk += event;
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    std::string const framed = size + chunk + "\r\n";
    try {
        for (int i = 0; i < 10'000'000; ++i)
            co_await c.write(framed);
    } catch (std::exception const&) {
        // The client closed the connection: what the test waits for.
    }
}

http::Timeouts total_of(http::Duration total)
{
    http::Timeouts t;
    t.connect = 5s;
    t.first_byte = 20s;
    t.idle = 20s;
    t.total = total;
    return t;
}

ChatRequest ask(std::string model)
{
    ChatRequest r;
    r.model = std::move(model);
    r.messages = {Message::user("hello")};
    return r;
}

// Opens a provider's stream and reads it to its end; counts the chunks that arrived.
asio::awaitable<int> stream_and_count(ModelProvider& provider, ChatRequest request, CallOptions call,
                                      int& chunks)
{
    auto stream = co_await provider.chat_stream(std::move(request), std::move(call));
    for (;;) {
        auto chunk = co_await stream.next();
        if (!chunk)
            break;
        ++chunks;
    }
    co_return chunks;
}

emulators::Fault endless_stream(std::string path, std::size_t repeated_event)
{
    emulators::Fault f;
    f.path = std::move(path);
    f.repeat_event_forever = repeated_event;
    return f;
}

} // namespace

TEST_CASE("the total deadline stops a body that arrives faster than it is read", "[http][deadline]")
{
    ScriptedServer server(stream_without_end);
    http::HttpOptions options;
    options.timeouts = total_of(300ms);
    std::size_t received = 0;
    auto const e = expect_error<TimeoutError>([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
            http::HttpClient client(ex, options);
            http::HttpRequest request;
            request.path = "/stream";
            auto stream = co_await client.open(http::Endpoint::parse(server.base_url()), request);
            while (auto slice = co_await stream.read_some())
                received += slice->size();
            co_return 0;
        }, 30s);
    });
    CHECK(e.code() == errc::total_timeout);
    CHECK(received > 0);
}

TEST_CASE("the total deadline holds for body bytes already buffered", "[http][deadline]")
{
    // Headers and the first chunks in one write, so they arrive (and are buffered) with the
    // headers; then silence until the client leaves.
    ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
        if (!co_await c.read_request())
            co_return;
        co_await c.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n"
                         "f\r\ndata: {\"n\":1}\n\n\r\nf\r\ndata: {\"n\":2}\n\n\r\n");
        co_await c.wait_for_client_close(30s);
    });
    http::HttpOptions options;
    options.timeouts = total_of(200ms);
    auto const e = expect_error<TimeoutError>([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
            http::HttpClient client(ex, options);
            http::HttpRequest request;
            request.path = "/buffered";
            auto stream = co_await client.open(http::Endpoint::parse(server.base_url()), request);
            // A consumer slower than the deadline: the body is read only after it passed.
            asio::steady_timer slow_consumer(ex, 400ms);
            co_await slow_consumer.async_wait(asio::use_awaitable);
            co_await stream.read_some(); // served from the buffer: must not outrun the deadline
            FAIL("a read after the total deadline returned data");
            co_return 0;
        });
    });
    CHECK(e.code() == errc::total_timeout);
}

TEST_CASE("discard_rest past the total deadline closes instead of failing a complete answer", "[http][deadline]")
{
    // The answer's last event arrives, the chunked terminator does not (yet).
    ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
        if (!co_await c.read_request())
            co_return;
        co_await c.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         "Transfer-Encoding: chunked\r\n\r\ne\r\ndata: [DONE]\n\n\r\n");
        co_await c.wait_for_client_close(30s);
    });
    http::HttpOptions options;
    options.timeouts = total_of(200ms);
    auto const outcome = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::string> {
        http::HttpClient client(ex, options);
        http::HttpRequest request;
        request.path = "/done";
        auto stream = co_await client.open(http::Endpoint::parse(server.base_url()), request);
        auto const slice = co_await stream.read_some();
        std::string const got(slice.value_or(""));
        asio::steady_timer past_deadline(ex, 400ms);
        co_await past_deadline.async_wait(asio::use_awaitable);
        co_await stream.discard_rest(); // must not throw: the answer is complete
        co_return got + (stream.done() ? " (done)" : " (closed)");
    });
    CHECK(outcome == "data: [DONE]\n\n (closed)");
    CHECK(server.wait_for_client_closes(1, 10s));
}

TEST_CASE("an absolute request deadline already past fails before connecting", "[http][deadline]")
{
    ScriptedServer server(stream_without_end);
    auto const e = expect_error<TimeoutError>([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
            http::HttpClient client(ex);
            http::HttpRequest request;
            request.path = "/late";
            request.deadline = std::chrono::steady_clock::now() - 1ms;
            co_await client.send(http::Endpoint::parse(server.base_url()), request);
            co_return 0;
        });
    });
    CHECK(e.code() == errc::total_timeout);
    CHECK(server.accepted() == 0);
}

TEST_CASE("OpenAI: an endless stream ends with total_timeout", "[openai][deadline]")
{
    test::OpenAiEmulatorFixture emulator;
    emulator.server.faults().add(endless_stream("/v1/chat/completions", 1));
    openai::Options o;
    o.base_url = emulator.server.base_url();
    int chunks = 0;
    auto const e = expect_error<TimeoutError>([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
            openai::OpenAICompatibleProvider provider(ex, o);
            CallOptions call;
            call.timeouts = total_of(300ms);
            co_return co_await stream_and_count(provider, ask("gpt-4o-mini"), call, chunks);
        }, 30s);
    });
    CHECK(e.code() == errc::total_timeout);
    CHECK(chunks > 0);
}

TEST_CASE("LM Studio: endless streams end with total_timeout", "[lmstudio][deadline]")
{
    test::LmStudioEmulatorFixture emulator;
    lmstudio::Options o;
    o.base_url = emulator.server.base_url();
    int chunks = 0;
    SECTION("OpenAI-compatible chat stream")
    {
        emulator.server.faults().add(endless_stream("/v1/chat/completions", 1));
        auto const e = expect_error<TimeoutError>([&] {
            test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
                lmstudio::Provider provider(ex, o);
                CallOptions call;
                call.timeouts = total_of(300ms);
                co_return co_await stream_and_count(provider, ask("qwen2.5-7b-instruct"), call, chunks);
            }, 30s);
        });
        CHECK(e.code() == errc::total_timeout);
        CHECK(chunks > 0);
    }
    SECTION("native /api/v1/chat stream")
    {
        // chat.start, prompt_processing start, 2 x progress, end, message.start, message.delta
        emulator.server.faults().add(endless_stream("/api/v1/chat", 6));
        auto const e = expect_error<TimeoutError>([&] {
            test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
                lmstudio::Provider provider(ex, o);
                lmstudio::NativeChatRequest request;
                request.model = "qwen2.5-7b-instruct";
                request.input = "hello";
                request.stream = true;
                lmstudio::NativeChatCallbacks callbacks;
                callbacks.on_chunk = [&](ChatChunk const&) { ++chunks; };
                CallOptions call;
                call.timeouts = total_of(300ms);
                co_await provider.native_chat(request, callbacks, call);
                co_return 0;
            }, 30s);
        });
        CHECK(e.code() == errc::total_timeout);
        CHECK(chunks > 0);
    }
}

TEST_CASE("Ollama: an endless stream ends with total_timeout", "[ollama][deadline]")
{
    test::OllamaEmulatorFixture emulator;
    emulator.server.faults().add(endless_stream("/api/chat", 0));
    ollama::Options o;
    o.base_url = emulator.server.base_url();
    int chunks = 0;
    auto const e = expect_error<TimeoutError>([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
            ollama::OllamaProvider provider(ex, o);
            CallOptions call;
            call.timeouts = total_of(300ms);
            co_return co_await stream_and_count(provider, ask("llama3.2"), call, chunks);
        }, 30s);
    });
    CHECK(e.code() == errc::total_timeout);
    CHECK(chunks > 0);
}

TEST_CASE("a Retry-After that would cross the total deadline fails at once", "[deadline][retry]")
{
    test::OpenAiEmulatorFixture emulator;
    emulator.server.faults().add(
        emulators::Fault::respond(429, R"({"error":{"message":"Slow down.","type":"requests","param":null,"code":"rate_limit_exceeded"}})",
                                  {{"Retry-After", "30"}})
            .on("/v1/chat/completions")
            .times(-1));
    openai::Options o;
    o.base_url = emulator.server.base_url();
    o.retry.max_retries = 3;
    SECTION("chat")
    {
        auto const e = expect_error<RateLimitError>([&] {
            test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
                openai::OpenAICompatibleProvider provider(ex, o);
                CallOptions call;
                call.timeouts = total_of(1s);
                co_await provider.chat(ask("gpt-4o-mini"), call);
                co_return 0;
            });
        });
        REQUIRE(e.retry_after());
        CHECK(*e.retry_after() == 30s);
    }
    SECTION("stream")
    {
        auto const e = expect_error<RateLimitError>([&] {
            test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
                openai::OpenAICompatibleProvider provider(ex, o);
                CallOptions call;
                call.timeouts = total_of(1s);
                int chunks = 0;
                co_return co_await stream_and_count(provider, ask("gpt-4o-mini"), call, chunks);
            });
        });
        REQUIRE(e.retry_after());
        CHECK(*e.retry_after() == 30s);
    }
    CHECK(emulator.server.requests_served() == 1);
}

TEST_CASE("Ollama: a Retry-After that would cross the total deadline fails at once", "[ollama][deadline][retry]")
{
    test::OllamaEmulatorFixture emulator;
    emulator.server.faults().add(
        emulators::Fault::respond(429, R"({"error":"too many requests"})", {{"Retry-After", "30"}})
            .on("/api/chat")
            .times(-1));
    ollama::Options o;
    o.base_url = emulator.server.base_url();
    o.retry.max_retries = 3;
    auto const e = expect_error<RateLimitError>([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
            ollama::OllamaProvider provider(ex, o);
            CallOptions call;
            call.timeouts = total_of(1s);
            int chunks = 0;
            co_return co_await stream_and_count(provider, ask("llama3.2"), call, chunks);
        });
    });
    REQUIRE(e.retry_after());
    CHECK(*e.retry_after() == 30s);
    CHECK(emulator.server.requests_served() == 1);
}

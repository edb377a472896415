// The per-token path of streamed chats: `ChatStream::next` pulls chunks out of a
// `FramedChatSource` (`try_next` from buffered bytes, `next` when a read is needed). Exact
// chunks, errors inside the stream (exact type and message, the body as received), truncated
// streams, and what `try_next` does at each point of a stream.

#include "support/expect_error.hpp"
#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <llmio/error.hpp>
#include <llmio/ollama/ndjson_chat_source.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/openai/provider.hpp>
#include <llmio/openai/sse_chat_source.hpp>
#include <llmio/provider_transport.hpp>

#include <catch2/catch.hpp>

#include <future>
#include <memory>
#include <string>
#include <vector>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::ScriptedServer;
using test::ServerConnection;
using Ready = ChatStream::Source::Ready;

namespace {

std::string const kSse = "text/event-stream";
std::string const kNdjson = "application/x-ndjson";

std::string sse_chunk(std::string_view content, std::string_view finish = "null")
{
    return R"(data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":")" +
           std::string(content) + R"("},"finish_reason":)" + std::string(finish) + "}]}\n\n";
}

std::string ndjson_line(std::string_view content)
{
    return R"({"model":"m","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":")" +
           std::string(content) + R"("},"done":false})" + "\n";
}

std::string const kNdjsonDone =
    R"({"model":"m","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":3,"eval_count":2})"
    "\n";

// A server that answers every request with `body` (Content-Length framing, one write), then
// fulfils `written` so that a test can know the whole body is on its way before it reads.
struct OneAnswer {
    std::string content_type;
    std::string body;
    std::shared_ptr<std::promise<void>> written = std::make_shared<std::promise<void>>();

    test::ConnectionHandler handler() const
    {
        return [type = content_type, body = body, written = written](ServerConnection& c) -> asio::awaitable<void> {
            auto request = co_await c.read_request();
            if (!request)
                co_return;
            co_await c.write(test::http_response(200, body, type));
            written->set_value();
            // Keep the connection open until the client is done with it.
            co_await c.wait_for_client_close(10s);
        };
    }
};

ChatRequest hello()
{
    ChatRequest r;
    r.model = "m";
    r.messages.push_back(Message::user("hello"));
    return r;
}

http::HttpOptions quick_http()
{
    http::HttpOptions o;
    o.timeouts.connect = 5s;
    o.timeouts.first_byte = 10s;
    o.timeouts.idle = 10s;
    return o;
}

// Every chunk the stream delivers, its content and finish reason, until the end or an error.
struct Drained {
    std::vector<std::string> contents;
    std::optional<FinishReason> finish;
    std::exception_ptr error;
};

asio::awaitable<void> drain_into(ChatStream& stream, Drained& out)
{
    try {
        while (auto chunk = co_await stream.next()) {
            out.contents.push_back(chunk->content);
            if (chunk->finish_reason)
                out.finish = chunk->finish_reason;
        }
    } catch (...) {
        out.error = std::current_exception();
    }
}

Drained openai_stream(std::string const& body)
{
    OneAnswer answer{kSse, body};
    ScriptedServer server(answer.handler());
    openai::Options o;
    o.base_url = server.base_url();
    o.http = quick_http();
    o.retry = RetryPolicy::none();
    Drained out;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        openai::OpenAICompatibleProvider provider(ex, o);
        auto stream = co_await provider.chat_stream(hello());
        co_await drain_into(stream, out);
    });
    return out;
}

Drained ollama_stream(std::string const& body)
{
    OneAnswer answer{kNdjson, body};
    ScriptedServer server(answer.handler());
    ollama::Options o;
    o.base_url = server.base_url();
    o.http = quick_http();
    o.retry = RetryPolicy::none();
    Drained out;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        ollama::OllamaProvider provider(ex, o);
        auto stream = co_await provider.chat_stream(hello());
        co_await drain_into(stream, out);
    });
    return out;
}

template <class E>
E rethrown_as(std::exception_ptr const& error)
{
    REQUIRE(error);
    return test::expect_error<E>([&] { std::rethrow_exception(error); });
}

} // namespace

TEST_CASE("SSE: every token arrives as its own chunk, in order, with the finish reason",
          "[per-token]")
{
    auto const out = openai_stream(sse_chunk("Hel") + sse_chunk("lo") + sse_chunk(", ") +
                                   sse_chunk("world", R"("stop")") + "data: [DONE]\n\n");
    REQUIRE_FALSE(out.error);
    CHECK(out.contents == std::vector<std::string>{"Hel", "lo", ", ", "world"});
    CHECK(out.finish == FinishReason::stop);
}

TEST_CASE("NDJSON: every line arrives as its own chunk, the done line last", "[per-token]")
{
    auto const out = ollama_stream(ndjson_line("Hel") + ndjson_line("lo") + kNdjsonDone);
    REQUIRE_FALSE(out.error);
    CHECK(out.contents == std::vector<std::string>{"Hel", "lo", ""});
    CHECK(out.finish == FinishReason::stop);
}

TEST_CASE("SSE: an in-band error after a token is thrown with its body as received",
          "[per-token]")
{
    // Spaces and key order a re-serialised copy would not keep.
    std::string const error = R"({ "error" : { "type":"server_error", "message":"Compute error." } })";
    auto const out = openai_stream(sse_chunk("Hel") + "data: " + error + "\n\n" + sse_chunk("never"));
    CHECK(out.contents == std::vector<std::string>{"Hel"});
    auto const e = rethrown_as<ServerError>(out.error);
    CHECK(e.code() == errc::server_error);
    CHECK(e.provider() == "openai");
    CHECK(e.raw_body() == error);
    CHECK(e.server_message() == "Compute error.");
    CHECK(std::string(e.what()) == "server error: Compute error. (HTTP 200; provider openai; error reported inside an HTTP 200 response)");
}

TEST_CASE("SSE: llama.cpp's `error:` line is mapped from its text as received", "[per-token]")
{
    std::string const error = R"({"code":400,"message":"context shift is disabled","type":"invalid_request_error"})";
    auto const out = openai_stream(sse_chunk("a") + "error: " + error + "\n\n");
    CHECK(out.contents == std::vector<std::string>{"a"});
    auto const e = rethrown_as<ContextLengthError>(out.error);
    CHECK(e.code() == errc::context_length_exceeded);
    CHECK(e.raw_body() == error);
    CHECK(e.server_message() == "context shift is disabled");
    CHECK(e.provider() == "openai");
}

TEST_CASE("NDJSON: an in-band error line is thrown with its body as received", "[per-token]")
{
    std::string const error = R"({"error":"an error was encountered while running the model"})";
    auto const out = ollama_stream(ndjson_line("Hel") + error + "\n" + kNdjsonDone);
    CHECK(out.contents == std::vector<std::string>{"Hel"});
    auto const e = rethrown_as<ServerError>(out.error);
    CHECK(e.code() == errc::server_error);
    CHECK(e.provider() == "ollama");
    CHECK(e.raw_body() == error);
    CHECK(e.server_message() == "an error was encountered while running the model");
}

TEST_CASE("truncated streams deliver what arrived, then stream_truncated", "[per-token]")
{
    SECTION("SSE without data: [DONE]")
    {
        auto const out = openai_stream(sse_chunk("Hel") + sse_chunk("lo"));
        CHECK(out.contents == std::vector<std::string>{"Hel", "lo"});
        auto const e = rethrown_as<MalformedResponseError>(out.error);
        CHECK(e.code() == errc::stream_truncated);
        CHECK(e.provider() == "openai");
        CHECK(std::string(e.what()) == "response ended before it was complete (provider openai; the event "
                                       "stream ended without data: [DONE])");
    }
    SECTION("SSE ending inside an event")
    {
        std::string const partial = sse_chunk("lo");
        auto const out = openai_stream(sse_chunk("Hel") + partial.substr(0, partial.size() / 2));
        CHECK(out.contents == std::vector<std::string>{"Hel"});
        auto const e = rethrown_as<MalformedResponseError>(out.error);
        CHECK(e.provider() == "openai");
        CHECK(e.code() == errc::malformed_response); // the half event is not valid JSON
    }
    SECTION("NDJSON without the done line")
    {
        auto const out = ollama_stream(ndjson_line("Hel") + ndjson_line("lo"));
        CHECK(out.contents == std::vector<std::string>{"Hel", "lo"});
        auto const e = rethrown_as<MalformedResponseError>(out.error);
        CHECK(e.code() == errc::stream_truncated);
        CHECK(e.provider() == "ollama");
        CHECK(std::string(e.what()) == "response ended before it was complete (provider ollama; the NDJSON "
                                       "stream ended without its \"done\": true line)");
    }
}

TEST_CASE("try_next decodes buffered chunks without a read and reports what it cannot",
          "[per-token]")
{
    std::string const error = R"({"error":{"message":"boom"}})";
    std::string const body =
        sse_chunk("a") + sse_chunk("b") + "data: " + error + "\n\n" + sse_chunk("never");
    OneAnswer answer{kSse, body};
    ScriptedServer server(answer.handler());
    auto written = answer.written->get_future();
    TransportOptions options;
    options.provider = "myserver";
    options.http = quick_http();
    options.retry = RetryPolicy::none();

    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        ProviderTransport transport(ex, http::Endpoint::parse(server.base_url()), options);
        auto request = transport.json_request(boost::beast::http::verb::post, "/v1/chat/completions", "{}");
        auto stream = co_await transport.open(std::move(request), CallOptions{});
        written.wait(); // the whole body is on its way: one read gets it
        openai::SseChatSource source(std::move(stream), transport);
        ChatChunk chunk;

        CHECK(source.try_next(chunk) == Ready::pending); // nothing pushed yet: a read is needed
        bool const first = co_await source.next(chunk); // a named local: no co_await inside CHECK
        CHECK(first);
        CHECK(chunk.content == "a");
        CHECK(source.try_next(chunk) == Ready::chunk); // buffered: no suspension
        CHECK(chunk.content == "b");
        auto const e = test::expect_error<ServerError>([&] { source.try_next(chunk); });
        CHECK(e.provider() == "myserver");
        CHECK(e.raw_body() == error);
        CHECK(e.server_message() == "boom");
        // The source is over: the chunk buffered behind the error is never delivered, every
        // later call sees the same error.
        auto const again = test::expect_error<ServerError>([&] { source.try_next(chunk); });
        CHECK(again.raw_body() == error);
        std::exception_ptr later;
        try {
            co_await source.next(chunk);
        } catch (...) {
            later = std::current_exception();
        }
        CHECK(rethrown_as<ServerError>(later).raw_body() == error);
    });
}

TEST_CASE("try_next at the terminator leaves the rest of the body to next", "[per-token]")
{
    std::string const body = sse_chunk("a", R"("stop")") + "data: [DONE]\n\n";
    OneAnswer answer{kSse, body};
    ScriptedServer server(answer.handler());
    auto written = answer.written->get_future();
    TransportOptions options;
    options.provider = "myserver";
    options.http = quick_http();
    options.retry = RetryPolicy::none();

    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        ProviderTransport transport(ex, http::Endpoint::parse(server.base_url()), options);
        auto request = transport.json_request(boost::beast::http::verb::post, "/v1/chat/completions", "{}");
        auto stream = co_await transport.open(std::move(request), CallOptions{});
        written.wait();
        openai::SseChatSource source(std::move(stream), transport);
        ChatChunk chunk;
        bool const first = co_await source.next(chunk);
        CHECK(first);
        CHECK(chunk.content == "a");
        // [DONE] is buffered, but what follows it must still be read before the connection can
        // be reused: that takes next().
        CHECK(source.try_next(chunk) == Ready::pending);
        bool const more = co_await source.next(chunk);
        CHECK_FALSE(more);
        CHECK(source.try_next(chunk) == Ready::end);
        bool const again = co_await source.next(chunk);
        CHECK_FALSE(again);
    });
}

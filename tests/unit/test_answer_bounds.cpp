// Answers a server cannot make unbounded or empty: `Limits::max_answer_bytes` stops a server
// that streams valid chunks forever (OpenAI SSE, LM Studio /v1 and /api/v1/chat, Ollama NDJSON),
// and a stream whose chunks never carried a choice is malformed, not an empty success.

#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <llmio/answer_limit.hpp>
#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/openai/provider.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::ScriptedServer;
using test::ServerConnection;

namespace {

constexpr std::size_t kSmallLimit = 64 * 1024;
// Far more than kSmallLimit: a client that ignores the limit reads all of it and then sees the
// stream end without its terminator (a different error), so the tests cannot pass by accident.
constexpr int kMaxChunks = 4000;

std::string http_chunk(std::string_view payload)
{
    char size[16];
    std::snprintf(size, sizeof size, "%zx", payload.size());
    return std::string(size) + "\r\n" + std::string(payload) + "\r\n";
}

std::string const& text_1k()
{
    static std::string const text(1000, 'x');
    return text;
}

std::string openai_event()
{
    return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{"
           "\"index\":0,\"delta\":{\"content\":\"" + text_1k() + "\"},\"finish_reason\":null}]}\n\n";
}

std::string ollama_line()
{
    return "{\"model\":\"m\",\"created_at\":\"2025-01-01T00:00:00Z\",\"message\":{\"role\":\"assistant\","
           "\"content\":\"" + text_1k() + "\"},\"done\":false}\n";
}

std::string native_event()
{
    return "event: message.delta\ndata: {\"type\":\"message.delta\",\"content\":\"" + text_1k() + "\"}\n\n";
}

// Serves requests on one connection: LM Studio's native model list (so that its provider finds
// /api/v1), OpenAI's model list, and an endless stream of valid chunks for any chat.
asio::awaitable<void> serve_endless(ServerConnection& c)
{
    for (int request = 0; request < 8; ++request) {
        auto r = co_await c.read_request();
        if (!r)
            co_return;
        std::string const target(r->target());
        if (target == "/api/v1/models") {
            co_await c.write(test::http_response(200, R"({"models":[]})"));
            continue;
        }
        if (target == "/v1/models") {
            co_await c.write(test::http_response(200, R"({"object":"list","data":[{"id":"m","object":"model"}]})"));
            continue;
        }
        bool const ollama = target == "/api/chat";
        bool const native = target == "/api/v1/chat";
        std::string const type = ollama ? "application/x-ndjson" : "text/event-stream";
        std::string const unit = http_chunk(ollama ? ollama_line() : native ? native_event() : openai_event());
        co_await c.write("HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nTransfer-Encoding: chunked\r\n\r\n");
        // Bounded (see kMaxChunks); writes fail fast once the client closed.
        for (int i = 0; i < kMaxChunks; ++i)
            co_await c.write(unit);
        co_await c.write("0\r\n\r\n");
        co_return;
    }
}

http::HttpOptions small_answers()
{
    http::HttpOptions o;
    o.limits.max_answer_bytes = kSmallLimit;
    o.timeouts.connect = 5s;
    o.timeouts.first_byte = 30s;
    o.timeouts.idle = 30s;
    return o;
}

template <class F>
MalformedResponseError expect_malformed(F&& f)
{
    try {
        f();
    } catch (MalformedResponseError const& e) {
        return e;
    } catch (std::exception const& e) {
        FAIL("wrong exception: " << e.what());
    }
    FAIL("no exception");
    throw std::logic_error("unreachable");
}

void check_answer_limit_error(MalformedResponseError const& e, std::string const& provider)
{
    CHECK(e.code() == errc::body_too_large);
    CHECK(e.provider() == provider);
    CHECK(std::string(e.what()) ==
          "response exceeds the configured size limit (provider " + provider +
              "; the answer exceeds limits.max_answer_bytes (65536 bytes))");
}

// Drains a stream; returns the bytes of content it delivered.
asio::awaitable<std::size_t> drain(ChatStream stream)
{
    std::size_t bytes = 0;
    while (auto chunk = co_await stream.next())
        bytes += chunk->content.size();
    co_return bytes;
}

ChatRequest hello()
{
    ChatRequest r;
    r.model = "m";
    r.messages.push_back(Message::user("hello"));
    return r;
}

} // namespace

TEST_CASE("AnswerLimit counts text, reasoning, refusal and tool calls", "[answer_limit]")
{
    AnswerLimit limit(20);
    ChatChunk chunk;
    chunk.content = "abcd";
    chunk.reasoning = "ef";
    chunk.refusal = "g";
    chunk.tool_calls.push_back(ToolCallDelta{});
    chunk.tool_calls.back().name = "fn";
    chunk.tool_calls.back().arguments = "{\"a\":1}";
    CHECK(limit.add(chunk)); // 4 + 2 + 1 + 2 + 7 = 16
    CHECK(limit.used() == 16);
    CHECK(limit.add(4)); // exactly the limit
    CHECK_FALSE(limit.add(1));
    CHECK_FALSE(limit.add(static_cast<std::size_t>(-1))); // saturates, never wraps to "small"
    CHECK_FALSE(limit.add(0));

    ChatResponse big;
    big.tool_calls.push_back({"call_0", "fn", std::string(21, 'x')});
    CHECK_THROWS_AS(AnswerLimit::check(big, 20, "openai"), MalformedResponseError);
    big.tool_calls.back().arguments.resize(18);
    CHECK_NOTHROW(AnswerLimit::check(big, 20, "openai"));
}

TEST_CASE("an endless OpenAI event stream ends at max_answer_bytes and its connection is closed",
          "[answer_limit][openai]")
{
    ScriptedServer server(serve_endless);
    openai::Options o;
    o.base_url = server.base_url();
    o.http = small_answers();
    o.retry = RetryPolicy::none();
    std::size_t delivered = 0;
    auto const e = expect_malformed([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            openai::OpenAICompatibleProvider provider(ex, o);
            auto stream = co_await provider.chat_stream(hello());
            std::exception_ptr failure;
            try {
                while (auto chunk = co_await stream.next())
                    delivered += chunk->content.size();
            } catch (...) {
                failure = std::current_exception();
            }
            // The next call opens a new connection: the endless one was closed, not pooled.
            auto models = co_await provider.list_models();
            CHECK(models.size() == 1);
            if (failure)
                std::rethrow_exception(failure);
        });
    });
    check_answer_limit_error(e, "openai");
    CHECK(delivered <= kSmallLimit);
    CHECK(delivered >= kSmallLimit - 1000);
    CHECK(server.accepted() == 2);
}

TEST_CASE("an endless LM Studio /v1 stream ends at max_answer_bytes", "[answer_limit][lmstudio]")
{
    ScriptedServer server(serve_endless);
    lmstudio::Options o;
    o.base_url = server.base_url();
    o.http = small_answers();
    o.retry = RetryPolicy::none();
    auto const e = expect_malformed([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            lmstudio::Provider provider(ex, o);
            co_await drain(co_await provider.chat_stream(hello()));
        });
    });
    check_answer_limit_error(e, "lmstudio");
}

TEST_CASE("an endless LM Studio /api/v1/chat stream ends at max_answer_bytes", "[answer_limit][lmstudio]")
{
    ScriptedServer server(serve_endless);
    lmstudio::Options o;
    o.base_url = server.base_url();
    o.http = small_answers();
    o.retry = RetryPolicy::none();
    std::size_t delivered = 0;
    auto const e = expect_malformed([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            lmstudio::Provider provider(ex, o);
            lmstudio::NativeChatRequest request;
            request.model = "m";
            request.input = "hello";
            lmstudio::NativeChatCallbacks callbacks;
            callbacks.on_chunk = [&](ChatChunk const& c) { delivered += c.content.size(); };
            co_await provider.native_chat(request, callbacks);
        });
    });
    check_answer_limit_error(e, "lmstudio");
    CHECK(delivered <= kSmallLimit);
}

TEST_CASE("an endless Ollama NDJSON stream ends at max_answer_bytes", "[answer_limit][ollama]")
{
    ScriptedServer server(serve_endless);
    ollama::Options o;
    o.base_url = server.base_url();
    o.http = small_answers();
    o.retry = RetryPolicy::none();
    auto const e = expect_malformed([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            ollama::OllamaProvider provider(ex, o);
            co_await drain(co_await provider.chat_stream(hello()));
        });
    });
    check_answer_limit_error(e, "ollama");
}

TEST_CASE("a non-streamed answer over max_answer_bytes is refused", "[answer_limit][openai]")
{
    std::string const body = R"({"id":"c1","object":"chat.completion","model":"m","choices":[{"index":0,)"
                             R"("message":{"role":"assistant","content":")" +
                             std::string(kSmallLimit + 1, 'y') + R"("},"finish_reason":"stop"}]})";
    ScriptedServer server([&body](ServerConnection& c) -> asio::awaitable<void> {
        return [](ServerConnection& connection, std::string reply) -> asio::awaitable<void> {
            co_await connection.read_request();
            co_await connection.write(test::http_response(200, reply));
            co_await connection.wait_for_client_close(5s);
        }(c, body);
    });
    openai::Options o;
    o.base_url = server.base_url();
    o.http = small_answers();
    o.retry = RetryPolicy::none();
    auto const e = expect_malformed([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
            openai::OpenAICompatibleProvider provider(ex, o);
            co_return co_await provider.chat(hello());
        });
    });
    check_answer_limit_error(e, "openai");

    SECTION("the same answer fits the default limit")
    {
        o.http.limits = http::Limits{};
        auto const answer = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
            openai::OpenAICompatibleProvider provider(ex, o);
            co_return co_await provider.chat(hello());
        });
        CHECK(answer.content.size() == kSmallLimit + 1);
    }
}

// ---- streams without a choice ----------------------------------------------------------------

namespace {

// Answers one request with `body` as a chunked stream of the given type, then the end.
asio::awaitable<void> serve_stream(ServerConnection& c, std::string type, std::string body)
{
    co_await c.read_request();
    co_await c.write("HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nTransfer-Encoding: chunked\r\n\r\n" +
                     http_chunk(body) + "0\r\n\r\n");
    co_await c.wait_for_client_close(5s);
}

// Streams `body` from a scripted server through `Provider` and returns the assembled answer.
template <class Provider, class Options>
ChatResponse stream_through(Options options, std::string const& content_type, std::string body)
{
    ScriptedServer server([content_type, body](ServerConnection& c) { return serve_stream(c, content_type, body); });
    options.base_url = server.base_url();
    options.retry = RetryPolicy::none();
    return test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
        Provider provider(ex, options);
        auto stream = co_await provider.chat_stream(hello());
        while (co_await stream.next()) {
        }
        co_return stream.result();
    });
}

ChatResponse stream_openai(std::string body)
{
    return stream_through<openai::OpenAICompatibleProvider>(openai::Options{}, "text/event-stream", std::move(body));
}

ChatResponse stream_lmstudio(std::string body)
{
    return stream_through<lmstudio::Provider>(lmstudio::Options{}, "text/event-stream", std::move(body));
}

ChatResponse stream_ollama(std::string body)
{
    return stream_through<ollama::OllamaProvider>(ollama::Options{}, "application/x-ndjson", std::move(body));
}

} // namespace

TEST_CASE("an OpenAI stream whose chunks carry no choice is malformed", "[stream][openai]")
{
    auto const e = expect_malformed([] {
        stream_openai("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\"}\n\n"
                      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[]}\n\n"
                      "data: [DONE]\n\n");
    });
    CHECK(e.code() == errc::malformed_response);
    CHECK(std::string(e.what()) ==
          "malformed response (provider openai; the event stream ended without any choice: no "
          "chunk had a \"choices\" entry)");
}

TEST_CASE("an LM Studio /v1 stream whose chunks carry no choice is malformed", "[stream][lmstudio]")
{
    auto const e = expect_malformed([] {
        stream_lmstudio("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[]}\n\n"
                        "data: [DONE]\n\n");
    });
    CHECK(e.code() == errc::malformed_response);
    CHECK(std::string(e.what()) ==
          "malformed response (provider lmstudio; the event stream ended without any choice: no "
          "chunk had a \"choices\" entry)");

    SECTION("a role-only chunk then the finish is a (empty) answer")
    {
        auto const r = stream_lmstudio(
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}\n\n"
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
            "data: [DONE]\n\n");
        CHECK(r.content.empty());
        CHECK(r.finish_reason == FinishReason::stop);
    }
}

TEST_CASE("legal OpenAI streams with choice-less chunks still succeed", "[stream][openai]")
{
    SECTION("a usage-only trailer after the choices (stream_options.include_usage)")
    {
        auto const r = stream_openai(
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n"
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
            "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}\n\n"
            "data: [DONE]\n\n");
        CHECK(r.content == "Hi");
        CHECK(r.finish_reason == FinishReason::stop);
        REQUIRE(r.usage);
        CHECK(r.usage->total_tokens == 4);
    }
    SECTION("keep-alive comments and a role-only first chunk")
    {
        auto const r = stream_openai(
            ": keep-alive\n\n"
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}\n\n"
            ": ping\n\n"
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}\n\n"
            "data: [DONE]\n\n");
        CHECK(r.content == "ok");
        CHECK(r.finish_reason == FinishReason::stop);
    }
    SECTION("an empty answer whose chunks carry a choice and a finish reason")
    {
        auto const r = stream_openai(
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n"
            "data: [DONE]\n\n");
        CHECK(r.content.empty());
        CHECK(r.finish_reason == FinishReason::length);
    }
}

TEST_CASE("an Ollama stream whose lines carry no message is malformed", "[stream][ollama]")
{
    auto const e = expect_malformed([] {
        stream_ollama("{\"model\":\"m\",\"created_at\":\"2025-01-01T00:00:00Z\",\"done\":false}\n"
                      "{\"model\":\"m\",\"created_at\":\"2025-01-01T00:00:00Z\",\"done\":true,\"done_reason\":\"stop\"}\n");
    });
    CHECK(e.code() == errc::malformed_response);
    CHECK(std::string(e.what()) ==
          "malformed response (provider ollama; the NDJSON stream ended without any \"message\")");

    SECTION("a done line without a message after lines with one is fine")
    {
        auto const r = stream_ollama(
            "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}\n"
            "{\"model\":\"m\",\"done\":true,\"done_reason\":\"stop\"}\n");
        CHECK(r.content == "Hi");
        CHECK(r.finish_reason == FinishReason::stop);
    }
}

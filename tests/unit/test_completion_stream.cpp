// Streamed legacy text completions (`complete_stream`): OpenAI's `/v1/completions` over SSE,
// Ollama's `/api/generate` over NDJSON and LM Studio's `/v1`. Exact text token by token, the
// finish reason and usage; errors inside the stream, truncated streams and a server that
// answers JSON although a stream was asked for end in their exact typed errors; cancellation
// closes the connection; a provider without streamed completions says so.

#include "support/emulator_fixture.hpp"
#include "support/expect_error.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/openai/provider.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::ScriptedServer;
using test::ServerConnection;

namespace {

std::string const kSse = "text/event-stream";
std::string const kNdjson = "application/x-ndjson";

std::string sse_text(std::string_view text, std::string_view finish = "null", int index = 0)
{
    return R"(data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"text":")" +
           std::string(text) + R"(","index":)" + std::to_string(index) +
           R"(,"logprobs":null,"finish_reason":)" + std::string(finish) + "}]}\n\n";
}

std::string const kSseUsage =
    R"(data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":3,"total_tokens":7}})"
    "\n\n";

std::string generate_line(std::string_view text)
{
    return R"({"model":"m","created_at":"2025-01-01T00:00:00Z","response":")" + std::string(text) +
           R"(","done":false})" + "\n";
}

std::string const kGenerateDone =
    R"({"model":"m","created_at":"2025-01-01T00:00:00Z","response":"","done":true,"done_reason":"length","context":[1,2],"total_duration":9000000,"load_duration":1000000,"prompt_eval_count":5,"prompt_eval_duration":2000000,"eval_count":3,"eval_duration":3000000})"
    "\n";

// Answers the first request with `body` (Content-Length framing) and records the request, then
// keeps the connection open until the client is done with it.
struct OneAnswer {
    std::string content_type;
    std::string body;
    std::shared_ptr<std::string> target = std::make_shared<std::string>();
    std::shared_ptr<std::string> request_body = std::make_shared<std::string>();

    test::ConnectionHandler handler() const
    {
        return [type = content_type, body = body, target = target,
                request_body = request_body](ServerConnection& c) -> asio::awaitable<void> {
            auto request = co_await c.read_request();
            if (!request)
                co_return;
            *target = std::string(request->target());
            *request_body = request->body();
            co_await c.write(test::http_response(200, body, type));
            co_await c.wait_for_client_close(10s);
        };
    }
};

http::HttpOptions quick_http()
{
    http::HttpOptions o;
    o.timeouts.connect = 5s;
    o.timeouts.first_byte = 10s;
    o.timeouts.idle = 10s;
    return o;
}

CompletionRequest once_upon(std::string model = "m")
{
    CompletionRequest r;
    r.model = std::move(model);
    r.prompt = std::string("Once upon a time");
    return r;
}

// What a stream delivered until its end or its error.
struct Drained {
    std::vector<std::string> texts;
    std::vector<std::int64_t> indexes;
    std::vector<std::optional<FinishReason>> finishes;
    std::vector<bool> with_usage;
    CompletionResponse result;
    bool done = false;
    std::exception_ptr error;
};

asio::awaitable<void> drain_into(CompletionStream& stream, Drained& out)
{
    try {
        while (auto chunk = co_await stream.next()) {
            out.texts.push_back(chunk->text);
            out.indexes.push_back(chunk->index);
            out.finishes.push_back(chunk->finish_reason);
            out.with_usage.push_back(chunk->usage.has_value());
        }
    } catch (...) {
        out.error = std::current_exception();
    }
    out.result = stream.result();
    out.done = stream.done();
}

template <class Provider, class Options>
Drained drain(Options const& o, CompletionRequest request)
{
    Drained out;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        Provider provider(ex, o);
        auto stream = co_await provider.complete_stream(std::move(request));
        co_await drain_into(stream, out);
    });
    return out;
}

openai::Options openai_options(std::string base_url)
{
    openai::Options o;
    o.base_url = std::move(base_url);
    o.http = quick_http();
    o.retry = RetryPolicy::none();
    return o;
}

ollama::Options ollama_options(std::string host)
{
    ollama::Options o;
    o.base_url = std::move(host);
    o.http = quick_http();
    o.retry = RetryPolicy::none();
    return o;
}

Drained openai_stream(std::string const& body, std::string const& type = kSse,
                      CompletionRequest request = once_upon())
{
    OneAnswer answer{type, body};
    ScriptedServer server(answer.handler());
    return drain<openai::OpenAICompatibleProvider>(openai_options(server.base_url()), std::move(request));
}

Drained ollama_stream(std::string const& body, std::string const& type = kNdjson)
{
    OneAnswer answer{type, body};
    ScriptedServer server(answer.handler());
    return drain<ollama::OllamaProvider>(ollama_options(server.base_url()), once_upon());
}

template <class E>
E rethrown_as(std::exception_ptr const& error)
{
    REQUIRE(error);
    return test::expect_error<E>([&] { std::rethrow_exception(error); });
}

using Finishes = std::vector<std::optional<FinishReason>>;

} // namespace

TEST_CASE("completion stream, OpenAI: every token in order, one finish, the usage trailer",
          "[completion-stream]")
{
    OneAnswer answer{kSse, sse_text("Once") + sse_text(" there") + sse_text(" was", R"("length")") +
                               kSseUsage + "data: [DONE]\n\n"};
    ScriptedServer server(answer.handler());
    auto request = once_upon();
    request.include_usage = true;
    auto const out = drain<openai::OpenAICompatibleProvider>(openai_options(server.base_url()), request);
    REQUIRE_FALSE(out.error);
    CHECK(out.texts == std::vector<std::string>{"Once", " there", " was", ""});
    CHECK(out.finishes == Finishes{std::nullopt, std::nullopt, FinishReason::length, std::nullopt});
    CHECK(out.with_usage == std::vector<bool>{false, false, false, true});
    CHECK(out.done);
    CHECK(out.result.id == "cmpl-1");
    CHECK(out.result.model == "m");
    REQUIRE(out.result.choices.size() == 1);
    CHECK(out.result.text() == "Once there was");
    CHECK(out.result.choices[0].finish_reason == FinishReason::length);
    CHECK(out.result.choices[0].finish_reason_raw == "length");
    REQUIRE(out.result.usage);
    CHECK(out.result.usage->prompt_tokens == 4);
    CHECK(out.result.usage->completion_tokens == 3);
    CHECK(out.result.usage->total_tokens == 7);
    // What went out: /v1/completions, streamed, asking for the usage trailer.
    CHECK(*answer.target == "/v1/completions");
    auto const sent = boost::json::parse(*answer.request_body).as_object();
    CHECK(sent.at("stream") == true);
    CHECK(sent.at("prompt") == "Once upon a time");
    CHECK(sent.at("stream_options").at("include_usage") == true);
}

TEST_CASE("completion stream, OpenAI: several choices are kept apart by index", "[completion-stream]")
{
    // llama.cpp answers a prompt list one prompt after another, usage on each finish chunk.
    std::string const usage0 = R"("usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3})";
    std::string const usage1 = R"("usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5})";
    auto with_usage = [](std::string event, std::string const& usage) {
        return event.replace(event.find(R"("model":"m",)"), 12, R"("model":"m",)" + usage + ",");
    };
    auto const out = openai_stream(sse_text("a", "null", 0) + with_usage(sse_text("", R"("stop")", 0), usage0) +
                                   sse_text("b", "null", 1) + sse_text("c", "null", 1) +
                                   with_usage(sse_text("", R"("length")", 1), usage1) + "data: [DONE]\n\n");
    REQUIRE_FALSE(out.error);
    CHECK(out.texts == std::vector<std::string>{"a", "", "b", "c", ""});
    CHECK(out.indexes == std::vector<std::int64_t>{0, 0, 1, 1, 1});
    REQUIRE(out.result.choices.size() == 2);
    CHECK(out.result.choices[0].index == 0);
    CHECK(out.result.choices[0].text == "a");
    CHECK(out.result.choices[0].finish_reason == FinishReason::stop);
    CHECK(out.result.choices[1].index == 1);
    CHECK(out.result.choices[1].text == "bc");
    CHECK(out.result.choices[1].finish_reason == FinishReason::length);
    REQUIRE(out.result.usage);
    CHECK(out.result.usage->prompt_tokens == 5);
    CHECK(out.result.usage->completion_tokens == 3);
    CHECK(out.result.usage->total_tokens == 8);
}

TEST_CASE("completion stream, OpenAI: usage before the finish is not trusted", "[completion-stream]")
{
    // Ollama's /v1 puts a zeroed usage on every chunk (docs/protocols.md, Ollama: /v1).
    std::string const zero = R"("usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0})";
    auto zeroed = [&](std::string event) {
        return event.replace(event.find(R"("model":"m",)"), 12, R"("model":"m",)" + zero + ",");
    };
    auto const out = openai_stream(zeroed(sse_text("Hi")) + sse_text("", R"("stop")") + kSseUsage +
                                   "data: [DONE]\n\n");
    REQUIRE_FALSE(out.error);
    CHECK(out.texts == std::vector<std::string>{"Hi", "", ""});
    CHECK(out.with_usage == std::vector<bool>{false, false, true});
    REQUIRE(out.result.usage);
    CHECK(out.result.usage->total_tokens == 7);
}

TEST_CASE("completion stream, OpenAI: an in-band error mid-stream is thrown once, typed, as received",
          "[completion-stream]")
{
    std::string const error = R"({ "error" : { "type":"server_error", "message":"Compute error." } })";
    auto const out = openai_stream(sse_text("Once") + "data: " + error + "\n\n" + sse_text("never"));
    CHECK(out.texts == std::vector<std::string>{"Once"});
    auto const e = rethrown_as<ServerError>(out.error);
    CHECK(e.code() == errc::server_error);
    CHECK(e.provider() == "openai");
    CHECK(e.raw_body() == error);
    CHECK(e.server_message() == "Compute error.");
    CHECK(std::string(e.what()) ==
          "server error: Compute error. (HTTP 200; provider openai; error reported inside an HTTP 200 response)");
    CHECK_FALSE(out.done);
    CHECK(out.result.text() == "Once");
}

TEST_CASE("completion stream, OpenAI: llama.cpp's error: line is its typed error", "[completion-stream]")
{
    std::string const error = R"({"code":400,"message":"context shift is disabled","type":"invalid_request_error"})";
    auto const out = openai_stream(sse_text("a") + "error: " + error + "\n\n");
    CHECK(out.texts == std::vector<std::string>{"a"});
    auto const e = rethrown_as<ContextLengthError>(out.error);
    CHECK(e.code() == errc::context_length_exceeded);
    CHECK(e.server_message() == "context shift is disabled");
}

TEST_CASE("completion stream: a stream without its terminator is truncated, never a success",
          "[completion-stream]")
{
    SECTION("SSE without data: [DONE]")
    {
        auto const out = openai_stream(sse_text("Once") + sse_text(" upon", R"("stop")"));
        CHECK(out.texts == std::vector<std::string>{"Once", " upon"});
        auto const e = rethrown_as<MalformedResponseError>(out.error);
        CHECK(e.code() == errc::stream_truncated);
        CHECK(e.provider() == "openai");
        CHECK(std::string(e.what()) == "response ended before it was complete (provider openai; the event "
                                       "stream ended without data: [DONE])");
        CHECK_FALSE(out.done);
    }
    SECTION("NDJSON without the done line")
    {
        auto const out = ollama_stream(generate_line("Once") + generate_line(" upon"));
        CHECK(out.texts == std::vector<std::string>{"Once", " upon"});
        auto const e = rethrown_as<MalformedResponseError>(out.error);
        CHECK(e.code() == errc::stream_truncated);
        CHECK(e.provider() == "ollama");
        CHECK(std::string(e.what()) == "response ended before it was complete (provider ollama; the NDJSON "
                                       "stream ended without its \"done\": true line)");
    }
    SECTION("SSE whose events never carried a choice")
    {
        auto const out = openai_stream(kSseUsage + "data: [DONE]\n\n");
        auto const e = rethrown_as<MalformedResponseError>(out.error);
        CHECK(e.code() == errc::malformed_response);
        CHECK(std::string(e.what()) == "malformed response (provider openai; the event stream ended without "
                                       "any choice: no chunk had a \"choices\" entry)");
    }
}

TEST_CASE("completion stream, Ollama: response deltas, then done_reason, usage and stats",
          "[completion-stream]")
{
    OneAnswer answer{kNdjson, generate_line("Once") + generate_line(" there") + kGenerateDone};
    ScriptedServer server(answer.handler());
    auto const out = drain<ollama::OllamaProvider>(ollama_options(server.base_url()), once_upon());
    REQUIRE_FALSE(out.error);
    CHECK(out.texts == std::vector<std::string>{"Once", " there", ""});
    CHECK(out.finishes == Finishes{std::nullopt, std::nullopt, FinishReason::length});
    CHECK(out.with_usage == std::vector<bool>{false, false, true});
    REQUIRE(out.result.choices.size() == 1);
    CHECK(out.result.text() == "Once there");
    CHECK(out.result.choices[0].finish_reason_raw == "length");
    CHECK(out.result.model == "m");
    REQUIRE(out.result.usage);
    CHECK(out.result.usage->prompt_tokens == 5);
    CHECK(out.result.usage->completion_tokens == 3);
    CHECK(out.result.usage->total_tokens == 8);
    REQUIRE(out.result.stats);
    CHECK(out.result.stats->predicted_tokens == 3);
    CHECK(out.result.stats->tokens_per_second == Approx(1000.0));
    CHECK(out.result.stats->model_load_time_s == Approx(0.001));
    CHECK(*answer.target == "/api/generate");
    auto const sent = boost::json::parse(*answer.request_body).as_object();
    CHECK(sent.at("stream") == true);
    CHECK(sent.at("prompt") == "Once upon a time");
}

TEST_CASE("completion stream, Ollama: an error line mid-stream is thrown as received", "[completion-stream]")
{
    std::string const error = R"({"error":"an error was encountered while running the model"})";
    auto const out = ollama_stream(generate_line("Once") + error + "\n" + kGenerateDone);
    CHECK(out.texts == std::vector<std::string>{"Once"});
    auto const e = rethrown_as<ServerError>(out.error);
    CHECK(e.code() == errc::server_error);
    CHECK(e.provider() == "ollama");
    CHECK(e.raw_body() == error);
    CHECK(e.server_message() == "an error was encountered while running the model");
}

TEST_CASE("completion stream: a server that ignores stream=true is handled as for chat",
          "[completion-stream]")
{
    SECTION("OpenAI: a JSON completion instead of an event stream")
    {
        std::string const body =
            R"({"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"text":"Once","index":0,"logprobs":null,"finish_reason":"stop"}]})";
        // complete_stream() itself throws: the answer is not a stream.
        auto const e = test::expect_error<MalformedResponseError>([&] { openai_stream(body, "application/json"); });
        CHECK(e.code() == errc::unexpected_content_type);
        CHECK(e.provider() == "openai");
        CHECK(e.http_status() == 200);
        CHECK(std::string(e.what()) == "unexpected content type (HTTP 200; provider openai; expected "
                                       "text/event-stream for a streamed completion, got application/json)");
    }
    SECTION("OpenAI: an error object inside a JSON 200")
    {
        auto const e = test::expect_error<InvalidRequestError>([&] {
            openai_stream(R"x({"error":"Unexpected endpoint or method. (POST /v1/completions)"})x", "application/json");
        });
        CHECK(e.provider() == "openai");
        CHECK(e.server_message() == "Unexpected endpoint or method. (POST /v1/completions)");
    }
    SECTION("Ollama: one JSON answer is read as the one line of the stream")
    {
        std::string const body =
            R"({"model":"m","created_at":"2025-01-01T00:00:00Z","response":"Once there","done":true,"done_reason":"stop","prompt_eval_count":5,"eval_count":2})";
        auto const out = ollama_stream(body, "application/json; charset=utf-8");
        REQUIRE_FALSE(out.error);
        CHECK(out.texts == std::vector<std::string>{"Once there"});
        CHECK(out.finishes == Finishes{FinishReason::stop});
        CHECK(out.result.text() == "Once there");
        REQUIRE(out.result.usage);
        CHECK(out.result.usage->total_tokens == 7);
    }
}

TEST_CASE("completion stream: cancelling next() is CancelledError and closes the connection",
          "[completion-stream]")
{
    // One token, then nothing until the client goes away.
    ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
        co_await c.read_request();
        co_await c.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        auto const event = sse_text("Once");
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", event.size());
        co_await c.write(std::string(size) + event + "\r\n");
        co_await c.wait_for_client_close(10s);
    });
    std::string first;
    auto const e = test::expect_error<CancelledError>([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            openai::OpenAICompatibleProvider provider(ex, openai_options(server.base_url()));
            auto stream = co_await provider.complete_stream(once_upon());
            auto chunk = co_await stream.next();
            first = chunk ? chunk->text : "";
            // The next read waits for a token that never comes; the signal is emitted once the
            // read is under way (posted behind it), and cancellation is terminal.
            asio::cancellation_signal signal;
            auto read_rest = [&]() -> asio::awaitable<void> {
                asio::post(ex, [&] { signal.emit(asio::cancellation_type::terminal); });
                while (co_await stream.next()) {
                }
            };
            co_await asio::co_spawn(ex, read_rest(), asio::bind_cancellation_slot(signal.slot(), asio::use_awaitable));
        });
    });
    CHECK(e.code() == errc::cancelled);
    CHECK(first == "Once");
    CHECK(server.wait_for_client_closes(1, 10s));
    CHECK(server.client_closes_observed() == 1);
}

TEST_CASE("completion stream: the emulators stream what complete() answers", "[completion-stream]")
{
    SECTION("OpenAI emulator, usage trailer")
    {
        test::OpenAiEmulatorFixture emulator;
        auto o = openai_options("http://127.0.0.1:" + std::to_string(emulator.port()) + "/v1");
        o.include_usage = true;
        auto request = once_upon("gpt-4o-mini");
        request.max_tokens = 4;
        auto const out = drain<openai::OpenAICompatibleProvider>(o, request);
        REQUIRE_FALSE(out.error);
        CHECK(out.result.text() == "Hello! You said: Once");
        CHECK(out.texts.size() > 2);
        CHECK(out.result.choices.at(0).finish_reason == FinishReason::length);
        REQUIRE(out.result.usage);
        CHECK(out.result.usage->prompt_tokens == 4);
        CHECK(out.result.usage->completion_tokens == 4);
        auto const whole = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<CompletionResponse> {
            openai::OpenAICompatibleProvider provider(ex, o);
            co_return co_await provider.complete(request);
        });
        CHECK(whole.text() == out.result.text());
        CHECK(whole.usage == out.result.usage);
    }
    SECTION("Ollama emulator, counts on the done line")
    {
        test::OllamaEmulatorFixture emulator;
        auto const o = ollama_options(emulator.server.base_url());
        auto const request = once_upon("llama3.2");
        auto const out = drain<ollama::OllamaProvider>(o, request);
        REQUIRE_FALSE(out.error);
        CHECK(out.texts.size() > 2);
        CHECK(out.finishes.back() == FinishReason::stop);
        auto const whole = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<CompletionResponse> {
            ollama::OllamaProvider provider(ex, o);
            co_return co_await provider.complete(request);
        });
        CHECK(whole.text() == out.result.text());
        CHECK(whole.usage == out.result.usage);
        CHECK(whole.choices.at(0).finish_reason_raw == out.result.choices.at(0).finish_reason_raw);
    }
    SECTION("LM Studio through its /v1 layer")
    {
        test::LmStudioEmulatorFixture emulator;
        lmstudio::Options o;
        o.base_url = emulator.server.base_url();
        o.retry = RetryPolicy::none();
        auto request = once_upon("qwen2.5-7b-instruct");
        request.max_tokens = 4;
        request.include_usage = true;
        auto const out = drain<lmstudio::Provider>(o, request);
        REQUIRE_FALSE(out.error);
        CHECK(emulator.server.last_request()->target == "/v1/completions");
        CHECK(boost::json::parse(emulator.server.last_request()->body).at("stream") == true);
        CHECK(out.texts.size() > 2);
        auto const whole = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<CompletionResponse> {
            lmstudio::Provider provider(ex, o);
            co_return co_await provider.complete(request);
        });
        CHECK(whole.text() == out.result.text());
        CHECK(out.result.choices.at(0).finish_reason == whole.choices.at(0).finish_reason);
        REQUIRE(out.result.usage);
        CHECK(out.result.usage == whole.usage);
    }
    SECTION("Ollama takes one prompt per stream")
    {
        test::OllamaEmulatorFixture emulator;
        auto request = once_upon("llama3.2");
        request.prompt = std::vector<std::string>{"one", "two"};
        auto const e = test::expect_error<InvalidRequestError>([&] {
            drain<ollama::OllamaProvider>(ollama_options(emulator.server.base_url()), request);
        });
        CHECK(e.code() == errc::invalid_request);
        CHECK(std::string(e.what()) ==
              "invalid request (provider ollama; Ollama streams one prompt per completion; got 2)");
        CHECK(emulator.server.requests_served() == 0);
    }
}

namespace {

// A provider written before complete_stream(): everything but it.
class NoCompletionStream final : public ModelProvider {
public:
    std::string_view name() const noexcept override { return "plain"; }
    ProviderFeatures features() const noexcept override { return {}; }

protected:
    asio::awaitable<std::vector<ModelInfo>> do_list_models() override { co_return std::vector<ModelInfo>{}; }
    asio::awaitable<ChatResponse> do_chat(ChatRequest, CallOptions) override { co_return ChatResponse{}; }
    asio::awaitable<ChatStream> do_chat_stream(ChatRequest, CallOptions) override
    {
        throw_error(errc::unsupported, "no chat stream");
        co_return ChatStream(nullptr);
    }
    asio::awaitable<CompletionResponse> do_complete(CompletionRequest, CallOptions) override
    {
        co_return CompletionResponse{};
    }
    asio::awaitable<EmbeddingResponse> do_embed(EmbeddingRequest, CallOptions) override
    {
        co_return EmbeddingResponse{};
    }
    asio::awaitable<bool> do_supports_model(std::string) override { co_return false; }
    asio::awaitable<std::optional<ModelCapabilities>> do_model_capabilities(std::string) override
    {
        co_return std::nullopt;
    }
    asio::awaitable<HealthStatus> do_health() override { co_return HealthStatus{}; }
    asio::awaitable<ServerInfo> do_info() override { co_return ServerInfo{}; }
};

} // namespace

TEST_CASE("completion stream: a provider without it says so, typed", "[completion-stream]")
{
    NoCompletionStream provider;
    CHECK_FALSE(provider.features().completion_streaming);
    auto const e = test::expect_error<InvalidRequestError>([&] {
        test::run_async([&](asio::any_io_executor) -> asio::awaitable<void> {
            auto stream = co_await provider.complete_stream(once_upon());
        });
    });
    CHECK(e.code() == errc::unsupported);
    CHECK(e.provider() == "plain");
    CHECK(std::string(e.what()) ==
          "not supported (provider plain; streamed text completions are not supported by this provider)");
}

TEST_CASE("completion stream: the model id is validated before anything is sent", "[completion-stream]")
{
    test::OpenAiEmulatorFixture emulator;
    auto request = once_upon("bad\nmodel");
    auto const e = test::expect_error<InvalidRequestError>([&] {
        drain<openai::OpenAICompatibleProvider>(
            openai_options("http://127.0.0.1:" + std::to_string(emulator.port()) + "/v1"), request);
    });
    CHECK(e.provider() == "openai");
    CHECK(emulator.server.requests_served() == 0);
}

TEST_CASE("completion stream: the call's total deadline ends an endless stream", "[completion-stream]")
{
    // The server streams valid chunks without end; the CallOptions' total deadline must reach
    // the stream, as for chat_stream (complete_stream passes the same call options).
    CallOptions call;
    call.timeouts = http::Timeouts{};
    call.timeouts->connect = 5s;
    call.timeouts->first_byte = 20s;
    call.timeouts->idle = 20s;
    call.timeouts->total = 300ms;
    auto endless = [](std::string path) {
        emulators::Fault f;
        f.path = std::move(path);
        f.repeat_event_forever = 1;
        return f;
    };
    auto count_until_error = [&](ModelProvider& provider, CompletionRequest request,
                                 int& chunks) -> asio::awaitable<void> {
        auto stream = co_await provider.complete_stream(std::move(request), call);
        while (co_await stream.next())
            ++chunks;
    };
    int chunks = 0;
    SECTION("OpenAI")
    {
        test::OpenAiEmulatorFixture emulator;
        emulator.server.faults().add(endless("/v1/completions"));
        auto const e = test::expect_error<TimeoutError>([&] {
            test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
                openai::OpenAICompatibleProvider provider(
                    ex, openai_options("http://127.0.0.1:" + std::to_string(emulator.port()) + "/v1"));
                co_await count_until_error(provider, once_upon("gpt-4o-mini"), chunks);
            }, 30s);
        });
        CHECK(e.code() == errc::total_timeout);
        CHECK(e.provider() == "openai");
    }
    SECTION("Ollama")
    {
        test::OllamaEmulatorFixture emulator;
        emulator.server.faults().add(endless("/api/generate"));
        auto const e = test::expect_error<TimeoutError>([&] {
            test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
                ollama::OllamaProvider provider(ex, ollama_options(emulator.server.base_url()));
                co_await count_until_error(provider, once_upon("llama3.2"), chunks);
            }, 30s);
        });
        CHECK(e.code() == errc::total_timeout);
        CHECK(e.provider() == "ollama");
    }
    CHECK(chunks > 0);
}

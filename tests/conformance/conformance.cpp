#include "conformance/conformance.hpp"

#include "support/expect_error.hpp"
#include "support/run_async.hpp"

#include <llmio/error.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <chrono>

namespace llmio::conformance {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using emulators::Fault;
using test::expect_error;

namespace {

// Retries in tests wait milliseconds, not seconds.
RetryPolicy fast_retries()
{
    RetryPolicy p;
    p.max_retries = 2;
    p.initial_backoff = 5ms;
    p.max_backoff = 20ms;
    return p;
}

template <class T>
T run(Target const& target, RetryPolicy policy,
      std::function<asio::awaitable<T>(ModelProvider&)> body)
{
    return test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<T> {
        auto provider = target.make(ex, policy);
        co_return co_await body(*provider);
    });
}

template <class T>
T run(Target const& target, std::function<asio::awaitable<T>(ModelProvider&)> body)
{
    return run<T>(target, fast_retries(), std::move(body));
}

ChatRequest prompt(Target const& target, std::string text)
{
    ChatRequest r;
    r.model = target.chat_model;
    r.messages.push_back(Message::user(std::move(text)));
    r.max_tokens = 64;
    return r;
}

ToolDefinition weather_tool()
{
    ToolDefinition t;
    t.name = "get_weather";
    t.description = "Current weather in a city";
    t.parameters = json::parse(R"({"type":"object","properties":{"city":{"type":"string"}},
                                  "required":["city"]})").as_object();
    return t;
}

ToolDefinition time_tool()
{
    ToolDefinition t;
    t.name = "get_time";
    t.description = "Current time in a timezone";
    t.parameters = json::parse(R"({"type":"object","properties":{"tz":{"type":"string"}},
                                  "required":["tz"]})").as_object();
    return t;
}

bool skip_unless(bool supported, char const* what)
{
    if (!supported)
        WARN("skipped: the provider declares no support for " << what);
    return !supported;
}

bool skip_without_emulator(Target const& target)
{
    if (!target.server)
        WARN("skipped: fault injection needs the emulator (live mode)");
    return !target.server;
}

struct Streamed {
    std::vector<ChatChunk> chunks;
    ChatResponse result;
    bool next_after_end_is_empty = false;
};

asio::awaitable<Streamed> stream_all(ModelProvider& p, ChatRequest request)
{
    Streamed out;
    auto stream = co_await p.chat_stream(std::move(request));
    while (auto chunk = co_await stream.next())
        out.chunks.push_back(std::move(*chunk));
    out.next_after_end_is_empty = !(co_await stream.next()).has_value();
    out.result = stream.result();
    co_return out;
}

void check_stream_invariants(Streamed const& s)
{
    std::string content;
    int finishes = 0;
    for (std::size_t i = 0; i < s.chunks.size(); ++i) {
        content += s.chunks[i].content;
        if (s.chunks[i].finish_reason) {
            ++finishes;
            // Nothing but a usage report may follow the finish.
            for (std::size_t j = i + 1; j < s.chunks.size(); ++j) {
                CHECK(s.chunks[j].content.empty());
                CHECK(s.chunks[j].tool_calls.empty());
            }
        }
    }
    CHECK(finishes == 1);
    CHECK(content == s.result.content);
    CHECK(s.next_after_end_is_empty);
}

void check_usage(std::optional<Usage> const& usage)
{
    REQUIRE(usage.has_value());
    CHECK(usage->prompt_tokens > 0);
    CHECK(usage->completion_tokens > 0);
    CHECK(usage->total_tokens == usage->prompt_tokens + usage->completion_tokens);
}

} // namespace

void run_conformance_suite(Target const& target)
{
    INFO("target: " << target.label);

    SECTION("list models")
    {
        auto models = run<std::vector<ModelInfo>>(target, [](ModelProvider& p) { return p.list_models(); });
        REQUIRE_FALSE(models.empty());
        bool found = false;
        for (auto const& m : models)
            found = found || m.id == target.chat_model;
        CHECK(found);
    }

    SECTION("chat: content, finish reason and usage")
    {
        auto response = run<ChatResponse>(target, [&](ModelProvider& p) {
            return p.chat(prompt(target, "Say hello in five words."));
        });
        if (target.expected_reply)
            CHECK(response.content == target.expected_reply("Say hello in five words."));
        else
            CHECK_FALSE(response.content.empty());
        CHECK((response.finish_reason == FinishReason::stop || response.finish_reason == FinishReason::length));
        check_usage(response.usage);
    }

    SECTION("stream: deltas in order, one finish, nothing after, usage adds up")
    {
        if (skip_unless(target.features.streaming, "streaming"))
            return;
        auto request = prompt(target, "Tell me a short story about a lighthouse.");
        request.include_usage = true;
        auto s = run<Streamed>(target, [&](ModelProvider& p) { return stream_all(p, request); });
        CHECK(s.chunks.size() > 2);
        check_stream_invariants(s);
        if (target.expected_reply)
            CHECK(s.result.content == target.expected_reply("Tell me a short story about a lighthouse."));
        check_usage(s.result.usage);
    }

    SECTION("stream with a callback gives the same answer as next()")
    {
        if (skip_unless(target.features.streaming, "streaming"))
            return;
        std::string seen;
        auto response = run<ChatResponse>(target, [&](ModelProvider& p) {
            return p.chat_stream(prompt(target, "Count to three."),
                                 [&](ChatChunk const& c) { seen += c.content; });
        });
        CHECK_FALSE(seen.empty());
        CHECK(seen == response.content);
    }

    SECTION("tool call, non-streaming and streaming")
    {
        if (skip_unless(target.features.tools, "tools"))
            return;
        auto request = prompt(target, "What is the weather in Paris? Use get_weather.");
        request.tools = {weather_tool()};
        auto check_call = [](ChatResponse const& r) {
            CHECK(r.finish_reason == FinishReason::tool_calls);
            REQUIRE(r.tool_calls.size() == 1);
            CHECK(r.tool_calls[0].name == "get_weather");
            CHECK_FALSE(r.tool_calls[0].id.empty());
            boost::system::error_code ec;
            auto args = json::parse(r.tool_calls[0].arguments, ec);
            REQUIRE_FALSE(ec);
            REQUIRE(args.is_object());
            CHECK(args.as_object().contains("city"));
        };
        check_call(run<ChatResponse>(target, [&](ModelProvider& p) { return p.chat(request); }));
        if (target.features.streaming) {
            auto s = run<Streamed>(target, [&](ModelProvider& p) { return stream_all(p, request); });
            check_call(s.result);
        }
    }

    SECTION("two parallel tool calls are kept apart")
    {
        if (skip_unless(target.features.tools, "tools"))
            return;
        auto request = prompt(target, "Call get_weather for Paris and get_time for Europe/Paris.");
        request.tools = {weather_tool(), time_tool()};
        auto check_calls = [](ChatResponse const& r) {
            REQUIRE(r.tool_calls.size() == 2);
            CHECK(r.tool_calls[0].name == "get_weather");
            CHECK(r.tool_calls[1].name == "get_time");
            CHECK(r.tool_calls[0].id != r.tool_calls[1].id);
            for (auto const& call : r.tool_calls) {
                boost::system::error_code ec;
                json::parse(call.arguments, ec);
                CHECK_FALSE(ec);
            }
        };
        check_calls(run<ChatResponse>(target, [&](ModelProvider& p) { return p.chat(request); }));
        if (target.features.streaming) {
            auto s = run<Streamed>(target, [&](ModelProvider& p) { return stream_all(p, request); });
            check_calls(s.result);
        }
    }

    SECTION("structured output is forwarded and honoured")
    {
        if (skip_unless(target.features.structured_output, "structured output"))
            return;
        auto request = prompt(target, "Describe a cat as JSON.");
        request.response_format = ResponseFormat::json_schema(
            "cat", json::parse(R"({"type":"object","properties":{"name":{"type":"string"},
                                   "age":{"type":"integer"}},"required":["name","age"]})").as_object(),
            true);
        auto response = run<ChatResponse>(target, [&](ModelProvider& p) { return p.chat(request); });
        boost::system::error_code ec;
        auto value = json::parse(response.content, ec);
        REQUIRE_FALSE(ec);
        REQUIRE(value.is_object());
        CHECK(value.as_object().contains("name"));
        CHECK(value.as_object().contains("age"));
        if (target.server) {
            auto sent = json::parse(target.server->last_request()->body);
            if (target.structured_request_ok)
                CHECK(target.structured_request_ok(sent));
            else
                CHECK(sent.at("response_format").at("type") == "json_schema");
        }
    }

    SECTION("embeddings: one vector per input, equal dimensions, input order")
    {
        if (skip_unless(target.features.embeddings, "embeddings"))
            return;
        auto embed = [&](std::vector<std::string> inputs) {
            return run<EmbeddingResponse>(target, [&](ModelProvider& p) {
                EmbeddingRequest r;
                r.model = target.embedding_model;
                r.input = inputs;
                return p.embed(r);
            });
        };
        auto batch = embed({"first text", "second text", "third text"});
        REQUIRE(batch.embeddings.size() == 3);
        CHECK(batch.embeddings[0].size() > 0);
        CHECK(batch.embeddings[0].size() == batch.embeddings[1].size());
        CHECK(batch.embeddings[1].size() == batch.embeddings[2].size());
        // Order: the third input alone gives the third vector of the batch.
        auto single = embed({"third text"});
        REQUIRE(single.embeddings.size() == 1);
        REQUIRE(single.embeddings[0].size() == batch.embeddings[2].size());
        for (std::size_t i = 0; i < single.embeddings[0].size(); ++i)
            CHECK(single.embeddings[0][i] == Approx(batch.embeddings[2][i]).margin(1e-4));
    }

    SECTION("legacy completion")
    {
        if (skip_unless(target.features.completions, "legacy completions"))
            return;
        auto response = run<CompletionResponse>(target, [&](ModelProvider& p) {
            CompletionRequest r;
            r.model = target.chat_model;
            r.prompt = std::string("Once upon a time");
            r.max_tokens = 16;
            return p.complete(r);
        });
        REQUIRE_FALSE(response.choices.empty());
        CHECK_FALSE(response.text().empty());
    }

    SECTION("100 concurrent chats on one provider are all correct")
    {
        auto answers = run<std::vector<std::string>>(target, [&](ModelProvider& p)
                                                                 -> asio::awaitable<std::vector<std::string>> {
            auto ex = co_await asio::this_coro::executor;
            std::vector<std::string> out(100);
            std::atomic<int> remaining{100};
            asio::steady_timer all_done(ex, std::chrono::steady_clock::time_point::max());
            for (int i = 0; i < 100; ++i) {
                asio::co_spawn(ex, p.chat(prompt(target, "request number " + std::to_string(i))),
                               [&, i](std::exception_ptr e, ChatResponse r) {
                                   out[i] = e ? "error" : r.content;
                                   if (--remaining == 0)
                                       all_done.cancel();
                               });
            }
            co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
            co_return out;
        });
        for (int i = 0; i < 100; ++i) {
            if (target.expected_reply)
                CHECK(answers[i] == target.expected_reply("request number " + std::to_string(i)));
            else
                CHECK(answers[i] != "error");
        }
    }

    // ---- Faults (emulator only) ---------------------------------------------------------

    SECTION("each HTTP error class becomes its type with the server's message")
    {
        if (skip_without_emulator(target))
            return;
        struct Case {
            int status;
            std::string message;
            std::string type;
            errc code;
        };
        std::vector<Case> const cases = {
            {400, "Invalid value for 'temperature'", "invalid_request_error", errc::invalid_request},
            {401, "Incorrect API key provided", "authentication_error", errc::authentication_failed},
            {404, "The model 'nope' does not exist", "model_not_found", errc::model_not_found},
            {429, "Rate limit reached for requests", "rate_limit_error", errc::rate_limited},
            {500, "The server had an error", "server_error", errc::server_error},
            {400, "This model's maximum context length is 4096 tokens", "invalid_request_error",
             errc::context_length_exceeded},
        };
        for (auto const& c : cases) {
            INFO("status " << c.status << ": " << c.message);
            target.server->faults().add(
                Fault::respond(c.status, target.error_body(c.status, c.message, c.type)).on(target.chat_path));
            auto const e = expect_error<ProviderError>([&] {
                run<ChatResponse>(target, RetryPolicy::none(),
                                  [&](ModelProvider& p) { return p.chat(prompt(target, "hi")); });
            });
            CHECK(e.code() == c.code);
            CHECK(e.http_status() == c.status);
            CHECK(e.server_message() == c.message);
            CHECK(e.provider() == target.provider_name);
        }
    }

    SECTION("an error event inside a 200 stream is a typed error")
    {
        if (skip_without_emulator(target) || skip_unless(target.features.streaming, "streaming"))
            return;
        Fault f;
        f.error_event = emulators::StreamErrorEvent{2, target.stream_error_form, 500,
                                                    "Compute error.", "server_error"};
        target.server->faults().add(f.on(target.chat_path));
        auto const e = expect_error<ServerError>([&] {
            run<Streamed>(target, [&](ModelProvider& p) { return stream_all(p, prompt(target, "hi there")); });
        });
        CHECK(e.server_message() == "Compute error.");
    }

    SECTION("a stream that ends without its terminator is truncated, never success")
    {
        if (skip_without_emulator(target) || skip_unless(target.features.streaming, "streaming"))
            return;
        Fault f;
        f.omit_done = true;
        target.server->faults().add(f.on(target.chat_path));
        auto const e = expect_error<MalformedResponseError>([&] {
            run<Streamed>(target, [&](ModelProvider& p) { return stream_all(p, prompt(target, "hi there")); });
        });
        CHECK(e.code() == errc::stream_truncated);
    }

    SECTION("a malformed chunk is a MalformedResponseError")
    {
        if (skip_without_emulator(target) || skip_unless(target.features.streaming, "streaming"))
            return;
        Fault f;
        f.malformed_event_at = 1;
        target.server->faults().add(f.on(target.chat_path));
        auto const e = expect_error<MalformedResponseError>([&] {
            run<Streamed>(target, [&](ModelProvider& p) { return stream_all(p, prompt(target, "hi there")); });
        });
        CHECK(e.code() == errc::malformed_response);
    }

    SECTION("5xx then success through retries")
    {
        if (skip_without_emulator(target))
            return;
        target.server->faults().add(
            Fault::respond(503, target.error_body(503, "Service overloaded", "server_error"))
                .on(target.chat_path).times(2));
        auto response = run<ChatResponse>(target, [&](ModelProvider& p) { return p.chat(prompt(target, "retry me")); });
        if (target.expected_reply)
            CHECK(response.content == target.expected_reply("retry me"));
        CHECK(target.server->requests_served() == 3);
    }

    SECTION("Retry-After is honoured")
    {
        if (skip_without_emulator(target))
            return;
        target.server->faults().add(
            Fault::respond(429, target.error_body(429, "Slow down", "rate_limit_error"),
                           {{"retry-after-ms", "300"}})
                .on(target.chat_path));
        auto const started = std::chrono::steady_clock::now();
        run<ChatResponse>(target, [&](ModelProvider& p) { return p.chat(prompt(target, "patience")); });
        CHECK(std::chrono::steady_clock::now() - started >= 300ms);
        CHECK(target.server->requests_served() == 2);
    }

    SECTION("a stream is never retried once it reached the caller")
    {
        if (skip_without_emulator(target) || skip_unless(target.features.streaming, "streaming"))
            return;
        target.server->faults().add(Fault::drop_after(2).on(target.chat_path));
        std::vector<std::string> delivered;
        auto const e = expect_error<MalformedResponseError>([&] {
            run<ChatResponse>(target, [&](ModelProvider& p) {
                return p.chat_stream(prompt(target, "a long enough answer please"),
                                     [&](ChatChunk const& c) { delivered.push_back(c.content); });
            });
        });
        CHECK(e.code() == errc::stream_truncated);
        CHECK_FALSE(delivered.empty());
        CHECK(target.server->requests_served() == 1);
    }

    SECTION("cancellation mid-stream closes the connection")
    {
        if (skip_without_emulator(target) || skip_unless(target.features.streaming, "streaming"))
            return;
        target.server->faults().add(Fault::stall_after(3).on(target.chat_path));
        std::string first;
        expect_error<CancelledError>([&] {
            run<int>(target, [&](ModelProvider& p) -> asio::awaitable<int> {
                auto ex = co_await asio::this_coro::executor;
                auto stream = co_await p.chat_stream(prompt(target, "stall after a few words please"));
                auto chunk = co_await stream.next();
                first = chunk ? chunk->content : "";
                asio::cancellation_signal signal;
                asio::steady_timer timer(ex, 50ms);
                timer.async_wait([&](boost::system::error_code ec) {
                    if (!ec)
                        signal.emit(asio::cancellation_type::terminal);
                });
                // Reads what was sent before the stall, then waits in next() until cancelled.
                auto read_rest = [&]() -> asio::awaitable<void> {
                    while (auto more = co_await stream.next()) {
                    }
                };
                co_await asio::co_spawn(ex, read_rest(),
                                        asio::bind_cancellation_slot(signal.slot(), asio::use_awaitable));
                co_return 0;
            });
        });
        CHECK_FALSE(first.empty());
        CHECK(target.server->wait_for_client_closes(1, 2000ms));
    }

    SECTION("a connection is reused after a completed stream")
    {
        if (skip_without_emulator(target) || skip_unless(target.features.streaming, "streaming"))
            return;
        run<int>(target, [&](ModelProvider& p) -> asio::awaitable<int> {
            co_await stream_all(p, prompt(target, "one"));
            co_await stream_all(p, prompt(target, "two"));
            co_await p.chat(prompt(target, "three"));
            co_return 0;
        });
        CHECK(target.server->accepted_connections() == 1);
    }
}

} // namespace llmio::conformance

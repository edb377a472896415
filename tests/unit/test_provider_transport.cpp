// ProviderTransport's shared plumbing: call_json, open_stream, on_model_not_found and the
// providers' error rules, against a scripted server.

#include "support/expect_error.hpp"
#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <llmio/error_mapping.hpp>
#include <llmio/lmstudio/error_rules.hpp>
#include <llmio/ollama/error_rules.hpp>
#include <llmio/openai/error_rules.hpp>
#include <llmio/provider_transport.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

using namespace llmio;
using llmio::test::expect_error;
using llmio::test::http_response;
using llmio::test::run_async;
using llmio::test::ScriptedServer;
using llmio::test::ServerConnection;
using boost::beast::http::verb;
namespace asio = boost::asio;

namespace {

// Answers every request with `reply` and records the requests' Accept headers and targets.
struct Recorder {
    std::mutex mutex;
    std::vector<std::string> accepts;
    std::vector<std::string> targets;
};

ScriptedServer replying(std::string reply, Recorder& seen)
{
    return ScriptedServer([reply, &seen](ServerConnection& c) -> asio::awaitable<void> {
        while (auto request = co_await c.read_request()) {
            {
                std::lock_guard lock(seen.mutex);
                auto const accept = request->base()["Accept"];
                auto const target = request->target();
                seen.accepts.emplace_back(accept.data(), accept.size());
                seen.targets.emplace_back(target.data(), target.size());
            }
            co_await c.write(reply);
        }
    });
}

CallOptions const kDefaults;

TransportOptions options_with(ErrorRules rules, std::atomic<int>& forgotten)
{
    TransportOptions options;
    options.provider = "tester";
    options.retry = RetryPolicy::none();
    options.error_rules = rules;
    options.on_model_not_found = [&forgotten] { ++forgotten; };
    return options;
}

} // namespace

TEST_CASE("call_json returns a 2xx JSON answer whole", "[transport]")
{
    Recorder seen;
    auto server = replying(http_response(200, R"({"data":[1]})"), seen);
    std::atomic<int> forgotten{0};
    auto const response = run_async([&](asio::any_io_executor ex) -> asio::awaitable<http::HttpResponse> {
        ProviderTransport transport(ex, http::Endpoint::parse(server.base_url()), options_with({}, forgotten));
        JsonCall request{verb::get, "/v1/models", {}, "data"};
        co_return co_await transport.call_json(std::move(request), kDefaults);
    });
    CHECK(response.status == 200);
    CHECK(response.body == R"({"data":[1]})");
    CHECK(seen.accepts == std::vector<std::string>{"application/json"});
    CHECK(seen.targets == std::vector<std::string>{"/v1/models"});
    CHECK(forgotten == 0);
}

TEST_CASE("call_json: an error inside a 200 is its typed error, a model not found calls on_model_not_found", "[transport]")
{
    Recorder seen;
    auto server = replying(http_response(200, R"({"error":"model 'llama3.2' not found, try pulling it first"})"), seen);
    std::atomic<int> forgotten{0};
    auto const e = expect_error<ModelNotFoundError>([&] {
        run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            ProviderTransport transport(ex, http::Endpoint::parse(server.base_url()),
                                        options_with(ollama::error_rules(), forgotten));
            JsonCall request{verb::post, "/api/chat", "{}", "message"};
            co_await transport.call_json(std::move(request), kDefaults);
        });
    });
    CHECK(std::string(e.what()) == "model not found: model 'llama3.2' not found, try pulling it first "
                                   "(HTTP 200; provider tester; error reported inside an HTTP 200 response)");
    CHECK(e.info().provider == "tester");
    CHECK(e.info().hint == "pull it: ollama pull llama3.2");
    CHECK(forgotten == 1);
}

TEST_CASE("call_json: a 404 model not found calls on_model_not_found once, other errors never", "[transport]")
{
    Recorder seen;
    auto missing = replying(http_response(404, R"({"error":{"message":"The model `gpt-9` does not exist","type":"invalid_request_error","code":"model_not_found"}})"), seen);
    auto broken = replying(http_response(400, R"({"error":{"message":"bad field","type":"invalid_request_error"}})"), seen);
    std::atomic<int> forgotten{0};
    auto call = [&](ScriptedServer& server) {
        run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            ProviderTransport transport(ex, http::Endpoint::parse(server.base_url()),
                                        options_with(openai::error_rules(), forgotten));
            JsonCall request{verb::post, "/v1/chat/completions", "{}", "choices"};
            co_await transport.call_json(std::move(request), kDefaults);
        });
    };
    auto const e = expect_error<ModelNotFoundError>([&] { call(missing); });
    CHECK(std::string(e.what()) == "model not found: The model `gpt-9` does not exist (HTTP 404; provider tester)");
    CHECK(e.info().hint == "check the model name against the server's model list");
    CHECK(forgotten == 1);
    auto const bad = expect_error<InvalidRequestError>([&] { call(broken); });
    CHECK(std::string(bad.what()) == "invalid request: bad field (HTTP 400; provider tester)");
    CHECK(forgotten == 1);
}

TEST_CASE("call_json: an HTML page in a 200 is unexpected_content_type", "[transport]")
{
    Recorder seen;
    auto server = replying(http_response(200, "<html><title>Sign in</title></html>", "text/html"), seen);
    std::atomic<int> forgotten{0};
    auto const e = expect_error<MalformedResponseError>([&] {
        run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            ProviderTransport transport(ex, http::Endpoint::parse(server.base_url()), options_with({}, forgotten));
            JsonCall request{verb::get, "/v1/models", {}, "data"};
            co_await transport.call_json(std::move(request), kDefaults);
        });
    });
    CHECK(e.error() == errc::unexpected_content_type);
    CHECK(e.info().provider == "tester");
    CHECK(e.info().detail == "expected JSON, got text/html");
}

TEST_CASE("open_stream sends its Accept type and hands over a stream of the expected type", "[transport]")
{
    Recorder seen;
    auto server = replying(http_response(200, "data: [DONE]\n\n", "text/event-stream; charset=utf-8"), seen);
    std::atomic<int> forgotten{0};
    auto const body = run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::string> {
        ProviderTransport transport(ex, http::Endpoint::parse(server.base_url()), options_with({}, forgotten));
        StreamCall request{verb::post, "/v1/chat/completions", "{}", "text/event-stream",
                           "text/event-stream", "choices", "a streamed chat"};
        auto stream = co_await transport.open_stream(std::move(request), kDefaults);
        co_return co_await stream.read_all(1024);
    });
    CHECK(body == "data: [DONE]\n\n");
    CHECK(seen.accepts == std::vector<std::string>{"text/event-stream"});
}

TEST_CASE("open_stream: JSON where a stream belongs is the server's error or unexpected_content_type", "[transport]")
{
    std::atomic<int> forgotten{0};
    auto open = [&](ScriptedServer& server) {
        run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            ProviderTransport transport(ex, http::Endpoint::parse(server.base_url()),
                                        options_with(lmstudio::error_rules(), forgotten));
            StreamCall request{verb::post, "/v1/chat/completions", "{}", "text/event-stream",
                               "text/event-stream", "choices", "a streamed chat"};
            co_await transport.open_stream(std::move(request), kDefaults);
        });
    };
    Recorder seen;
    auto ignored = replying(http_response(200, R"({"choices":[]})"), seen);
    auto const e = expect_error<MalformedResponseError>([&] { open(ignored); });
    CHECK(e.error() == errc::unexpected_content_type);
    CHECK(e.info().detail == "expected text/event-stream for a streamed chat, got application/json");
    CHECK(e.info().raw_body == R"({"choices":[]})");
    CHECK(e.info().provider == "tester");

    auto unloaded = replying(http_response(200, R"({"error":"No models loaded. Please load a model in the developer page or use the `lms load` command."})"), seen);
    auto const missing = expect_error<ModelNotFoundError>([&] { open(unloaded); });
    CHECK(missing.info().hint == "load one with `lms load <model>` or `llmio load <model>`");
    CHECK(forgotten == 1);
}

TEST_CASE("open_stream without an expected type takes anything but an HTML page", "[transport]")
{
    std::atomic<int> forgotten{0};
    auto open = [&](ScriptedServer& server) {
        return run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::string> {
            ProviderTransport transport(ex, http::Endpoint::parse(server.base_url()), options_with({}, forgotten));
            StreamCall request{verb::post, "/api/chat", "{}", "application/x-ndjson", "", "message",
                               "a streamed chat"};
            auto stream = co_await transport.open_stream(std::move(request), kDefaults);
            co_return co_await stream.read_all(1024);
        });
    };
    Recorder seen;
    auto json = replying(http_response(200, "{\"done\":true}\n", "application/json"), seen);
    CHECK(open(json) == "{\"done\":true}\n");
    CHECK(seen.accepts == std::vector<std::string>{"application/x-ndjson"});
    auto page = replying(http_response(200, "<html>portal</html>", "text/html"), seen);
    auto const e = expect_error<MalformedResponseError>([&] { open(page); });
    CHECK(e.error() == errc::unexpected_content_type);
    CHECK(e.info().detail == "expected JSON, got text/html");
}

TEST_CASE("throw_in_band applies the rules and calls on_model_not_found", "[transport]")
{
    std::atomic<int> forgotten{0};
    asio::io_context io;
    ProviderTransport transport(io.get_executor(), http::Endpoint::parse("http://127.0.0.1:1"),
                                options_with(openai::error_rules(), forgotten));
    // llama.cpp's stream `error:` payload carries the status it would have had.
    auto const e = expect_error<InvalidRequestError>([&] {
        transport.throw_in_band(R"({"code":500,"message":"Cannot use tools with stream","type":"server_error"})");
    });
    CHECK(e.error() == errc::unsupported);
    CHECK(e.info().hint == "this llama-server build cannot stream tool calls: update it or do not stream tool requests");
    CHECK(e.info().provider == "tester");
    CHECK(forgotten == 0);
    auto const m = expect_error<ModelNotFoundError>([&] {
        transport.throw_in_band(R"({"error":"model \"qwen2.5:7b\" not found, try pulling it first"})");
    });
    CHECK(m.info().hint == "pull it: ollama pull qwen2.5:7b");
    CHECK(forgotten == 1);
}

TEST_CASE("error rules: each provider's knowledge applies only with its rules", "[transport][errmap]")
{
    auto map = [](int status, std::string_view body, ErrorRules rules) {
        HttpErrorInput in;
        in.provider = "x";
        in.status = status;
        in.body = body;
        in.rules = rules;
        return map_http_error(in);
    };
    auto const tools = R"({"error":{"code":500,"message":"tools param requires --jinja flag","type":"server_error"}})";
    CHECK(map(500, tools, openai::error_rules()).code == errc::unsupported);
    CHECK(map(500, tools, openai::error_rules()).info.hint == "start llama-server with --jinja");
    CHECK(map(500, tools, {}).code == errc::server_error);
    CHECK(map(500, tools, {}).info.hint.empty());
    CHECK(map(500, tools, ollama::error_rules()).code == errc::server_error);

    auto const loading = R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})";
    CHECK(map(503, loading, openai::error_rules()).info.hint == "the server is still loading the model");
    CHECK(map(503, loading, {}).info.hint == "the server is busy or starting; try again shortly");

    auto const pull = R"({"error":"model 'llama3.2' not found, try pulling it first"})";
    CHECK(map(404, pull, ollama::error_rules()).info.hint == "pull it: ollama pull llama3.2");
    CHECK(map(404, pull, {}).code == errc::model_not_found);
    CHECK(map(404, pull, {}).info.hint == "check the model name against the server's model list");
    CHECK(map(404, R"({"error":"model not found"})", ollama::error_rules()).info.hint == "pull it: ollama pull <model>");

    auto const route = R"x({"error":"Unexpected endpoint or method. (GET /foo)"})x";
    CHECK(map(200, route, lmstudio::error_rules()).code == errc::invalid_request);
    CHECK(map(200, route, {}).code == errc::server_error);
    // A rule with a status applies at that status only.
    CHECK(map(404, route, lmstudio::error_rules()).info.hint == "check the base URL and route");

    auto const no_model = R"({"error":"No models loaded. Please load a model in the developer page or use the `lms load` command."})";
    CHECK(map(400, no_model, lmstudio::error_rules()).code == errc::model_not_found);
    CHECK(map(400, no_model, {}).code == errc::invalid_request);

    auto const overflow = R"({"error":"Trying to keep the first 6547 tokens when context the overflows."})";
    CHECK(map(400, overflow, lmstudio::error_rules()).code == errc::context_length_exceeded);
    CHECK(map(400, overflow, lmstudio::error_rules()).info.hint ==
          "shorten the prompt or lower max_tokens, or load the model with a larger context length");
    CHECK(map(400, overflow, {}).code == errc::invalid_request);
}

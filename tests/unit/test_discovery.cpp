// Discovery: fingerprints (sans-io) and a full probe round against loopback fakes.

#include <llmio/discovery.hpp>
#include <llmio/error.hpp>

#include "support/emulator_fixture.hpp"
#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace llmio;
using namespace std::chrono_literals;
using llmio::test::ScriptedServer;
using llmio::test::ServerConnection;
using llmio::test::http_response;
namespace asio = boost::asio;

namespace {

std::string capture_body(std::string const& name)
{
    std::ifstream in(std::string(LLMIO_CAPTURES_DIR) + "/llama-server/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    auto const text = ss.str();
    return text.substr(text.find("\r\n\r\n") + 4);
}

// LM Studio answers every unknown route with 200 and an error object (docs/protocols.md,
// Discovery: probes and their order).
asio::awaitable<void> fake_lmstudio(ServerConnection& c)
{
    while (auto request = co_await c.read_request()) {
        std::string target(request->target());
        if (target == "/lmstudio-greeting")
            co_await c.write(http_response(200, R"({"lmstudio":true})"));
        else if (target == "/v1/models")
            co_await c.write(http_response(200, R"({"data":[{"id":"qwen2.5-7b-instruct","object":"model","owned_by":"organization_owner"},{"id":"text-embedding-nomic","object":"model","owned_by":"organization_owner"}],"object":"list"})"));
        else
            co_await c.write(http_response(
                200, R"j({"error":"Unexpected endpoint or method. (GET )j" + target + R"j()"})j",
                "application/json", "X-Powered-By: Express\r\n"));
    }
}

asio::awaitable<void> fake_ollama(ServerConnection& c)
{
    while (auto request = co_await c.read_request()) {
        std::string target(request->target());
        if (target == "/")
            co_await c.write(http_response(200, "Ollama is running", "text/plain; charset=utf-8"));
        else if (target == "/api/version")
            co_await c.write(http_response(200, R"({"version":"0.12.6"})"));
        else if (target == "/api/tags")
            co_await c.write(http_response(200, R"({"models":[{"name":"llama3.2:latest"},{"name":"qwen3:8b"},{"name":"nomic-embed-text:latest"}]})"));
        else
            co_await c.write(http_response(404, "404 page not found", "text/plain"));
    }
}

asio::awaitable<void> not_an_llm_server(ServerConnection& c)
{
    // (Named variable: GCC 12 mishandles a co_await temporary in a loop condition.)
    while (auto request = co_await c.read_request())
        co_await c.write(http_response(404, "<html>Not Found</html>", "text/html"));
}

asio::awaitable<void> silent(ServerConnection& c) { co_await c.wait_for_client_close(5s); }

} // namespace

TEST_CASE("fingerprints identify servers by what they answer", "[discovery]")
{
    using namespace fingerprint;
    CHECK(is_lmstudio_greeting(200, R"({"lmstudio":true})"));
    CHECK_FALSE(is_lmstudio_greeting(200, R"({"lmstudio":false})"));
    CHECK_FALSE(is_lmstudio_greeting(200, R"j({"error":"Unexpected endpoint or method. (GET /lmstudio-greeting)"})j"));
    CHECK_FALSE(is_lmstudio_greeting(404, R"({"lmstudio":true})"));

    CHECK(is_ollama_root(200, "Ollama is running"));
    CHECK_FALSE(is_ollama_root(200, R"j({"error":"Unexpected endpoint or method. (GET /)"})j"));

    CHECK(is_llamacpp_health(200, capture_body("01-health.http")));
    CHECK(is_llamacpp_health(503, capture_body("00-health-while-loading.http")));
    // LM Studio's 200-for-every-path is not llama.cpp's health.
    CHECK_FALSE(is_llamacpp_health(200, R"j({"error":"Unexpected endpoint or method. (GET /health)"})j"));
    CHECK_FALSE(is_llamacpp_health(200, ""));  // vLLM's empty 200

    auto const llama = read_models_answer(200, capture_body("02-v1-models.http"));
    CHECK(llama.openai_shaped);
    CHECK(llama.model_count == 1);
    CHECK(llama.owner == ServerKind::llamacpp);
    auto const vllm = read_models_answer(200, R"({"object":"list","data":[{"id":"m","owned_by":"vllm","max_model_len":8192}]})");
    CHECK(vllm.owner == ServerKind::vllm);
    auto const locked = read_models_answer(401, R"({"error":{"message":"Invalid API Key"}})");
    CHECK(locked.auth_required);
    CHECK_FALSE(locked.openai_shaped);
    CHECK_FALSE(read_models_answer(200, "<html></html>").openai_shaped);
}

TEST_CASE("discover tells LM Studio, Ollama and llama.cpp apart and explains the rest", "[discovery]")
{
    ScriptedServer lmstudio(fake_lmstudio);
    ScriptedServer ollama(fake_ollama);
    test::OpenAiEmulatorFixture llamacpp(emulators::OpenAiEmulatorConfig::llamacpp());
    ScriptedServer unknown(not_an_llm_server);
    auto const refused = "http://127.0.0.1:" + std::to_string(test::unused_port());

    DiscoveryOptions options;
    options.endpoints = {unknown.base_url()};
    options.defaults = {lmstudio.base_url(), ollama.base_url(), llamacpp.server.base_url() + "/v1",
                        refused};
    auto const result = test::run_async([&](asio::any_io_executor) { return discover(options); });

    REQUIRE(result.found.size() == 3);
    CHECK(result.found[0].kind == ServerKind::lmstudio);
    CHECK(result.found[0].base_url == lmstudio.base_url());
    CHECK(result.found[0].model_count == 2);
    CHECK(result.found[1].kind == ServerKind::ollama);
    CHECK(result.found[1].version == "0.12.6");
    CHECK(result.found[1].model_count == 3);
    CHECK(result.found[2].kind == ServerKind::llamacpp);
    CHECK(result.found[2].base_url == llamacpp.server.base_url());
    CHECK(result.found[2].model_count == 1);
    for (auto const& s : result.found)
        CHECK_FALSE(s.auth_required);

    REQUIRE(result.not_found.size() == 2);
    CHECK(result.not_found[0].base_url == unknown.base_url());
    CHECK(result.not_found[0].reason == "answered, but not as an LLM server llmio knows (GET /v1/models: HTTP 404)");
    CHECK(result.not_found[1].base_url == refused);
    CHECK(result.not_found[1].reason == "connection refused");
}

TEST_CASE("discover reports a server that requires a key", "[discovery]")
{
    auto config = emulators::OpenAiEmulatorConfig::openai();
    config.api_key = "sk-secret";
    test::OpenAiEmulatorFixture locked(config);
    DiscoveryOptions options;
    options.defaults = {locked.server.base_url()};
    auto result = test::run_async([&](asio::any_io_executor) { return discover(options); });
    REQUIRE(result.found.size() == 1);
    CHECK(result.found[0].kind == ServerKind::openai);
    CHECK(result.found[0].auth_required);

    options.api_key = "sk-secret";
    result = test::run_async([&](asio::any_io_executor) { return discover(options); });
    REQUIRE(result.found.size() == 1);
    CHECK_FALSE(result.found[0].auth_required);
    CHECK(result.found[0].model_count == 2);
}

TEST_CASE("discover keeps its overall deadline with silent servers", "[discovery]")
{
    ScriptedServer quiet(silent);
    DiscoveryOptions options;
    options.defaults = {quiet.base_url(), "http://127.0.0.1:" + std::to_string(test::unused_port())};
    options.overall_timeout = 200ms;
    auto const started = std::chrono::steady_clock::now();
    auto const result = test::run_async([&](asio::any_io_executor) { return discover(options); });
    CHECK(std::chrono::steady_clock::now() - started < 10s); // generous: CI's cores are busy
    CHECK(result.found.empty());
    REQUIRE(result.not_found.size() == 2);
    CHECK(result.not_found[0].reason == "timed out");
    CHECK(result.not_found[1].reason == "connection refused");
}

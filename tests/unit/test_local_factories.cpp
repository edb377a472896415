// The lmstudio and ollama registry factories: settings from the environment reach the wire.

#include <llmio/lmstudio/factory.hpp>
#include <llmio/ollama/factory.hpp>
#include <llmio/openai/factory.hpp>

#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/run_async.hpp"

#include <catch2/catch.hpp>

using namespace llmio;
namespace asio = boost::asio;

namespace {

asio::awaitable<std::vector<ModelInfo>> list_through(ProviderRegistry& registry, std::string name,
                                                     boost::json::object config, asio::any_io_executor ex)
{
    auto provider = registry.create(name, ex, config);
    co_return co_await provider->list_models();
}

std::vector<ModelInfo> list_models(ProviderRegistry& registry, std::string name, boost::json::object config = {})
{
    return test::run_async([&](asio::any_io_executor ex) { return list_through(registry, name, config, ex); });
}

} // namespace

TEST_CASE("the lmstudio factory takes LMSTUDIO_BASE_URL and LM_API_TOKEN from the environment",
          "[lmstudio][config]")
{
    auto config = emulators::LmStudioEmulatorConfig::defaults();
    config.api_token = "lms-token-0123456789";
    test::LmStudioEmulatorFixture emulator(config);

    ProviderRegistry registry;
    lmstudio::register_provider(registry, Environment::from_map({
        {"LMSTUDIO_BASE_URL", emulator.server.base_url()},
        {"LM_API_TOKEN", "lms-token-0123456789"},
    }));
    auto const models = list_models(registry, "lmstudio");
    REQUIRE_FALSE(models.empty());
    // The emulator answers only with the right key, and logs only the scheme.
    CHECK(emulator.server.last_request()->header("Authorization") == "Bearer");
}

TEST_CASE("the lmstudio factory falls back to LMSTUDIO_ENDPOINT and LMSTUDIO_API_TOKEN", "[lmstudio][config]")
{
    auto const env = Environment::from_map({
        {"LMSTUDIO_ENDPOINT", "http://127.0.0.1:4321/api/v0"},
        {"LMSTUDIO_API_TOKEN", "second-token"},
        {"LMSTUDIO_TIMEOUT", "90"},
    });
    auto const options = lmstudio::options_from(resolve_settings("lmstudio", {}, env, nullptr));
    CHECK(options.base_url == "http://127.0.0.1:4321/api/v0");
    CHECK(options.api_key == "second-token");
    CHECK(options.http.timeouts.total == std::chrono::seconds(90));

    auto const defaults = lmstudio::options_from(resolve_settings("lmstudio", {}, Environment::from_map({}), nullptr));
    CHECK(defaults.base_url == "http://127.0.0.1:1234");
    CHECK(defaults.api_key.empty());
}

TEST_CASE("the ollama factory reads OLLAMA_HOST the way Ollama does, and OLLAMA_API_KEY", "[ollama][config]")
{
    auto config = emulators::OllamaEmulatorConfig::defaults();
    config.api_key = "ollama-key-0123456789";
    test::OllamaEmulatorFixture emulator(config);
    // A bare host:port, no scheme: Ollama's own grammar (docs/protocols.md, Ollama: host).
    auto const host_port = emulator.server.base_url().substr(std::string_view("http://").size());

    ProviderRegistry registry;
    ollama::register_provider(registry, Environment::from_map({
        {"OLLAMA_HOST", host_port},
        {"OLLAMA_API_KEY", "ollama-key-0123456789"},
    }));
    auto const models = list_models(registry, "ollama");
    REQUIRE_FALSE(models.empty());
    // The emulator answers only with the right key, and logs only the scheme.
    CHECK(emulator.server.last_request()->header("Authorization") == "Bearer");

    auto const defaults = ollama::options_from(resolve_settings("ollama", {}, Environment::from_map({}), nullptr));
    CHECK(defaults.name == "ollama");
    CHECK(defaults.api_key.empty());
}

TEST_CASE("explicit factory settings beat OLLAMA_HOST", "[ollama][config]")
{
    test::OllamaEmulatorFixture emulator;
    ProviderRegistry registry;
    ollama::register_provider(registry, Environment::from_map({{"OLLAMA_HOST", "127.0.0.1:9"}}));
    auto const models = list_models(registry, "ollama", {{"base_url", emulator.server.base_url()}});
    CHECK_FALSE(models.empty());
}

TEST_CASE("model_cache_ttl_s comes from code, LLMIO_MODEL_CACHE_TTL or the file, and reaches every provider", "[config]")
{
    using namespace std::chrono_literals;
    auto const file = ConfigFile::parse(R"({"providers": {"ollama": {"model_cache_ttl_s": 30}}})", "/c.json");
    auto const env = Environment::from_map({{"LLMIO_MODEL_CACHE_TTL", "2.5"}});

    auto const from_file = resolve_settings("ollama", {}, Environment::from_map({}), &file);
    CHECK(from_file.model_cache_ttl.value == 30s);
    auto const from_env = resolve_settings("ollama", {}, env, &file);
    CHECK(from_env.model_cache_ttl.value == 2500ms);
    CHECK(from_env.model_cache_ttl.origin == "env LLMIO_MODEL_CACHE_TTL");
    ProviderSettings given;
    given.model_cache_ttl = 0s; // ask the server every time
    CHECK(resolve_settings("ollama", given, env, &file).model_cache_ttl.value == 0s);

    CHECK(ollama::options_from(from_env).model_cache_ttl == 2500ms);
    CHECK(lmstudio::options_from(resolve_settings("lmstudio", {}, env, nullptr)).model_cache_ttl == 2500ms);
    CHECK(openai::options_from(resolve_settings("openai", {}, env, nullptr)).model_cache_ttl == 2500ms);
    CHECK(openai::options_from(resolve_settings("openai", {}, Environment::from_map({}), nullptr)).model_cache_ttl ==
          5min);
}

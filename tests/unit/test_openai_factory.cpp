#include <llmio/openai/factory.hpp>

#include "support/emulator_fixture.hpp"
#include "support/run_async.hpp"

#include <catch2/catch.hpp>

using namespace llmio;
namespace asio = boost::asio;

TEST_CASE("the openai factory takes OPENAI_BASE_URL and OPENAI_API_KEY from the environment", "[openai][config]")
{
    auto config = emulators::OpenAiEmulatorConfig::openai();
    config.api_key = "sk-from-env-0123456789";
    test::OpenAiEmulatorFixture emulator(config);

    ProviderRegistry registry;
    openai::register_provider(registry, Environment::from_map({
        {"OPENAI_BASE_URL", emulator.server.base_url() + "/v1"},
        {"OPENAI_API_KEY", "sk-from-env-0123456789"},
    }));
    auto const models = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::vector<ModelInfo>> {
        auto provider = registry.create("openai", ex, {});
        co_return co_await provider->list_models();
    });
    REQUIRE(models.size() == 2);
    CHECK(models[0].id == "gpt-4o-mini");
    CHECK(emulator.server.last_request()->header("Authorization") == "Bearer");
}

TEST_CASE("explicit settings beat the environment", "[openai][config]")
{
    ProviderRegistry registry;
    openai::register_provider(registry, Environment::from_map({{"OPENAI_BASE_URL", "http://127.0.0.1:9/v1"}}));
    auto const settings = resolve_settings(
        "openai", ProviderSettings::from_json(boost::json::object{{"base_url", "http://127.0.0.1:1234/v1"}}),
        Environment::from_map({{"OPENAI_BASE_URL", "http://127.0.0.1:9/v1"}}), nullptr);
    CHECK(openai::options_from(settings).base_url == "http://127.0.0.1:1234/v1");
    CHECK(openai::options_from(resolve_settings("openai", {}, Environment::from_map({}), nullptr)).base_url ==
          "https://api.openai.com/v1");
}

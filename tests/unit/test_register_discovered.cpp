// register_discovered: servers found by discover() become registry providers made by the
// factory of their kind, under names that do not collide. Emulators on ephemeral ports.

#include "support/emulator_fixture.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/config.hpp>
#include <llmio/error.hpp>
#include <llmio/lmstudio/factory.hpp>
#include <llmio/ollama/factory.hpp>
#include <llmio/openai/factory.hpp>
#include <llmio/register_discovered.hpp>
#include <llmio/registry.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <future>

using namespace llmio;
namespace asio = boost::asio;

namespace {

DiscoveryResult discover_only(std::vector<std::string> endpoints)
{
    DiscoveryOptions options;
    options.endpoints = std::move(endpoints);
    options.defaults.clear();
    return test::run_async([&](asio::any_io_executor) { return discover(options); });
}

// Lists on `io`, the context the registered providers were made on.
std::vector<std::string> model_ids(asio::io_context& io, ProviderRegistry const& registry, std::string const& name)
{
    auto provider = registry.get(name);
    REQUIRE(provider);
    auto future = asio::co_spawn(io, provider->list_models(), asio::use_future);
    io.restart();
    io.run_for(std::chrono::seconds(10));
    REQUIRE(future.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
    auto const models = future.get();
    std::vector<std::string> ids;
    for (auto const& m : models)
        ids.push_back(m.id);
    return ids;
}

} // namespace

TEST_CASE("register_discovered names servers by kind and uses each kind's factory", "[discovery][registry]")
{
    test::LmStudioEmulatorFixture lmstudio1;
    auto second = emulators::LmStudioEmulatorConfig::defaults();
    second.models.resize(1);
    second.models[0].key = "only-on-the-second";
    test::LmStudioEmulatorFixture lmstudio2(second);
    test::OllamaEmulatorFixture ollama;
    test::OpenAiEmulatorFixture llamacpp(emulators::OpenAiEmulatorConfig::llamacpp());

    auto const found = discover_only({lmstudio1.server.base_url(), ollama.server.base_url(),
                                      llamacpp.server.base_url(), lmstudio2.server.base_url()});
    REQUIRE(found.found.size() == 4);

    asio::io_context io; // outlives the providers made on it
    ProviderRegistry registry;
    // The factories applications register, with an empty environment (no LMSTUDIO_BASE_URL etc.).
    lmstudio::register_provider(registry, Environment::from_map({}));
    ollama::register_provider(registry, Environment::from_map({}));
    openai::register_provider(registry, Environment::from_map({}));

    SECTION("into an empty registry")
    {
        RegisterDiscoveredOptions options;
        options.set_default = true;
        auto const added = register_discovered(registry, io.get_executor(), found, options);
        REQUIRE(added.size() == 4);
        CHECK(added[0].name == "lmstudio");
        CHECK(added[0].factory == "lmstudio");
        CHECK(added[0].server.base_url == found.found[0].base_url);
        CHECK(added[1].name == "ollama");
        CHECK(added[1].factory == "ollama");
        CHECK(added[2].name == "llamacpp");
        CHECK(added[2].factory == "openai");
        CHECK(added[2].server.kind == ServerKind::llamacpp);
        CHECK(added[3].name == "lmstudio-2");
        CHECK(added[3].factory == "lmstudio");
        CHECK(registry.provider_names() ==
              std::vector<std::string>{"llamacpp", "lmstudio", "lmstudio-2", "ollama"});
        CHECK(registry.default_provider() == "lmstudio");

        // Each provider talks to the server it was registered for.
        CHECK(registry.get("lmstudio")->name() == "lmstudio");
        CHECK(registry.get("ollama")->name() == "ollama");
        CHECK(model_ids(io, registry, "lmstudio-2") == std::vector<std::string>{"only-on-the-second"});
        CHECK(model_ids(io, registry, "llamacpp") == std::vector<std::string>{"tiny-llama"});
        CHECK(model_ids(io, registry, "lmstudio").size() == 4);
        auto const resolved = registry.resolve("lmstudio-2/only-on-the-second");
        CHECK(resolved.provider_name == "lmstudio-2");
        CHECK(resolved.model == "only-on-the-second");
    }
    SECTION("names already registered are skipped")
    {
        registry.add("lmstudio", registry.create("lmstudio", io.get_executor(),
                                                 {{"base_url", lmstudio1.server.base_url()}}));
        registry.set_default_provider("lmstudio");
        RegisterDiscoveredOptions options;
        options.set_default = true; // there is one already: kept
        auto const added = register_discovered(registry, io.get_executor(), found, options);
        REQUIRE(added.size() == 4);
        CHECK(added[0].name == "lmstudio-2");
        CHECK(added[3].name == "lmstudio-3");
        CHECK(model_ids(io, registry, "lmstudio-3") == std::vector<std::string>{"only-on-the-second"});
        CHECK(registry.default_provider() == "lmstudio");
    }
}

TEST_CASE("register_discovered adds nothing when a factory is missing", "[discovery][registry]")
{
    test::LmStudioEmulatorFixture lmstudio;
    test::OllamaEmulatorFixture ollama;
    auto const found = discover_only({lmstudio.server.base_url(), ollama.server.base_url()});
    REQUIRE(found.found.size() == 2);

    asio::io_context io;
    ProviderRegistry registry;
    lmstudio::register_provider(registry, Environment::from_map({})); // and no "ollama"
    try {
        register_discovered(registry, io.get_executor(), found);
        FAIL("no exception");
    } catch (InvalidRequestError const& e) {
        CHECK(std::string(e.what()).find("\"ollama\"") != std::string::npos);
    }
    CHECK(registry.provider_names().empty());
}

TEST_CASE("factory_for maps every server kind", "[discovery][registry]")
{
    CHECK(factory_for(ServerKind::lmstudio) == "lmstudio");
    CHECK(factory_for(ServerKind::ollama) == "ollama");
    CHECK(factory_for(ServerKind::llamacpp) == "openai");
    CHECK(factory_for(ServerKind::vllm) == "openai");
    CHECK(factory_for(ServerKind::openai) == "openai");
}

// ProviderRegistry with named instances: instance factories, add_from_file (instances of any
// name, a Router over them for the file's routes) and route names resolved without a prefix.

#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/config.hpp>
#include <llmio/error.hpp>
#include <llmio/lmstudio/factory.hpp>
#include <llmio/ollama/factory.hpp>
#include <llmio/openai/factory.hpp>
#include <llmio/registry.hpp>
#include <llmio/router.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace llmio;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

template <class F>
std::string error_text(F&& f)
{
    try {
        f();
    } catch (InvalidRequestError const& e) {
        return e.what();
    } catch (std::exception const& e) {
        return std::string("wrong type: ") + e.what();
    }
    return "no exception";
}

// The three providers' configured factories, reading `env`.
void register_all(ProviderRegistry& registry, Environment const& env)
{
    lmstudio::register_provider(registry, env);
    ollama::register_provider(registry, env);
    openai::register_provider(registry, env);
}

std::size_t chats_received(emulators::EmulatorServer const& server)
{
    std::size_t n = 0;
    for (auto const& r : server.requests())
        n += r.target.find("chat") != std::string::npos ? 1 : 0;
    return n;
}

std::shared_ptr<Router> router_of(asio::any_io_executor ex, std::vector<std::string> routes)
{
    openai::Options o;
    o.base_url = "http://127.0.0.1:1"; // never reached
    RouterOptions options;
    options.providers["p"] = std::make_shared<openai::OpenAICompatibleProvider>(std::move(ex), o);
    for (auto const& route : routes)
        options.routes[route].targets = {{{"p"}, "m"}};
    return std::make_shared<Router>(std::move(options));
}

} // namespace

TEST_CASE("registry instances: an instance factory makes instances of any name, a plain one only its own",
          "[registry]")
{
    asio::io_context io;
    ProviderRegistry registry;
    auto requests = std::make_shared<std::vector<InstanceRequest>>();
    registry.register_instance_factory("kind", [requests](asio::any_io_executor ex, InstanceRequest const& request) {
        requests->push_back(request);
        openai::Options o;
        o.name = request.name;
        return std::make_shared<openai::OpenAICompatibleProvider>(std::move(ex), o);
    });
    registry.register_factory("plain", [](asio::any_io_executor ex, json::object const&) {
        return std::make_shared<openai::OpenAICompatibleProvider>(std::move(ex), openai::Options{});
    });
    CHECK(registry.factory_names() == std::vector<std::string>{"kind", "plain"});

    auto const ws = registry.create_instance("kind", "ws", io.get_executor(), {{"timeout_s", 3}});
    CHECK(ws->name() == "ws");
    REQUIRE(requests->size() == 1);
    CHECK(requests->back().name == "ws");
    CHECK(requests->back().config == json::object{{"timeout_s", 3}});
    CHECK(requests->back().file == nullptr);
    CHECK(registry.create("kind", io.get_executor())->name() == "kind"); // create: the instance named like it
    CHECK(requests->back().name == "kind");

    CHECK(registry.create_instance("plain", "plain", io.get_executor()));
    CHECK(error_text([&] { registry.create_instance("plain", "ws", io.get_executor()); }) ==
          "invalid request (provider factory \"plain\" makes only the instance \"plain\" from explicit settings, "
          "not \"ws\" (register it with register_instance_factory))");
    CHECK(error_text([&] { registry.create_instance("kind", "w s", io.get_executor()); }) ==
          "invalid request (provider name \"w s\" is invalid: use 1 to 64 characters of A-Z a-z 0-9 . _ -)");
    CHECK(error_text([&] { registry.register_instance_factory("kind", {}); }) ==
          "invalid request (factory \"kind\" is empty)");
    CHECK(error_text([&] { registry.create_instance("vllm", "ws", io.get_executor()); }) ==
          "invalid request (no provider factory named \"vllm\" (registered factories: kind, plain))");

    // add_from_config: a section's "kind" chooses the factory, its key names the instance.
    auto const added = registry.add_from_config(
        io.get_executor(), json::parse(R"({"providers": {"box": {"kind": "kind"}, "plain": {}}})").as_object());
    CHECK(added == std::vector<std::string>{"box", "plain"});
    CHECK(registry.get("box")->name() == "box");
    CHECK(requests->back().config == json::object{{"kind", "kind"}});
}

TEST_CASE("registry instances: the configured factories resolve the instance's own section with its kind",
          "[registry][config]")
{
    asio::io_context io;
    auto const file = ConfigFile::parse(R"({"providers": {
        "ws": {"kind": "lmstudio", "max_in_flight": 5},
        "local": {"kind": "ollama"}}})",
                                        "f.json");
    auto const env = Environment::from_map({{"LMSTUDIO_BASE_URL", "http://127.0.0.1:9"}});
    // max_in_flight reaches the provider's http options; the other kinds' settings too.
    auto const options = lmstudio::options_from(resolve_settings("ws", {}, env, &file));
    CHECK(options.http.concurrency.max_in_flight == 5);
    CHECK(options.base_url == "http://127.0.0.1:1234"); // LM Studio's default, not LMSTUDIO_BASE_URL
    CHECK(lmstudio::options_from(resolve_settings("box", {}, env, &file)).http.concurrency.max_in_flight ==
          http::ConcurrencyOptions{}.max_in_flight);

    ProviderRegistry registry;
    register_all(registry, env);
    InstanceRequest request;
    request.name = "local";
    request.file = &file;
    auto const local = registry.create_instance("ollama", io.get_executor(), request);
    CHECK(local->name() == "local");
    // An instance the file makes of another kind is not made by this factory.
    CHECK(error_text([&] { registry.create_instance("lmstudio", io.get_executor(), request); }) ==
          "invalid request (provider local is of kind ollama (file \"f.json\": providers.local.kind), not lmstudio)");
    // An instance of no kind is the factory's.
    request.name = "unnamed";
    CHECK(registry.create_instance("openai", io.get_executor(), request)->name() == "unnamed");
}

TEST_CASE("registry instances: add_router makes route names resolve to the router", "[registry]")
{
    asio::io_context io;
    ProviderRegistry registry;
    auto const router = router_of(io.get_executor(), {"coder", "chat"});
    registry.add_router("router", router);
    CHECK(registry.route_names() == std::vector<std::string>{"chat", "coder"});

    auto const coder = registry.resolve("coder");
    CHECK(coder.provider_name == "router");
    CHECK(coder.provider == router);
    CHECK(coder.model == "coder");
    auto const prefixed = registry.resolve("router/chat");
    CHECK(prefixed.provider == router);
    CHECK(prefixed.model == "chat");
    // Not a route: the default provider as before.
    CHECK(error_text([&] { registry.resolve("coder2"); }).starts_with(
        "invalid request (model id \"coder2\" does not start with a registered provider name"));

    CHECK(error_text([&] { registry.add("coder", router); }) == "invalid request (\"coder\" is the name of a route)");
    CHECK(error_text([&] { registry.add_router("other", router_of(io.get_executor(), {"x", "chat"})); }) ==
          "invalid request (route \"chat\" of router \"other\" has the name of a registered provider or route)");
    CHECK(registry.get("other") == nullptr);
    CHECK(registry.route_names() == std::vector<std::string>{"chat", "coder"});

    CHECK(registry.remove("router"));
    CHECK(registry.route_names().empty());
    registry.add("coder", router);
}

TEST_CASE("registry instances: add_from_file adds two LM Studio servers, an Ollama server and the router of their routes",
          "[registry][router]")
{
    test::LmStudioEmulatorFixture ws;
    test::LmStudioEmulatorFixture box;
    test::OllamaEmulatorFixture local;
    auto const file = ConfigFile::parse(R"({
        "default_provider": "ws",
        "providers": {
            "ws":    {"kind": "lmstudio", "base_url": ")" + ws.server.base_url() + R"("},
            "box":   {"kind": "lmstudio", "base_url": ")" + box.server.base_url() + R"("},
            "local": {"kind": "ollama", "base_url": ")" + local.server.base_url() + R"("}
        },
        "routes": {
            "coder": {"targets": [{"providers": ["ws", "box"], "model": "qwen2.5-7b-instruct"},
                                  {"providers": ["local"], "model": "llama3.2"}]},
            "small": {"targets": [{"providers": ["local"], "model": "llama3.2"}]}
        },
        "router": {"failures_to_open": 1}
    })",
                                        "f.json");
    // LM Studio's variable belongs to an instance named "lmstudio": ws and box keep their URLs.
    auto const env = Environment::from_map({{"LMSTUDIO_BASE_URL", "http://127.0.0.1:9"}});

    auto const answers = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::vector<std::string>> {
        ProviderRegistry registry;
        register_all(registry, env);
        auto const added = registry.add_from_file(ex, file, env);
        CHECK(added == std::vector<std::string>{"box", "local", "router", "ws"});
        CHECK(registry.route_names() == std::vector<std::string>{"coder", "small"});
        CHECK(registry.default_provider() == "ws");

        auto const coder = registry.resolve("coder");
        CHECK(coder.provider_name == "router");
        CHECK(coder.model == "coder");
        auto const router = std::dynamic_pointer_cast<Router>(coder.provider);
        REQUIRE(router);
        for (auto const* instance : {"box", "local", "ws"})
            CHECK(router->circuit(instance) != nullptr);
        CHECK(router->circuit("router") == nullptr);
        CHECK(router->routes().size() == 2);
        CHECK(registry.resolve("router/small").provider == router);
        CHECK(registry.resolve("local/llama3.2").provider == registry.get("local"));
        CHECK(registry.resolve("qwen/qwen3-8b").provider_name == "ws"); // the file's default

        std::vector<std::string> out;
        for (auto const* route : {"coder", "small"}) {
            auto const resolved = registry.resolve(route);
            ChatRequest request;
            request.model = resolved.model;
            request.messages.push_back(Message::user("hi"));
            auto const answer = co_await resolved.provider->chat(request);
            out.push_back(answer.content);
        }
        co_return out;
    });
    CHECK(answers == std::vector<std::string>{"Hello! You said: hi", "Hello! You said: hi"});
    CHECK(chats_received(ws.server) + chats_received(box.server) == 1); // one replica answered coder
    CHECK(chats_received(local.server) == 1);                           // small
}

TEST_CASE("registry instances: add_from_file adds nothing when any part fails", "[registry]")
{
    asio::io_context io;
    auto const ex = io.get_executor();
    std::string const key = "sk-cloud-secret-0123456789";
    ProviderRegistry registry;
    register_all(registry, Environment::from_map({}));
    auto const add = [&](std::string const& text, std::map<std::string, std::string> variables = {}) {
        auto const file = ConfigFile::parse(text, "f.json");
        return error_text([&] { registry.add_from_file(ex, file, Environment::from_map(variables)); });
    };
    std::string const routed = R"({"providers": {"ws": {"kind": "lmstudio"},
                                                 "cloud": {"kind": "openai", "api_key_env": "CLOUD_KEY"}},
                                   "routes": {"coder": {"targets": [{"providers": ["ws", "cloud"], "model": "m"}]}}})";

    CHECK(add(routed) == "invalid request (file \"f.json\": providers.cloud.api_key_env names the environment "
                         "variable CLOUD_KEY, which is not set)");
    CHECK(registry.provider_names().empty());
    CHECK(add(R"({"providers": {"vllm": {}}})") ==
          "invalid request (config file \"f.json\": providers.vllm has no kind and no provider factory has its "
          "name; give it \"kind\": one of lmstudio, ollama, openai)");
    CHECK(add(R"({"default_provider": "nope", "providers": {"ws": {"kind": "lmstudio"}}})") ==
          "invalid request (config file \"f.json\": default_provider \"nope\" is not a configured provider "
          "(providers: ws))");
    CHECK(registry.provider_names().empty());
    CHECK(registry.route_names().empty());

    registry.add("ws", router_of(ex, {"x"}));
    auto const taken = add(routed, {{"CLOUD_KEY", key}});
    CHECK(taken == "invalid request (config file \"f.json\": a provider named \"ws\" is already registered)");
    CHECK(taken.find(key) == std::string::npos);
    registry.remove("ws");
    registry.add("coder", router_of(ex, {"x"}));
    CHECK(add(routed, {{"CLOUD_KEY", key}}) ==
          "invalid request (config file \"f.json\": route \"coder\" has the name of a registered provider or route)");
    CHECK(registry.provider_names() == std::vector<std::string>{"coder"});
    registry.remove("coder");

    ProviderRegistry only_openai;
    openai::register_provider(only_openai, Environment::from_map({}));
    auto const file = ConfigFile::parse(R"({"providers": {"ws": {"kind": "lmstudio"}}})", "f.json");
    CHECK(error_text([&] { only_openai.add_from_file(ex, file, Environment::from_map({})); }) ==
          "invalid request (config file \"f.json\": providers.ws: no provider factory for kind \"lmstudio\" "
          "(registered factories: openai))");

    // And the key reaches the provider: the file is complete with the variable set.
    auto const names = registry.add_from_file(ex, ConfigFile::parse(routed, "f.json"),
                                              Environment::from_map({{"CLOUD_KEY", key}}));
    CHECK(names == std::vector<std::string>{"cloud", "router", "ws"});
}

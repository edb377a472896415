// Named provider instances in the config file (kind, api_key_env, max_in_flight) and the
// "routes" and "router" sections: what they resolve to, and every message for what is wrong.

#include <llmio/config.hpp>
#include <llmio/error.hpp>

#include <catch2/catch.hpp>

#include <string>

using llmio::ConfigFile;
using llmio::Environment;
using llmio::ProviderSettings;
using llmio::SettingSource;
using llmio::resolve_settings;
using namespace std::chrono_literals;

namespace {

// The message of the InvalidRequestError `f` throws.
template <class F>
std::string error_text(F&& f)
{
    try {
        f();
    } catch (llmio::InvalidRequestError const& e) {
        return e.what();
    } catch (std::exception const& e) {
        return std::string("wrong type: ") + e.what();
    }
    return "no exception";
}

std::string parse_error(std::string const& text)
{
    return error_text([&] { ConfigFile::parse(text, "f.json"); });
}

// A file whose routes name the providers `ws`, `box` and `cloud`, with `routes` as given.
std::string with_routes(std::string const& routes)
{
    return R"({"providers": {"ws": {"kind": "lmstudio"}, "box": {"kind": "lmstudio"},
                             "cloud": {"kind": "openai", "api_key_env": "CLOUD_KEY"}},
               "routes": )" +
           routes + "}";
}

} // namespace

TEST_CASE("config instances: a kind gives an instance of another name its default base URL, not its variables",
          "[config]")
{
    auto const file = ConfigFile::parse(R"({"providers": {
        "ws": {"kind": "lmstudio", "base_url": "http://ws:1234"},
        "box": {"kind": "lmstudio"},
        "lmstudio": {},
        "ollama": {"kind": "ollama"},
        "local": {"kind": "ollama"},
        "cloud": {"kind": "openai"}}})",
                                        "f.json");
    auto const env = Environment::from_map({{"LMSTUDIO_BASE_URL", "http://from-env:1234"},
                                            {"LM_API_TOKEN", "lm-token-0123456789"},
                                            {"OLLAMA_HOST", "gpu:11434"},
                                            {"OPENAI_API_KEY", "sk-env-0123456789"},
                                            {"OPENAI_PROJECT_ID", "proj_env"},
                                            {"LLMIO_TIMEOUT", "7"}});

    auto const ws = resolve_settings("ws", {}, env, &file);
    CHECK(ws.kind.value == "lmstudio");
    CHECK(ws.kind.source == SettingSource::config_file);
    CHECK(ws.kind.origin == "file \"f.json\": providers.ws.kind");
    CHECK(ws.base_url.value == "http://ws:1234");
    CHECK(ws.api_key.value.empty()); // LM_API_TOKEN is the "lmstudio" instance's
    CHECK(ws.timeout.value == 7s);   // LLMIO_* apply to every instance
    CHECK(ws.timeout.origin == "env LLMIO_TIMEOUT");

    auto const box = resolve_settings("box", {}, env, &file);
    CHECK(box.base_url.value == "http://127.0.0.1:1234"); // its kind's default, not LMSTUDIO_BASE_URL
    CHECK(box.base_url.source == SettingSource::default_value);

    auto const named_like_its_kind = resolve_settings("lmstudio", {}, env, &file);
    CHECK(named_like_its_kind.kind.value == "lmstudio");
    CHECK(named_like_its_kind.kind.source == SettingSource::default_value);
    CHECK(named_like_its_kind.base_url.value == "http://from-env:1234");
    CHECK(named_like_its_kind.base_url.origin == "env LMSTUDIO_BASE_URL");
    CHECK(named_like_its_kind.api_key.value == "lm-token-0123456789");

    CHECK(resolve_settings("ollama", {}, env, &file).base_url.value == "gpu:11434");
    auto const local = resolve_settings("local", {}, env, &file);
    CHECK(local.base_url.value == "http://127.0.0.1:11434");
    CHECK(local.kind.value == "ollama");

    auto const cloud = resolve_settings("cloud", {}, env, &file);
    CHECK(cloud.base_url.value == "https://api.openai.com/v1");
    CHECK(cloud.api_key.value.empty());
    CHECK(cloud.headers.empty()); // OPENAI_PROJECT_ID is the "openai" instance's

    // An explicit kind beats the file's; in code, too, only the name makes the variables apply.
    ProviderSettings as_ollama;
    as_ollama.kind = "ollama";
    auto const explicit_kind = resolve_settings("openai", as_ollama, env, nullptr);
    CHECK(explicit_kind.kind.value == "ollama");
    CHECK(explicit_kind.kind.origin == "explicit");
    CHECK(explicit_kind.base_url.value == "http://127.0.0.1:11434");
    CHECK(explicit_kind.api_key.value.empty());

    // No kind and a name that is none: the LLMIO_* variables and no default base URL.
    auto const vllm = resolve_settings("vllm", {}, env, nullptr);
    CHECK(vllm.kind.value.empty());
    CHECK(vllm.base_url.value.empty());

    auto const described = ws.describe();
    CHECK(described.starts_with("provider ws\n  kind = lmstudio  (file \"f.json\": providers.ws.kind)\n"));
}

TEST_CASE("config instances: kind errors name the key and list the kinds", "[config]")
{
    CHECK(parse_error(R"({"providers": {"ws": {"kind": "lmstuido"}}})") ==
          "invalid request (config file \"f.json\": providers.ws.kind must be one of lmstudio, ollama, openai, "
          "not \"lmstuido\")");
    CHECK(parse_error(R"({"providers": {"ws": {"kind": 1}}})") ==
          "invalid request (config file \"f.json\": providers.ws.kind must be a string)");
    CHECK(parse_error(R"({"providers": {"openai": {"kind": "lmstudio"}}})") ==
          "invalid request (config file \"f.json\": providers.openai.kind is \"lmstudio\", but a section named "
          "like a kind must be of that kind)");
    CHECK(ConfigFile::parse(R"({"providers": {"openai": {"kind": "openai"}}})", "f.json").provider("openai")->kind ==
          std::optional<std::string>("openai"));

    ProviderSettings bad;
    bad.kind = "vllm";
    CHECK(error_text([&] { resolve_settings("x", bad, Environment::from_map({}), nullptr); }) ==
          "invalid request (explicit kind must be one of lmstudio, ollama, openai, not \"vllm\")");
}

TEST_CASE("config instances: api_key_env reads the key from the variable it names, never showing it", "[config]")
{
    std::string const secret = "sk-cloud-secret-0123456789";
    auto const file = ConfigFile::parse(
        R"({"providers": {"cloud": {"kind": "openai", "api_key_env": "CLOUD_KEY"},
                          "openai": {"api_key_env": "WORK_OPENAI_KEY"}}})",
        "f.json");
    auto const env = Environment::from_map(
        {{"CLOUD_KEY", secret}, {"WORK_OPENAI_KEY", "sk-work-0123456789"}, {"OPENAI_API_KEY", "sk-home-0123456789"}});

    auto const cloud = resolve_settings("cloud", {}, env, &file);
    CHECK(cloud.api_key.value == secret);
    CHECK(cloud.api_key.source == SettingSource::environment);
    CHECK(cloud.api_key.origin == "env CLOUD_KEY, named by file \"f.json\": providers.cloud.api_key_env");
    CHECK(cloud.describe().find(secret) == std::string::npos);
    CHECK(cloud.describe().find("  api_key = sk-…(redacted)  (env CLOUD_KEY, named by file") != std::string::npos);

    // The variable the file names wins over the kind's own one.
    CHECK(resolve_settings("openai", {}, env, &file).api_key.value == "sk-work-0123456789");
    // An explicit key, and an explicit api_key_env, win over the file's api_key_env.
    ProviderSettings given;
    given.api_key = "sk-explicit-0123456789";
    CHECK(resolve_settings("cloud", given, env, &file).api_key.value == "sk-explicit-0123456789");
    ProviderSettings named;
    named.api_key_env = "WORK_OPENAI_KEY";
    CHECK(resolve_settings("cloud", named, env, &file).api_key.value == "sk-work-0123456789");
    CHECK(resolve_settings("cloud", named, env, &file).api_key.origin == "env WORK_OPENAI_KEY, named by explicit api_key_env");

    // Unset (or blank): an error naming the variable.
    CHECK(error_text([&] { resolve_settings("cloud", {}, Environment::from_map({{"CLOUD_KEY", "  "}}), &file); }) ==
          "invalid request (file \"f.json\": providers.cloud.api_key_env names the environment variable CLOUD_KEY, "
          "which is not set)");
    CHECK(error_text([&] { resolve_settings("cloud", named, Environment::from_map({}), nullptr); }) ==
          "invalid request (explicit api_key_env names the environment variable WORK_OPENAI_KEY, which is not set)");

    // A value that would split a header: the variable is named, the value never shown.
    auto const broken = error_text([&] {
        resolve_settings("cloud", {}, Environment::from_map({{"CLOUD_KEY", secret + "\nX: y"}}), &file);
    });
    CHECK(broken == "invalid request (CLOUD_KEY contains a control character at byte 26)");

    // A key pasted where the variable's name belongs is not repeated.
    auto const pasted = parse_error(R"({"providers": {"cloud": {"kind": "openai", "api_key_env": "sk-live-abc.def"}}})");
    CHECK(pasted == "invalid request (config file \"f.json\": providers.cloud.api_key_env must name an environment "
                    "variable (1 to 128 letters, digits and _, not starting with a digit))");
    CHECK(parse_error(R"({"providers": {"cloud": {"api_key_env": 3}}})") ==
          "invalid request (config file \"f.json\": providers.cloud.api_key_env must be a string)");
    CHECK(parse_error(R"({"providers": {"cloud": {"api_key": "sk-a", "api_key_env": "A"}}})") ==
          "invalid request (config file \"f.json\": providers.cloud.api_key and providers.cloud.api_key_env "
          "exclude each other: give one)");
    CHECK(error_text([] {
              ProviderSettings::from_json(boost::json::object{{"api_key", "k"}, {"api_key_env", "K"}});
          }) == "invalid request (api_key and api_key_env exclude each other: give one)");
}

TEST_CASE("config instances: max_in_flight is 1 to 10000, from code or the file", "[config]")
{
    auto const file = ConfigFile::parse(R"({"providers": {"ws": {"kind": "lmstudio", "max_in_flight": 5}}})", "f.json");
    auto const env = Environment::from_map({});
    auto const ws = resolve_settings("ws", {}, env, &file);
    CHECK(ws.max_in_flight.value == 5);
    CHECK(ws.max_in_flight.origin == "file \"f.json\": providers.ws.max_in_flight");
    CHECK(resolve_settings("box", {}, env, &file).max_in_flight.value == 64); // http's default
    CHECK(resolve_settings("box", {}, env, &file).max_in_flight.source == SettingSource::default_value);
    ProviderSettings given;
    given.max_in_flight = 2;
    CHECK(resolve_settings("ws", given, env, &file).max_in_flight.value == 2);

    for (auto const* bad : {"0", "10001", "2.5", "\"4\"", "-1"})
        CHECK(parse_error(std::string(R"({"providers": {"ws": {"max_in_flight": )") + bad + "}}}") ==
              std::string("invalid request (config file \"f.json\": providers.ws.max_in_flight must be an integer "
                          "from 1 to 10000, not ") +
                  bad + ")");
    given.max_in_flight = 0;
    CHECK(error_text([&] { resolve_settings("ws", given, env, nullptr); }) ==
          "invalid request (explicit max_in_flight must be an integer from 1 to 10000, not 0)");
}

TEST_CASE("config routes: the routes and router sections as the file gives them", "[config][routes]")
{
    auto const file = ConfigFile::parse(R"({
        "providers": {"ws": {"kind": "lmstudio"}, "box": {"kind": "lmstudio"}, "cloud": {"kind": "openai"}},
        "routes": {
            "coder": {"targets": [{"providers": ["ws", "box"], "model": "qwen/qwen3-coder-30b"},
                                  {"providers": ["cloud"], "model": "gpt-4o-mini"}],
                      "auto_load": false, "keep_warm": true},
            "chat": {"targets": [{"model": "llama3.2", "providers": ["box"]}]}
        },
        "router": {"health_check_interval_s": 30, "keep_warm_interval_s": 60, "failures_to_open": 3,
                   "circuit_open_s": 2.5, "circuit_max_open_s": 60}
    })",
                                        "f.json");
    REQUIRE(file.routes().size() == 2);
    auto const& coder = file.routes().at("coder");
    REQUIRE(coder.targets.size() == 2);
    CHECK(coder.targets[0].providers == std::vector<std::string>{"ws", "box"});
    CHECK(coder.targets[0].model == "qwen/qwen3-coder-30b");
    CHECK(coder.targets[1].providers == std::vector<std::string>{"cloud"});
    CHECK(coder.targets[1].model == "gpt-4o-mini");
    CHECK_FALSE(coder.auto_load);
    CHECK(coder.keep_warm);
    auto const& chat = file.routes().at("chat");
    CHECK(chat.auto_load); // the defaults
    CHECK_FALSE(chat.keep_warm);

    auto const& router = file.router();
    CHECK(router.health_check_interval == std::optional<std::chrono::milliseconds>(30s));
    CHECK(router.keep_warm_interval == std::optional<std::chrono::milliseconds>(60s));
    CHECK(router.failures_to_open == std::optional<int>(3));
    CHECK(router.open_for == std::optional<std::chrono::milliseconds>(2500ms));
    CHECK(router.max_open_for == std::optional<std::chrono::milliseconds>(60s));

    auto const plain = ConfigFile::parse(R"({"providers": {"lmstudio": {}}})", "f.json");
    CHECK(plain.routes().empty());
    CHECK_FALSE(plain.router().failures_to_open.has_value());
    CHECK(ConfigFile::parse(R"({"router": {"health_check_interval_s": 0}})", "f.json").router().health_check_interval ==
          std::optional<std::chrono::milliseconds>(0ms));
}

TEST_CASE("config routes: every mistake in a route is an error naming the file and the key path", "[config][routes]")
{
    auto const routes_error = [](std::string const& routes) { return parse_error(with_routes(routes)); };
    std::string const prefix = "invalid request (config file \"f.json\": ";

    CHECK(routes_error("[]") == prefix + "routes must be an object)");
    CHECK(routes_error(R"({"co der": {}})") ==
          prefix + "route name \"co der\" is invalid: use 1 to 64 characters of A-Z a-z 0-9 . _ -)");
    CHECK(routes_error(R"({"coder": []})") == prefix + "routes.coder must be an object)");
    CHECK(routes_error(R"({"coder": {"targets": [{"providers": ["ws"], "model": "m"}], "x": 1}})") ==
          prefix + "unknown key \"routes.coder.x\" (known keys: targets, auto_load, keep_warm, require, providers, "
                   "prefer, task_scores))");
    CHECK(routes_error(R"({"coder": {}})") == prefix + "routes.coder.targets must list at least one target)");
    CHECK(routes_error(R"({"coder": {"targets": []}})") == prefix + "routes.coder.targets must list at least one target)");
    CHECK(routes_error(R"({"coder": {"targets": {}}})") == prefix + "routes.coder.targets must be an array of targets)");
    CHECK(routes_error(R"({"coder": {"targets": ["ws"]}})") == prefix + "routes.coder.targets[0] must be an object)");
    CHECK(routes_error(R"({"coder": {"targets": [{"providers": ["ws"], "model": "m", "weight": 2}]}})") ==
          prefix + "unknown key \"routes.coder.targets[0].weight\" (known keys: providers, model))");
    CHECK(routes_error(R"({"coder": {"targets": [{"model": "m"}]}})") ==
          prefix + "routes.coder.targets[0].providers must list at least one provider)");
    CHECK(routes_error(R"({"coder": {"targets": [{"providers": [], "model": "m"}]}})") ==
          prefix + "routes.coder.targets[0].providers must list at least one provider)");
    CHECK(routes_error(R"({"coder": {"targets": [{"providers": "ws", "model": "m"}]}})") ==
          prefix + "routes.coder.targets[0].providers must be an array of provider names)");
    CHECK(routes_error(R"({"coder": {"targets": [{"providers": ["ws", 1], "model": "m"}]}})") ==
          prefix + "routes.coder.targets[0].providers[1] must be a string)");
    CHECK(routes_error(R"({"coder": {"targets": [{"providers": ["ws"]}]}})") ==
          prefix + "routes.coder.targets[0].model must be a non-empty string)");
    CHECK(routes_error(R"({"coder": {"targets": [{"providers": ["ws"], "model": ""}]}})") ==
          prefix + "routes.coder.targets[0].model must be a non-empty string)");
    CHECK(routes_error(R"({"coder": {"targets": [{"providers": ["ws"], "model": 7}]}})") ==
          prefix + "routes.coder.targets[0].model must be a string)");
    CHECK(routes_error(R"({"coder": {"targets": [{"providers": ["ws"], "model": "m"}], "auto_load": "yes"}})") ==
          prefix + "routes.coder.auto_load must be true or false, not \"yes\")");
    CHECK(routes_error(R"({"coder": {"targets": [{"providers": ["ws"], "model": "m"}], "keep_warm": 1}})") ==
          prefix + "routes.coder.keep_warm must be true or false, not 1)");
    CHECK(routes_error(R"({"coder": {"targets": [{"providers": ["ws"], "model": "m"},
                                                 {"providers": ["box", "boxx"], "model": "m"}]}})") ==
          prefix + "routes.coder.targets[1].providers[1]: \"boxx\" is not a provider of this file "
                   "(providers: box, cloud, ws))");
    CHECK(routes_error(R"({"coder": {"targets": [{"providers": ["ws", "box", "ws"], "model": "m"}]}})") ==
          prefix + "routes.coder.targets[0].providers[2]: \"ws\" is named twice in one target)");
    CHECK(routes_error(R"({"ws": {"targets": [{"providers": ["box"], "model": "m"}]}})") ==
          prefix + "route \"ws\" has the name of a provider of this file; routes and providers share one namespace)");
    CHECK(parse_error(R"({"routes": {"coder": {"targets": [{"providers": ["ws"], "model": "m"}]}}})") ==
          prefix + "routes.coder.targets[0].providers[0]: \"ws\" is not a provider of this file (providers: none))");
    CHECK(parse_error(R"({"providers": {"router": {"kind": "openai"}},
                          "routes": {"coder": {"targets": [{"providers": ["router"], "model": "m"}]}}})") ==
          prefix + "providers.router: \"router\" names the router of the file's routes; give the provider another "
                   "name)");
    // Routes may come before the providers they name.
    CHECK(ConfigFile::parse(R"({"routes": {"c": {"targets": [{"providers": ["ws"], "model": "m"}]}},
                                "providers": {"ws": {"kind": "lmstudio"}}})",
                            "f.json")
              .routes()
              .size() == 1);
}

TEST_CASE("config routes: the router section's keys and ranges", "[config][routes]")
{
    auto const router_error = [](std::string const& router) { return parse_error(R"({"router": )" + router + "}"); };
    std::string const prefix = "invalid request (config file \"f.json\": ";
    CHECK(router_error("1") == prefix + "router must be an object)");
    CHECK(router_error(R"({"failures": 2})") ==
          prefix + "unknown key \"router.failures\" (known keys: health_check_interval_s, keep_warm_interval_s, "
                   "failures_to_open, circuit_open_s, circuit_max_open_s))");
    CHECK(router_error(R"({"health_check_interval_s": -1})") ==
          prefix + "router.health_check_interval_s must be a number of seconds from 0 (never) to 1000000, not -1)");
    CHECK(router_error(R"({"health_check_interval_s": "30"})") ==
          prefix + "router.health_check_interval_s must be a number of seconds from 0 (never) to 1000000, not \"30\")");
    CHECK(router_error(R"({"keep_warm_interval_s": 0})") ==
          prefix + "router.keep_warm_interval_s must be a number of seconds from 0.001 to 1000000, not 0)");
    CHECK(router_error(R"({"circuit_open_s": 0.0001})") ==
          prefix + "router.circuit_open_s must be a number of seconds from 0.001 to 1000000, not 1e-04)");
    CHECK(router_error(R"({"circuit_max_open_s": 2000000})") ==
          prefix + "router.circuit_max_open_s must be a number of seconds from 0.001 to 1000000, not 2000000)");
    CHECK(router_error(R"({"failures_to_open": 0})") ==
          prefix + "router.failures_to_open must be an integer from 1 to 1000, not 0)");
    CHECK(router_error(R"({"failures_to_open": 1.5})") ==
          prefix + "router.failures_to_open must be an integer from 1 to 1000, not 1.5)");
    CHECK(router_error(R"({"circuit_open_s": 10, "circuit_max_open_s": 5})") ==
          prefix + "router.circuit_max_open_s must not be less than router.circuit_open_s)");
}

TEST_CASE("config routes: a route by requirement gives require, providers and preferences instead of targets",
          "[config][routes]")
{
    auto const file = ConfigFile::parse(with_routes(R"({
        "vision": {"require": {"vision": true, "min_context_length": 8192}, "providers": ["ws", "box"],
                   "prefer": ["qwen2-vl-7b-instruct"]},
        "smart": {"require": {}, "providers": ["cloud"],
                  "task_scores": {"qwen/qwen3-coder-30b": {"coding": 0.9, "general": 1},
                                  "google/gemma-3-27b": {"creative": 0.8}}}})"),
                                        "f.json");
    auto const& vision = file.routes().at("vision");
    CHECK(vision.targets.empty());
    REQUIRE(vision.requirements.has_value());
    CHECK(vision.requirements->vision);
    CHECK_FALSE(vision.requirements->tools);
    CHECK(vision.requirements->min_context_length == std::optional<std::int64_t>(8192));
    CHECK(vision.candidates == std::vector<std::string>{"ws", "box"});
    CHECK(vision.preferences.prefer == std::vector<std::string>{"qwen2-vl-7b-instruct"});
    auto const& smart = file.routes().at("smart");
    REQUIRE(smart.requirements.has_value());
    CHECK(*smart.requirements == llmio::ModelRequirements{});
    CHECK(smart.preferences.task_scores.at("qwen/qwen3-coder-30b").at(llmio::Task::coding) == 0.9);
    CHECK(smart.preferences.task_scores.at("qwen/qwen3-coder-30b").at(llmio::Task::general) == 1.0);
    CHECK(smart.preferences.task_scores.at("google/gemma-3-27b").at(llmio::Task::creative) == 0.8);

    auto const routes_error = [](std::string const& routes) { return parse_error(with_routes(routes)); };
    std::string const prefix = "invalid request (config file \"f.json\": ";
    CHECK(routes_error(R"({"v": {"require": {"vision": true}}})") ==
          prefix + "routes.v.providers must list at least one provider (a route with require chooses among their "
                   "models))");
    CHECK(routes_error(R"({"v": {"require": {}, "providers": ["ws"], "targets": [{"providers": ["ws"], "model": "m"}]}})") ==
          prefix + "routes.v gives both targets and require: a route names its models or what it needs, not both)");
    CHECK(routes_error(R"({"v": {"targets": [{"providers": ["ws"], "model": "m"}], "prefer": ["m"]}})") ==
          prefix + "routes.v.prefer belongs to a route with require (routes.v.require), a route that chooses its "
                   "model)");
    CHECK(routes_error(R"({"v": {"require": {"color": true}, "providers": ["ws"]}})") ==
          prefix + "unknown key \"routes.v.require.color\" (known keys: tools, vision, embeddings, "
                   "min_context_length))");
    CHECK(routes_error(R"({"v": {"require": {"min_context_length": 0}, "providers": ["ws"]}})") ==
          prefix + "routes.v.require.min_context_length must be a positive integer, not 0)");
    CHECK(routes_error(R"({"v": {"require": {"tools": "yes"}, "providers": ["ws"]}})") ==
          prefix + "routes.v.require.tools must be true or false, not \"yes\")");
    CHECK(routes_error(R"({"v": {"require": {}, "providers": ["ws", "nope"]}})") ==
          prefix + "routes.v.providers[1]: \"nope\" is not a provider of this file (providers: box, cloud, ws))");
    CHECK(routes_error(R"({"v": {"require": {}, "providers": ["ws", "ws"]}})") ==
          prefix + "routes.v.providers[1]: \"ws\" is named twice)");
    CHECK(routes_error(R"({"v": {"require": {}, "providers": ["ws"], "prefer": "m"}})") ==
          prefix + "routes.v.prefer must be an array of model ids)");
    CHECK(routes_error(R"({"v": {"require": {}, "providers": ["ws"], "task_scores": {"m": {"cooking": 1}}}})") ==
          prefix + "routes.v.task_scores.m: \"cooking\" is not a task (tasks: coding, research, creative, analysis, "
                   "general))");
    CHECK(routes_error(R"({"v": {"require": {}, "providers": ["ws"], "task_scores": {"m": {"coding": "high"}}}})") ==
          prefix + "routes.v.task_scores.m.coding must be a number, not \"high\")");
    CHECK(routes_error(R"({"v": {"require": {}, "providers": ["ws"], "task_scores": {"m": 1}}})") ==
          prefix + "routes.v.task_scores.m must be an object)");
}

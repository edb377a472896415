// `llmio --config FILE`: provider instances of the file by name, routes as models (the router),
// and `llmio routes` with its exit codes, in-process and as the real binary.

#include "support/cli_runner.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/scripted_server.hpp"
#include "support/subprocess.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

using llmio::test::CliInput;
using llmio::test::run_cli;

// A config file in the temporary directory, removed at the end of the test.
struct ConfigFixture {
    explicit ConfigFixture(std::string const& content)
    {
        static int counter = 0;
        path = (std::filesystem::temp_directory_path() /
                ("llmio_cli_routes_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + ".json"))
                   .string();
        std::ofstream(path, std::ios::binary) << content;
    }
    ~ConfigFixture() { std::filesystem::remove(path); }
    ConfigFixture(ConfigFixture const&) = delete;
    ConfigFixture& operator=(ConfigFixture const&) = delete;
    std::string path;
};

std::string dead_url()
{
    return "http://127.0.0.1:" + std::to_string(llmio::test::unused_port());
}

// Two LM Studio servers and an Ollama server; "coder" over ws and box, then local; "small" on
// `small_url` alone.
std::string routes_config(std::string const& ws, std::string const& box, std::string const& local,
                          std::string const& small_url)
{
    return R"({
        "providers": {
            "ws":    {"kind": "lmstudio", "base_url": ")" + ws + R"(", "max_retries": 0},
            "box":   {"kind": "lmstudio", "base_url": ")" + box + R"(", "max_retries": 0},
            "local": {"kind": "ollama", "base_url": ")" + local + R"(", "max_retries": 0},
            "tiny":  {"kind": "ollama", "base_url": ")" + small_url + R"(", "max_retries": 0}
        },
        "routes": {
            "coder": {"targets": [{"providers": ["ws", "box"], "model": "qwen2.5-7b-instruct"},
                                  {"providers": ["local"], "model": "llama3.2"}]},
            "small": {"targets": [{"providers": ["tiny"], "model": "llama3.2"}], "keep_warm": true}
        }
    })";
}

boost::json::object parse_object(std::string const& text)
{
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    INFO(text);
    REQUIRE_FALSE(ec);
    REQUIRE(value.is_object());
    return value.as_object();
}

std::size_t chats_received(llmio::emulators::EmulatorServer const& server)
{
    std::size_t n = 0;
    for (auto const& r : server.requests())
        n += r.target.find("chat") != std::string::npos ? 1 : 0;
    return n;
}

} // namespace

TEST_CASE("cli --config: instances of the file by --provider or prefix, and --config over LLMIO_CONFIG", "[cli]")
{
    llmio::test::LmStudioEmulatorFixture ws;
    llmio::test::OllamaEmulatorFixture local;
    ConfigFixture config(routes_config(ws.server.base_url(), dead_url(), local.server.base_url(), dead_url()));
    ConfigFixture other(R"({"providers": {"ws": {"kind": "lmstudio", "max_retries": 0, "base_url": ")" + dead_url() + R"("}}})");
    CliInput input;
    input.env["LLMIO_CONFIG"] = other.path; // --config wins

    auto const by_option = run_cli({"chat", "--config", config.path, "--provider", "ws", "-m", "qwen2.5-7b-instruct", "hi"},
                                   input);
    INFO(by_option.err);
    CHECK(by_option.code == 0);
    CHECK(by_option.out == "Hello! You said: hi\n");
    CHECK(chats_received(ws.server) == 1);

    auto const by_prefix = run_cli({"--config", config.path, "chat", "-m", "local/llama3.2", "hello"}, input);
    INFO(by_prefix.err);
    CHECK(by_prefix.code == 0);
    CHECK(by_prefix.out == "Hello! You said: hello\n");
    CHECK(chats_received(local.server) == 1);

    // LLMIO_CONFIG alone names the other file, whose ws is down.
    auto const from_env = run_cli({"chat", "--provider", "ws", "-m", "qwen2.5-7b-instruct", "hi"}, input);
    CHECK(from_env.code == 3);

    auto const unknown = run_cli({"chat", "--config", config.path, "--provider", "nope", "hi"});
    CHECK(unknown.code == 2);
    CHECK(unknown.err == "llmio: usage: unknown provider 'nope' (choose one of: lmstudio, ollama, openai, box, "
                         "local, tiny, ws, router)\nhint: see `llmio --help`\n");
    auto const missing = run_cli({"models", "--config", "/nonexistent/llmio.json"});
    CHECK(missing.code == 2);
    CHECK(missing.err.starts_with("llmio: usage: --config: File does not exist: /nonexistent/llmio.json"));
}

TEST_CASE("cli -m ROUTE chats through the router, which falls over to the next target", "[cli][router]")
{
    llmio::test::OllamaEmulatorFixture local;
    // ws and box are down: the route's second target answers.
    ConfigFixture config(routes_config(dead_url(), dead_url(), local.server.base_url(), local.server.base_url()));
    auto const r = run_cli({"chat", "--config", config.path, "-m", "coder", "hi"});
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(r.out == "Hello! You said: hi\n");
    auto const body = boost::json::parse(local.server.last_request()->body);
    CHECK(body.at("model") == "llama3.2"); // the target's model, not the route's name

    auto const json = run_cli({"chat", "--config", config.path, "-m", "router/small", "--no-stream", "--json", "hi"});
    INFO(json.err);
    CHECK(json.code == 0);
    CHECK(parse_object(json.out).at("content") == "Hello! You said: hi");

    // -v: the router's attempts and fallbacks on stderr.
    auto const verbose = run_cli({"chat", "-v", "--config", config.path, "-m", "coder", "hi"});
    CHECK(verbose.code == 0);
    INFO(verbose.err);
    CHECK(verbose.err.find("llmio: router: coder: ws/qwen2.5-7b-instruct failed (connection refused), trying the "
                           "next candidate\n") != std::string::npos);
    CHECK(verbose.err.find("llmio: router: coder: box/qwen2.5-7b-instruct failed (connection refused), trying the "
                           "next candidate\n") != std::string::npos);
    CHECK(verbose.err.find("llmio: router: coder: trying local/llama3.2\n") != std::string::npos);

    auto const with_url = run_cli({"chat", "--config", config.path, "-m", "coder", "--url", "http://127.0.0.1:1", "hi"});
    CHECK(with_url.code == 2);
    CHECK(with_url.err.starts_with("llmio: usage: --url, --api-key and --timeout set one provider, not the routes of "));
}

TEST_CASE("cli routes: exit 2 without a config file or routes", "[cli][router]")
{
    auto const none = run_cli({"routes"});
    CHECK(none.code == 2);
    CHECK(none.err == "llmio: usage: no config file: give --config FILE or set LLMIO_CONFIG\n"
                      "hint: docs/configuration.md describes the \"providers\" and \"routes\" sections\n");
    ConfigFixture plain(R"({"providers": {"lmstudio": {}}})");
    auto const no_routes = run_cli({"routes", "--config", plain.path});
    CHECK(no_routes.code == 2);
    CHECK(no_routes.err == "llmio: usage: the config file " + plain.path + " has no routes\n"
                           "hint: docs/configuration.md describes the \"routes\" section\n");
    CHECK(no_routes.out.empty());
}

TEST_CASE("cli routes: every route, its targets and each provider's state, exit 0 or 3", "[cli][router]")
{
    llmio::test::LmStudioEmulatorFixture ws;
    llmio::test::LmStudioEmulatorFixture box;
    llmio::test::OllamaEmulatorFixture local;

    SECTION("all healthy")
    {
        ConfigFixture config(routes_config(ws.server.base_url(), box.server.base_url(), local.server.base_url(),
                                           local.server.base_url()));
        auto const r = run_cli({"routes", "--config", config.path});
        INFO(r.out << r.err);
        CHECK(r.code == 0);
        CHECK(r.err.empty());
        CHECK(r.out.starts_with("route coder\n  1. qwen2.5-7b-instruct\n       ws     lmstudio  healthy  "));
        CHECK(r.out.find("\n       box    lmstudio  healthy  ") != std::string::npos);
        CHECK(r.out.find("\n  2. llama3.2\n       local  ollama  healthy  ") != std::string::npos);
        CHECK(r.out.find("\nroute small  (auto_load, keep_warm)\n  1. llama3.2\n       tiny   ollama  healthy  ") !=
              std::string::npos);
    }
    SECTION("one replica of coder down: coder still has a healthy provider")
    {
        ConfigFixture config(routes_config(ws.server.base_url(), dead_url(), local.server.base_url(),
                                           local.server.base_url()));
        auto const r = run_cli({"routes", "--config", config.path, "--json"});
        INFO(r.out << r.err);
        CHECK(r.code == 0);
        auto const doc = parse_object(r.out);
        CHECK(doc.at("config") == config.path.c_str());
        auto const& routes = doc.at("routes").as_array();
        REQUIRE(routes.size() == 2);
        CHECK(routes[0].at("name") == "coder");
        CHECK(routes[0].at("healthy") == true);
        CHECK(routes[0].at("auto_load") == true);
        CHECK(routes[0].at("keep_warm") == false);
        CHECK(routes[0].at("targets") ==
              boost::json::parse(R"([{"model": "qwen2.5-7b-instruct", "providers": ["ws", "box"]},
                                     {"model": "llama3.2", "providers": ["local"]}])"));
        CHECK(routes[0].at("require").is_null());
        CHECK(routes[0].at("providers").as_array().empty());
        CHECK(routes[1].at("name") == "small");
        auto const& providers = doc.at("providers").as_array();
        REQUIRE(providers.size() == 4); // sorted by name
        CHECK(providers[0].at("name") == "box");
        CHECK(providers[0].at("kind") == "lmstudio");
        CHECK(providers[0].at("healthy") == false);
        CHECK(!providers[0].at("detail").as_string().empty());
        CHECK(providers[0].as_object().contains("circuit_open"));
        CHECK(providers[0].as_object().contains("latency_ms"));
        CHECK(providers[0].as_object().contains("loaded_models"));
        CHECK(providers[1].at("name") == "local");
        CHECK(providers[1].at("healthy") == true);
        CHECK(providers[2].at("name") == "tiny");
        CHECK(providers[3].at("name") == "ws");
        CHECK(providers[3].at("healthy") == true);
    }
    SECTION("the only provider of small down: exit 3 naming the route")
    {
        ConfigFixture config(routes_config(ws.server.base_url(), box.server.base_url(), local.server.base_url(),
                                           dead_url()));
        auto const r = run_cli({"routes", "--config", config.path});
        INFO(r.out << r.err);
        CHECK(r.code == 3);
        CHECK(r.out.find("\n       tiny   ollama  down  ") != std::string::npos);
        CHECK(r.err.starts_with("llmio: unhealthy: no provider of route small is healthy\nhint: "));
        auto const json = run_cli({"routes", "--config", config.path, "--json"});
        CHECK(json.code == 3);
        CHECK(json.err.empty());
        CHECK(parse_object(json.out).at("routes").as_array()[1].at("healthy") == false);
    }
}

#ifdef LLMIO_CLI_PATH

TEST_CASE("cli process: llmio --config FILE routes exits 0, 3 with a server down, 2 without routes", "[cli][router]")
{
    llmio::test::LmStudioEmulatorFixture ws;
    llmio::test::OllamaEmulatorFixture local;
    std::vector<std::string> const env{"LLMIO_DISCOVERY_URLS=", "LLMIO_MAX_RETRIES=0"};

    ConfigFixture healthy(routes_config(ws.server.base_url(), ws.server.base_url(), local.server.base_url(),
                                        local.server.base_url()));
    llmio::test::Subprocess ok({LLMIO_CLI_PATH, "--config", healthy.path, "routes", "--json"}, env);
    CHECK(ok.wait(std::chrono::seconds(60)) == 0);
    auto const doc = parse_object(ok.rest_of_stdout());
    CHECK(doc.at("routes").as_array().size() == 2);
    CHECK(doc.at("providers").as_array().size() == 4);

    ConfigFixture down(routes_config(ws.server.base_url(), ws.server.base_url(), local.server.base_url(), dead_url()));
    llmio::test::Subprocess unhealthy({LLMIO_CLI_PATH, "routes", "--config", down.path}, env);
    CHECK(unhealthy.wait(std::chrono::seconds(60)) == 3);
    CHECK(unhealthy.rest_of_stdout().starts_with("route coder\n"));
    CHECK(unhealthy.rest_of_stderr().starts_with("llmio: unhealthy: no provider of route small is healthy\n"));

    ConfigFixture plain(R"({"providers": {"ws": {"kind": "lmstudio"}}})");
    llmio::test::Subprocess no_routes({LLMIO_CLI_PATH, "routes"}, {"LLMIO_CONFIG=" + plain.path});
    CHECK(no_routes.wait(std::chrono::seconds(60)) == 2);
    CHECK(no_routes.rest_of_stderr().starts_with("llmio: usage: the config file " + plain.path + " has no routes\n"));
}

#endif

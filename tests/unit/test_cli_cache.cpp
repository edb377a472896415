// llmio --cache and llmio cache stats|clear, in-process against the OpenAI emulator, with the
// cache in a temporary SQLite file.

#include "support/cli_runner.hpp"
#include "support/emulator_fixture.hpp"
#include "support/redis_server.hpp"
#include "support/subprocess.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

using llmio::test::CliInput;
using llmio::test::run_cli;
namespace fs = std::filesystem;

namespace {

std::size_t chats(llmio::emulators::EmulatorServer const& server)
{
    std::size_t n = 0;
    for (auto const& r : server.requests())
        n += r.target == "/v1/chat/completions" ? 1 : 0;
    return n;
}

} // namespace

TEST_CASE("cli --cache deterministic answers a repeated chat from the cache file, cache stats and clear", "[cli][cache]")
{
    llmio::test::OpenAiEmulatorFixture openai;
    auto const dir = fs::temp_directory_path() / ("llmio-cli-cache-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    auto const path = (dir / "responses.sqlite").string();
    std::vector<std::string> const chat{"--url", openai.server.base_url(), "--cache", "deterministic",
                                        "--cache-path", path, "chat", "-m", "gpt-4o-mini",
                                        "--temperature", "0", "hi"};
    auto const first = run_cli(chat);
    INFO(first.err);
    REQUIRE(first.code == 0);
    CHECK(first.out == "Hello! You said: hi\n");
    auto const second = run_cli(chat); // a new process would do the same: the file is the cache
    REQUIRE(second.code == 0);
    CHECK(second.out == first.out);
    CHECK(chats(openai.server) == 1);

    // A sampled chat is not deterministic: asked again.
    auto sampled = chat;
    sampled[sampled.size() - 2] = "0.7";
    CHECK(run_cli(sampled).code == 0);
    CHECK(run_cli(sampled).code == 0);
    CHECK(chats(openai.server) == 3);

    auto const stats = run_cli({"cache", "stats", "--cache-path", path, "--json"});
    INFO(stats.err);
    REQUIRE(stats.code == 0);
    CHECK(stats.out.find("\"entries\":1") != std::string::npos);
    CHECK(stats.out.find("\"hits\":1") != std::string::npos);
    CHECK(stats.out.find("\"misses\":1") != std::string::npos);

    auto const cleared = run_cli({"cache", "clear", "--cache-path", path});
    CHECK(cleared.code == 0);
    auto const after = run_cli({"cache", "stats", "--cache-path", path});
    CHECK(after.out.find("entries:     0") != std::string::npos);
    CHECK(run_cli(chat).code == 0);
    CHECK(chats(openai.server) == 4);

    // Without --cache nothing is cached.
    auto plain = chat;
    plain.erase(plain.begin() + 2, plain.begin() + 6);
    CHECK(run_cli(plain).code == 0);
    CHECK(chats(openai.server) == 5);
    CHECK(run_cli({"--cache", "sometimes", "cache", "stats", "--cache-path", path}).code == 2);
    fs::remove_all(dir);
}

TEST_CASE("cli: the config file's cache section turns the cache on, with its SQLite path", "[cli][cache]")
{
    llmio::test::OpenAiEmulatorFixture openai;
    auto const dir = fs::temp_directory_path() / ("llmio-cli-cache-config-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto const path = (dir / "answers.sqlite").string();
    auto const config = (dir / "llmio.json").string();
    std::ofstream(config) << R"({"cache": {"mode": "deterministic", "sqlite": {"path": ")" << path << R"("}}})";
    CliInput input;
    input.env["LLMIO_CONFIG"] = config;
    std::vector<std::string> const chat{"--url", openai.server.base_url(), "chat", "-m", "gpt-4o-mini",
                                        "--seed", "3", "--no-stream", "hi"};
    auto const first = run_cli(chat, input);
    INFO(first.err);
    REQUIRE(first.code == 0);
    auto const second = run_cli(chat, input);
    CHECK(second.out == first.out);
    CHECK(chats(openai.server) == 1);
    CHECK(fs::exists(path));
    auto const stats = run_cli({"cache", "stats", "--json"}, input);
    INFO(stats.err);
    CHECK(stats.out.find("answers.sqlite") != std::string::npos);
    CHECK(stats.out.find("\"hits\":1") != std::string::npos);

    // --cache off wins over the file.
    auto off = chat;
    off.insert(off.begin(), {"--cache", "off"});
    CHECK(run_cli(off, input).code == 0);
    CHECK(chats(openai.server) == 2);
    fs::remove_all(dir);
}

TEST_CASE("cli process: two llmio processes share one cache file, a third is answered from it", "[cli][cache]")
{
    llmio::test::OpenAiEmulatorFixture openai;
    auto const dir = fs::temp_directory_path() / ("llmio-cli-cache-processes-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    auto const path = (dir / "responses.sqlite").string();
    auto const chat = [&](std::string const& prompt) {
        return std::vector<std::string>{LLMIO_CLI_PATH, "--url", openai.server.base_url(), "--cache",
                                        "deterministic", "--cache-path", path, "chat", "-m", "gpt-4o-mini",
                                        "--temperature", "0", prompt};
    };
    std::vector<std::string> const env{"LLMIO_DISCOVERY_URLS="};
    {
        // At the same time: the file is created and written by both.
        llmio::test::Subprocess a(chat("one"), env);
        llmio::test::Subprocess b(chat("two"), env);
        CHECK(a.wait(std::chrono::seconds(30)) == 0);
        CHECK(b.wait(std::chrono::seconds(30)) == 0);
        CHECK(a.rest_of_stdout() == "Hello! You said: one\n");
        CHECK(b.rest_of_stdout() == "Hello! You said: two\n");
    }
    CHECK(chats(openai.server) == 2);
    for (auto const* prompt : {"one", "two"}) {
        llmio::test::Subprocess c(chat(prompt), env);
        CHECK(c.wait(std::chrono::seconds(30)) == 0);
        CHECK(c.rest_of_stdout() == std::string("Hello! You said: ") + prompt + "\n");
    }
    CHECK(chats(openai.server) == 2);
    llmio::test::Subprocess stats({LLMIO_CLI_PATH, "cache", "stats", "--json", "--cache-path", path}, env);
    CHECK(stats.wait(std::chrono::seconds(30)) == 0);
    auto const out = stats.rest_of_stdout();
    CHECK(out.find("\"entries\":2") != std::string::npos);
    CHECK(out.find("\"hits\":2") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("cli --cache-redis: another machine is answered from Redis, cache stats and clear include it",
          "[cli][cache][redis]")
{
    llmio::test::RedisServer redis;
    llmio::test::OpenAiEmulatorFixture openai;
    auto const dir = fs::temp_directory_path() / ("llmio-cli-cache-redis-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    auto const file = [&](char const* name) { return (dir / name).string(); };
    auto const chat = [&](std::string const& path, std::string const& url) {
        return std::vector<std::string>{"--url", openai.server.base_url(), "--cache", "deterministic",
                                        "--cache-path", path, "--cache-redis", url, "chat", "-m", "gpt-4o-mini",
                                        "--temperature", "0", "hi"};
    };
    auto const first = run_cli(chat(file("a.sqlite"), redis.url()));
    INFO(first.err);
    REQUIRE(first.code == 0);
    auto const second = run_cli(chat(file("b.sqlite"), redis.url())); // its own file, the same Redis
    CHECK(second.out == "Hello! You said: hi\n");
    CHECK(chats(openai.server) == 1);

    std::vector<std::string> const stats{"cache", "stats", "--json", "--cache-path", file("b.sqlite"),
                                         "--cache-redis", redis.url()};
    auto const both = run_cli(stats);
    INFO(both.err);
    REQUIRE(both.code == 0);
    CHECK(both.out.find("\"redis\":{\"url\":\"" + redis.url() + "\",\"entries\":1,\"bytes\":") != std::string::npos);
    CHECK(both.out.find("\"hits\":1,\"misses\":1}}") != std::string::npos);
    auto const cleared = run_cli({"cache", "clear", "--cache-path", file("b.sqlite"), "--cache-redis", redis.url()});
    CHECK(cleared.out == "cleared " + file("b.sqlite") + "\ncleared " + redis.url() + "\n");
    auto text = stats;
    text.erase(text.begin() + 2);
    auto const after = run_cli(text);
    CHECK(after.out.find("redis:       " + redis.url() + "\nentries:     0\n") != std::string::npos);

    // Redis down: the chat is answered all the same; only stats says it.
    auto const down = run_cli(chat(file("c.sqlite"), "redis://127.0.0.1:1/0"));
    CHECK(down.code == 0);
    CHECK(down.out == "Hello! You said: hi\n");
    auto const unreachable = run_cli({"cache", "stats", "--cache-path", file("c.sqlite"), "--cache-redis",
                                      "redis://:secret@127.0.0.1:1/0"});
    CHECK(unreachable.code != 0);
    CHECK(unreachable.err.find("Redis cache at redis://:***@127.0.0.1:1/0 does not answer") != std::string::npos);
    CHECK(unreachable.err.find("secret") == std::string::npos);
    fs::remove_all(dir);
}

// A real client nobody here wrote: openai-node (bench/node) against the `llmio serve` binary,
// whole and streamed answers, models and embeddings. Needs node and npm (CI machines have
// them); `npm ci` runs once when bench/node has no node_modules.

#include "support/emulator_fixture.hpp"
#include "support/subprocess.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#ifdef LLMIO_CLI_PATH

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

fs::path source_root()
{
    return fs::path(LLMIO_TEST_DATA_DIR) / ".." / "..";
}

// bench/node with its node_modules, installed now when missing.
fs::path node_peers()
{
    auto const dir = source_root() / "bench" / "node";
    if (!fs::exists(dir / "node_modules" / "openai")) {
        auto const command = "cd '" + dir.string() + "' && npm ci --no-audit --no-fund --silent >/dev/null 2>&1";
        REQUIRE(std::system(command.c_str()) == 0);
    }
    return dir;
}

} // namespace

TEST_CASE("gateway openai-node: whole and streamed chats, models and embeddings through llmio serve", "[gateway]")
{
    llmio::test::OpenAiEmulatorFixture upstream;
    auto const config = fs::temp_directory_path() / ("llmio-openai-node-" + std::to_string(::getpid()) + ".json");
    std::ofstream(config) << R"({"default_provider": "up",
        "providers": {"up": {"kind": "openai", "base_url": ")" + upstream.server.base_url() + R"(/v1"}},
        "routes": {"chat": {"targets": [{"providers": ["up"], "model": "gpt-4o-mini"}]}}})";
    llmio::test::Subprocess serve({LLMIO_CLI_PATH, "serve", "--config", config.string(), "--port", "0"}, {});
    auto const first = serve.read_stdout_until("\n", 15s);
    fs::remove(config);
    REQUIRE(first.starts_with("listening on "));
    auto const base_url = first.substr(13, first.size() - 14);

    llmio::test::Subprocess node({"/usr/bin/node", (source_root() / "tests/data/gateway/openai_node_client.cjs").string(),
                                  node_peers().string(), base_url},
                                 {});
    auto const out = node.read_stdout_until("\n", 30s);
    auto const code = node.wait(30s);
    INFO(out << node.rest_of_stderr());
    REQUIRE(code == 0);
    CHECK(boost::json::parse(out) == boost::json::parse(R"({
        "whole": "Hello! You said: hi", "whole_finish": "stop",
        "streamed": "Hello! You said: hi", "finish": "stop",
        "usage": {"prompt_tokens": 1, "completion_tokens": 4, "total_tokens": 5,
                  "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}},
        "models": ["chat", "up/gpt-4o-mini", "up/text-embedding-3-small"],
        "embedding_length": 64})"));
    serve.signal(SIGTERM);
    CHECK(serve.wait(15s) == 0);
}

#endif

#include "support/real_clients.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include <unistd.h>

#ifdef LLMIO_CLI_PATH

namespace llmio::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

fs::path written_config(std::string const& text)
{
    static int count = 0;
    auto const path = fs::temp_directory_path() /
                      ("llmio-serve-" + std::to_string(::getpid()) + "-" + std::to_string(++count) + ".json");
    std::ofstream(path) << text;
    return path;
}

} // namespace

fs::path source_root()
{
    return fs::path(LLMIO_TEST_DATA_DIR) / ".." / "..";
}

fs::path node_peers(char const* package)
{
    auto const dir = source_root() / "bench" / "node";
    if (!fs::exists(dir / "node_modules" / package)) {
        auto const command = "cd '" + dir.string() + "' && npm ci --no-audit --no-fund --silent >/dev/null 2>&1";
        REQUIRE(std::system(command.c_str()) == 0);
    }
    return dir;
}

ServeProcess::ServeProcess(std::string const& config_text)
    : config(written_config(config_text)),
      process({LLMIO_CLI_PATH, "serve", "--config", config.string(), "--port", "0"}, {})
{
    auto const first = process.read_stdout_until("\n", 15s);
    fs::remove(config);
    if (first.starts_with("listening on ") && first.ends_with("\n"))
        base_url = first.substr(13, first.size() - 14);
}

std::string run_node_client(char const* script, char const* package, std::string const& base_url)
{
    auto const path = source_root() / "tests" / "data" / "gateway" / script;
    Subprocess node({"/usr/bin/node", path.string(), node_peers(package).string(), base_url}, {});
    auto const out = node.read_stdout_until("\n", 30s);
    auto const code = node.wait(30s);
    INFO(out << node.rest_of_stderr());
    REQUIRE(code == 0);
    return out;
}

} // namespace llmio::test

#endif

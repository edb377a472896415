// The playground and CORS in a real browser: tests/browser/gateway_browser.mjs drives Debian's
// headless Chromium (playwright-core) against the `llmio serve` binary in front of `llmio
// emulate`. Needs node, npm and /usr/bin/chromium (.ci/common.sh installs it); `npm ci` runs
// once when tests/browser has no node_modules.

#include "support/subprocess.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#ifdef LLMIO_CLI_PATH

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

fs::path browser_tests()
{
    auto const dir = fs::path(LLMIO_TEST_DATA_DIR) / ".." / "browser";
    if (!fs::exists(dir / "node_modules" / "playwright-core")) {
        auto const command = "cd '" + dir.string() + "' && npm ci --no-audit --no-fund --silent >/dev/null 2>&1";
        REQUIRE(std::system(command.c_str()) == 0);
    }
    return dir;
}

} // namespace

TEST_CASE("gateway browser: the playground streams an answer, and only an allowed origin may fetch",
          "[gateway][browser]")
{
    REQUIRE(fs::exists("/usr/bin/chromium")); // Debian's chromium package
    auto const dir = browser_tests();
    llmio::test::Subprocess node({"/usr/bin/node", (dir / "gateway_browser.mjs").string(), LLMIO_CLI_PATH},
                                 {"HOME=" + fs::temp_directory_path().string(), "PATH=/usr/bin:/bin"});
    auto const code = node.wait(110s); // the script gives up by itself after 100 s
    auto const out = node.rest_of_stdout();
    INFO(out << node.rest_of_stderr());
    REQUIRE(code == 0);
    CHECK(out.find("ok: the playground streamed \"Hello! You said: ping <b>bold</b>\"") != std::string::npos);
    CHECK(out.find("(allowed) got \"200 Hello! You said: from a site\"") != std::string::npos);
    CHECK(out.find("(not allowed) got \"TypeError: Failed to fetch\"") != std::string::npos);
}

#endif

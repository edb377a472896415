// `llmio pull` of a model the server cannot find: the redrawn progress line is ended before the
// error, and the hint is about pulling (check the name), not about loading.

#include "support/cli_runner.hpp"
#include "support/ollama_fixture.hpp"

#include <catch2/catch.hpp>

using llmio::test::CliInput;
using llmio::test::run_cli;

TEST_CASE("cli pull of an unknown model: progress line ended, a hint that fits pull", "[cli]")
{
    llmio::test::OllamaEmulatorFixture ollama;
    CliInput terminal;
    terminal.env = {{"LLMIO_DISCOVERY_URLS", ""}, {"LLMIO_MAX_RETRIES", "0"}};
    terminal.stderr_is_terminal = true;
    auto const r = run_cli({"pull", "--provider", "ollama", "--url", ollama.server.base_url(), "no-such-model:7b"},
                           terminal);
    INFO(r.err);
    CHECK(r.code == 6);
    CHECK(r.out.empty());
    auto const error_at = r.err.find("llmio: model not found: pull model manifest: file does not exist");
    REQUIRE(error_at != std::string::npos);
    REQUIRE(error_at > 0);
    CHECK(r.err.substr(0, error_at) == "\r\x1b[Kpulling manifest 0 B\n"); // drawn, then ended
    CHECK(r.err.find("llmio load") == std::string::npos);
    CHECK(r.err.ends_with("\nhint: check the model name in the server's catalogue (Ollama: ollama.com/library, "
                          "e.g. `llama3.2:1b`); `llmio models --downloaded` lists the models already on disk\n"));
}

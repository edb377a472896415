// `llmio` exit codes and error lines per error kind (emulator fault injection), usage errors,
// --help and --version.

#include "support/cli_runner.hpp"
#include "support/emulator_fixture.hpp"

#include <catch2/catch.hpp>

namespace {

using llmio::emulators::Fault;
using llmio::test::CliInput;
using llmio::test::run_cli;

/// No retries, so faults on retryable statuses are seen at once.
CliInput no_retries()
{
    CliInput input;
    input.env = {{"LLMIO_DISCOVERY_URLS", ""}, {"LLMIO_MAX_RETRIES", "0"}};
    return input;
}

std::string openai_error(std::string const& message, std::string const& type, std::string const& code)
{
    return R"({"error":{"message":")" + message + R"(","type":")" + type + R"(","param":null,"code":")" +
           code + R"("}})";
}

} // namespace

TEST_CASE("cli exit codes and error lines per error kind", "[cli]")
{
    llmio::test::OpenAiEmulatorFixture openai;
    auto const url = openai.server.base_url();
    auto chat = [&] {
        return run_cli({"chat", "--url", url, "-m", "gpt-4o-mini", "hi"}, no_retries());
    };
    auto& faults = openai.server.faults();

    SECTION("401 authentication: 5")
    {
        faults.add(Fault::respond(401, openai_error("Incorrect API key provided", "invalid_request_error",
                                                    "invalid_api_key"))
                       .on("/v1/chat/completions"));
        auto const r = chat();
        CHECK(r.code == 5);
        CHECK(r.out.empty());
        CHECK(r.err.starts_with("llmio: authentication: Incorrect API key provided (HTTP 401)\nhint: "));
    }
    SECTION("404 model: 6")
    {
        auto const r = run_cli({"chat", "--url", url, "-m", "no-such-model", "hi"}, no_retries());
        CHECK(r.code == 6);
        CHECK(r.err.starts_with("llmio: model not found: "));
        CHECK(r.err.find("hint: list the models with `llmio models`; load one with `llmio load no-such-model`") !=
              std::string::npos);
    }
    SECTION("400 invalid request: 7")
    {
        faults.add(Fault::respond(400, openai_error("Invalid value for temperature", "invalid_request_error",
                                                    "invalid_value"))
                       .on("/v1/chat/completions"));
        auto const r = chat();
        CHECK(r.code == 7);
        CHECK(r.err.starts_with("llmio: invalid request: Invalid value for temperature (HTTP 400)\n"));
    }
    SECTION("429 rate limited: 8")
    {
        faults.add(Fault::respond(429, openai_error("Rate limit reached", "requests", "rate_limit_exceeded"))
                       .on("/v1/chat/completions")
                       .times(-1));
        auto const r = chat();
        CHECK(r.code == 8);
        CHECK(r.err.starts_with("llmio: rate limited: Rate limit reached (HTTP 429)\n"));
    }
    SECTION("500 server error: 9")
    {
        faults.add(Fault::respond(500, openai_error("The server had an error", "server_error", "server_error"))
                       .on("/v1/chat/completions")
                       .times(-1));
        auto const r = chat();
        CHECK(r.code == 9);
        CHECK(r.err.starts_with("llmio: server error: The server had an error (HTTP 500)\n"));
    }
    SECTION("malformed body: 10")
    {
        Fault fault;
        fault.path = "/v1/chat/completions";
        fault.malformed_event_at = 1;
        faults.add(fault);
        auto const r = chat();
        CHECK(r.code == 10);
        CHECK(r.err.starts_with("llmio: malformed response: "));
    }
    SECTION("dead port: 3 with a hint on starting a server")
    {
        auto const r = run_cli({"chat", "--provider", "openai", "--url", "http://127.0.0.1:1", "-m", "m", "hi"},
                               no_retries());
        CHECK(r.code == 3);
        CHECK(r.err.starts_with("llmio: network: "));
        CHECK(r.err.find("start a server: LM Studio with `lms server start`, or Ollama with `ollama serve`") !=
              std::string::npos);
    }
    SECTION("timeout: 4")
    {
        faults.add(Fault::delay(std::chrono::milliseconds(3000)).on("/v1/chat/completions"));
        auto const r = run_cli({"chat", "--url", url, "-m", "gpt-4o-mini", "--timeout", "0.3", "hi"}, no_retries());
        CHECK(r.code == 4);
        CHECK(r.err.starts_with("llmio: timeout: "));
    }
}

TEST_CASE("cli without a server: no server found, exit 3", "[cli]")
{
    CliInput input;
    input.env = {{"LLMIO_DISCOVERY_URLS", "http://127.0.0.1:1"}};
    auto const r = run_cli({"chat", "hi"}, input);
    CHECK(r.code == 3);
    CHECK(r.err == "llmio: no server found: http://127.0.0.1:1: connection refused\n"
                   "hint: start a server: LM Studio with `lms server start`, or Ollama with `ollama "
                   "serve`; or try the emulator: `llmio emulate --as lmstudio`\n");
    auto const nothing = run_cli({"models"});
    CHECK(nothing.code == 3);
    CHECK(nothing.err.starts_with("llmio: no server found: no candidate address to probe\n"));
    auto const discover = run_cli({"discover", "--json"}, input);
    CHECK(discover.code == 3);
    CHECK(discover.out == "{\"found\":[],\"not_found\":[{\"base_url\":\"http://127.0.0.1:1\",\"reason\":"
                          "\"connection refused\"}]}\n");
}

TEST_CASE("cli usage errors exit 2, and --help lists the exit codes, and --version", "[cli]")
{
    auto const unknown = run_cli({"chat", "--no-such-option"});
    CHECK(unknown.code == 2);
    CHECK(unknown.err.starts_with("llmio: usage: "));
    CHECK(run_cli({}).code == 2);
    CHECK(run_cli({"emulate"}).code == 2);                      // --as is required
    CHECK(run_cli({"emulate", "--as", "vllm"}).code == 2);
    CHECK(run_cli({"models", "--loaded", "--downloaded"}).code == 2);
    CHECK(run_cli({"chat", "--provider", "nope", "hi"}).code == 2);
    CHECK(run_cli({"chat", "--url", "ftp://x", "--provider", "openai", "-m", "m", "hi"}).code == 2);

    auto const help = run_cli({"--help"});
    CHECK(help.code == 0);
    for (auto const* line : {"  3    network error or no server reachable\n", "  130  cancelled (Ctrl-C)\n",
                             "  10   malformed response\n"})
        CHECK(help.out.find(line) != std::string::npos);
    for (auto const* command : {"discover", "models", "chat", "complete", "embed", "load", "unload", "pull",
                                "info", "health", "emulate"})
        CHECK(help.out.find(command) != std::string::npos);
    auto const version = run_cli({"--version"});
    CHECK(version.code == 0);
    CHECK(version.out == "llmio 0.1.0\n");
}

TEST_CASE("cli -v logs the settings with the API key redacted", "[cli]")
{
    llmio::emulators::OpenAiEmulatorConfig config = llmio::emulators::OpenAiEmulatorConfig::openai();
    config.api_key = "sk-secret-key-1234567890";
    llmio::test::OpenAiEmulatorFixture openai(config);
    auto const r = run_cli({"models", "-v", "--url", openai.server.base_url(), "--api-key",
                            "sk-secret-key-1234567890", "--json"});
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(r.err.find("sk-secret-key-1234567890") == std::string::npos);
    CHECK(r.err.find("api_key") != std::string::npos);
    auto const wrong = run_cli({"models", "--url", openai.server.base_url(), "--api-key", "sk-wrong"});
    CHECK(wrong.code == 5);
    CHECK(wrong.err.find("sk-wrong") == std::string::npos);
}

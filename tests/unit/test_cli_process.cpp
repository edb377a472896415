// The real `llmio` binary: `emulate` serves and stops on SIGTERM; Ctrl-C during a stream
// cancels it with exit 130.

#include "support/emulator_fixture.hpp"
#include "support/raw_http_client.hpp"
#include "support/subprocess.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <string>

#ifdef LLMIO_CLI_PATH

namespace {

std::vector<std::string> clean_env()
{
    return {"LLMIO_DISCOVERY_URLS=", "LLMIO_MAX_RETRIES=0"};
}

unsigned short port_of(std::string const& first_line)
{
    auto const colon = first_line.rfind(':');
    REQUIRE(colon != std::string::npos);
    return static_cast<unsigned short>(std::stoi(first_line.substr(colon + 1)));
}

} // namespace

TEST_CASE("cli process: emulate prints its address, serves, and exits 0 on SIGTERM", "[cli]")
{
    for (auto const* kind : {"lmstudio", "ollama", "openai"}) {
        llmio::test::Subprocess child({LLMIO_CLI_PATH, "emulate", "--as", kind, "--port", "0"}, clean_env());
        auto const out = child.read_stdout_until("\n", std::chrono::seconds(15));
        INFO(kind << ": " << out);
        REQUIRE(out.starts_with("listening on http://127.0.0.1:"));
        REQUIRE(out.back() == '\n');
        auto const port = port_of(out.substr(0, out.size() - 1));
        llmio::test::RawHttpClient client(port);
        bool const ollama = std::string(kind) == "ollama";
        auto const reply = client.request("GET", ollama ? "/api/tags" : "/v1/models");
        CHECK(reply.status == 200);
        auto const expected = ollama ? "llama3.2:latest"
                              : std::string(kind) == "lmstudio" ? "qwen2.5-7b-instruct"
                                                                : "gpt-4o-mini";
        CHECK(reply.body.find(expected) != std::string::npos);
        client.close();
        child.signal(SIGTERM);
        CHECK(child.wait(std::chrono::seconds(10)) == 0);
        CHECK(child.rest_of_stdout() == out); // nothing after the first line
    }
}

TEST_CASE("cli process: SIGINT during a slow stream exits 130 and prints nothing more", "[cli]")
{
    auto config = llmio::emulators::OpenAiEmulatorConfig::openai();
    config.token_delay = std::chrono::milliseconds(300);
    llmio::test::OpenAiEmulatorFixture openai(config);
    llmio::test::Subprocess child({LLMIO_CLI_PATH, "chat", "--url", openai.server.base_url(), "-m", "gpt-4o-mini",
                                   "one two three four five six seven eight nine ten eleven twelve"},
                                  clean_env());
    auto const before = child.read_stdout_until("Hello!", std::chrono::seconds(15));
    REQUIRE(before.starts_with("Hello!"));
    child.signal(SIGINT);
    CHECK(child.wait(std::chrono::seconds(10)) == 130);
    auto const all = child.rest_of_stdout();
    CHECK(all.find("twelve") == std::string::npos); // the stream was cut
    CHECK(child.rest_of_stderr().empty());
}

#endif

// The real `llmio serve` binary: its first stdout line, serving, and the drain on SIGTERM (a
// stream under way finishes, then the process exits 0).

#include "support/emulator_fixture.hpp"
#include "support/raw_http_client.hpp"
#include "support/subprocess.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <unistd.h>
#include <string>

#ifdef LLMIO_CLI_PATH

namespace {

using namespace std::chrono_literals;

// A config file in the temporary directory, removed afterwards.
struct ConfigFileOnDisk {
    explicit ConfigFileOnDisk(std::string const& text)
        : path(std::filesystem::temp_directory_path() /
               ("llmio-serve-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".json"))
    {
        std::ofstream(path) << text;
    }
    ~ConfigFileOnDisk() { std::filesystem::remove(path); }
    std::filesystem::path path;
    static inline int counter = 0;
};

unsigned short port_of(std::string const& first_line)
{
    auto const colon = first_line.rfind(':');
    REQUIRE(colon != std::string::npos);
    return static_cast<unsigned short>(std::stoi(first_line.substr(colon + 1)));
}

} // namespace

TEST_CASE("gateway serve: prints its address, serves, and on SIGTERM lets a stream finish, then exits 0",
          "[gateway]")
{
    llmio::test::OpenAiEmulatorFixture upstream;
    ConfigFileOnDisk const config(R"({"providers": {"up": {"kind": "openai", "base_url": ")" +
                                  upstream.server.base_url() + R"(/v1"}},
                                      "serve": {"drain_s": 30}})");
    llmio::test::Subprocess child({LLMIO_CLI_PATH, "serve", "--config", config.path.string(), "--port", "0"},
                                  {"LLMIO_DISCOVERY_URLS="});
    auto const out = child.read_stdout_until("\n", 15s);
    INFO(out);
    REQUIRE(out.starts_with("listening on http://127.0.0.1:"));
    auto const port = port_of(out.substr(0, out.size() - 1));

    llmio::test::RawHttpClient client(port, 10s);
    auto const models = client.request("GET", "/v1/models");
    CHECK(models.status == 200);

    llmio::emulators::Fault slow;
    slow.path = "/v1/chat/completions";
    slow.chunk_delay = 20ms;
    upstream.server.faults().add(slow);
    client.send("POST", "/v1/chat/completions", llmio::test::chat_body("up/gpt-4o-mini", "hi", R"("stream":true)"));
    REQUIRE(client.read_until("Hello!").find("Hello!") != std::string::npos);
    child.signal(SIGTERM);
    auto const rest = client.read_until_close();
    CHECK(rest.find("data: [DONE]\n\n") != std::string::npos);
    CHECK(child.wait(15s) == 0);
    // Stopped: nothing listens any more.
    CHECK_THROWS(llmio::test::RawHttpClient(port).request("GET", "/health"));
}

TEST_CASE("gateway serve: a serve section with a wrong key is refused naming it", "[gateway]")
{
    ConfigFileOnDisk const config(R"({"providers": {}, "serve": {"limits": {"body_mb": 0}}})");
    llmio::test::Subprocess child({LLMIO_CLI_PATH, "serve", "--config", config.path.string(), "--port", "0"}, {});
    CHECK(child.wait(15s) == 7); // an invalid request, as every config file mistake
    CHECK(child.rest_of_stderr() == "llmio: invalid request: config file \"" + config.path.string() +
                                        "\": serve.limits.body_mb must be a whole number from 1 to 4096 "
                                        "(megabytes)\n");
}

#endif

// llmio::resource_usage against the emulators: Ollama's /api/ps sizes (in memory, in VRAM),
// LM Studio's loaded models and context lengths, the models on disk; `llmio ps`.

#include "support/cli_runner.hpp"
#include "support/emulator_fixture.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/model_manager.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/openai/provider.hpp>
#include <llmio/resource_usage.hpp>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

using namespace llmio;
namespace asio = boost::asio;

TEST_CASE("resource_usage: Ollama's loaded model with its memory, VRAM and context", "[resources]")
{
    test::OllamaEmulatorFixture emulator;
    ollama::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    auto const usage = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ResourceUsage> {
        ollama::OllamaProvider provider(ex, o);
        LoadOptions load;
        auto loaded = co_await provider.model_manager()->load("qwen3:latest", load);
        (void)loaded;
        co_return co_await resource_usage(provider);
    });
    CHECK(usage.provider == "ollama");
    CHECK(usage.server.kind == "ollama");
    CHECK(usage.server.version == "0.12.3");
    REQUIRE(usage.loaded.size() == 1);
    CHECK(usage.loaded[0].id == "qwen3:latest");
    CHECK(usage.loaded[0].size_bytes == std::optional<std::int64_t>(5225376047));
    CHECK(usage.loaded[0].vram_bytes == std::optional<std::int64_t>(5225376047));
    CHECK(usage.loaded[0].context_length == std::optional<std::int64_t>(4096));
    CHECK(usage.loaded[0].expires_at == "2026-01-01T00:05:00Z");
    CHECK(usage.loaded_bytes() == 5225376047);
    CHECK(usage.vram_bytes() == 5225376047);
    REQUIRE(usage.downloaded.size() == 4);
    for (auto const& m : usage.downloaded) {
        INFO(m.id);
        CHECK(m.loaded == (m.id == "qwen3:latest"));
        CHECK(m.size_bytes.has_value());
    }
}

TEST_CASE("resource_usage: LM Studio's loaded models and context lengths", "[resources]")
{
    test::LmStudioEmulatorFixture emulator;
    lmstudio::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    auto const usage = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ResourceUsage> {
        lmstudio::Provider provider(ex, o);
        co_return co_await resource_usage(provider);
    });
    CHECK(usage.provider == "lmstudio");
    CHECK(usage.server.kind == "lmstudio");
    REQUIRE_FALSE(usage.loaded.empty());
    CHECK(usage.loaded[0].id == "qwen2.5-7b-instruct");
    CHECK(usage.loaded[0].context_length == std::optional<std::int64_t>(4096));
    CHECK(usage.loaded[0].size_bytes == std::optional<std::int64_t>(4683073952));
    CHECK_FALSE(usage.loaded[0].vram_bytes.has_value()); // LM Studio does not say
    CHECK(usage.downloaded.size() >= usage.loaded.size());
}

TEST_CASE("resource_usage: a provider without model management is unsupported", "[resources]")
{
    test::OpenAiEmulatorFixture emulator;
    openai::Options o;
    o.base_url = emulator.server.base_url();
    try {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ResourceUsage> {
            openai::OpenAICompatibleProvider provider(ex, o);
            co_return co_await resource_usage(provider);
        });
        FAIL("no error");
    } catch (InvalidRequestError const& e) {
        CHECK(e.error() == errc::unsupported);
        CHECK(std::string(e.what()).find("this provider cannot tell which models its server holds") !=
              std::string::npos);
    }
}

TEST_CASE("cli ps prints the loaded and downloaded models, --json in bytes", "[cli][resources]")
{
    test::OllamaEmulatorFixture emulator;
    auto const url = emulator.server.base_url();
    REQUIRE(test::run_cli({"load", "--provider", "ollama", "--url", url, "qwen3:latest"}).code == 0);

    auto const json_run = test::run_cli({"ps", "--provider", "ollama", "--url", url, "--json"});
    INFO(json_run.err);
    REQUIRE(json_run.code == 0);
    auto const doc = boost::json::parse(json_run.out).as_object();
    CHECK(doc.at("provider") == "ollama");
    CHECK(doc.at("kind") == "ollama");
    CHECK(doc.at("loaded_bytes") == 5225376047);
    CHECK(doc.at("vram_bytes") == 5225376047);
    auto const& loaded = doc.at("loaded").as_array();
    REQUIRE(loaded.size() == 1);
    CHECK(loaded[0] == boost::json::parse(R"({"id":"qwen3:latest","size_bytes":5225376047,"vram_bytes":5225376047,)"
                                          R"("context_length":4096,"expires_at":"2026-01-01T00:05:00Z"})"));
    CHECK(doc.at("downloaded").as_array().size() == 4);

    auto const table = test::run_cli({"ps", "--provider", "ollama", "--url", url});
    INFO(table.err);
    REQUIRE(table.code == 0);
    CHECK(table.out.starts_with("ollama (ollama 0.12.3, " + url));
    CHECK(table.out.find("1 loaded, 5.2 GB in memory\n") != std::string::npos);
    CHECK(table.out.find("qwen3:latest") != std::string::npos);
    CHECK(table.out.find("LOADED") != std::string::npos);
    CHECK(table.out.find("DOWNLOADED") != std::string::npos);
    CHECK(table.out.find("2026-01-01T00:05:00Z") != std::string::npos);
}

TEST_CASE("cli bench-model runs N streamed chats at concurrency C and prints percentiles", "[cli][metrics]")
{
    test::OllamaEmulatorFixture emulator;
    auto const url = emulator.server.base_url();
    auto const json_run = test::run_cli({"bench-model", "--provider", "ollama", "--url", url, "-m", "llama3.2:latest",
                                         "-n", "6", "-c", "3", "-p", "hi there", "--json"});
    INFO(json_run.err);
    REQUIRE(json_run.code == 0);
    auto const doc = boost::json::parse(json_run.out).as_object();
    CHECK(doc.at("provider") == "ollama");
    CHECK(doc.at("model") == "llama3.2:latest");
    CHECK(doc.at("requests") == 6);
    CHECK(doc.at("concurrency") == 3);
    CHECK(doc.at("errors") == 0);
    std::size_t chats = 0;
    for (auto const& r : emulator.server.requests())
        chats += r.target == "/api/chat" ? 1 : 0;
    CHECK(chats == 6);
    for (char const* key : {"time_to_first_token_s", "tokens_per_second", "total_s", "server_tokens_per_second"}) {
        INFO(key);
        auto const& s = doc.at(key).as_object();
        CHECK(s.at("count") == 6);
        CHECK(s.at("p50").to_number<double>() <= s.at("p90").to_number<double>());
        CHECK(s.at("p90").to_number<double>() <= s.at("p99").to_number<double>());
    }
    // The emulator reports 5 tokens in 51 ms for "hi there", every time.
    CHECK(doc.at("server_tokens_per_second").at("p99").to_number<double>() == Approx(5 / 0.051));

    auto const table = test::run_cli({"bench-model", "--provider", "ollama", "--url", url, "-m", "llama3.2:latest",
                                      "-n", "2", "-p", "hi there"});
    INFO(table.err);
    REQUIRE(table.code == 0);
    CHECK(table.out.starts_with("llama3.2:latest on ollama: 2 requests, concurrency 1, 0 errors, "));
    CHECK(table.out.find("tokens/s (server)") != std::string::npos);
    CHECK(table.out.find("98.0") != std::string::npos);
    CHECK(table.out.find("time to first token (s)") != std::string::npos);
}

// Providers made by the registry from a config file take options given in code (logger,
// concurrency, retry backoff, provider-specific fields): the cascade overrides only what it sets.

#include <llmio/lmstudio/factory.hpp>
#include <llmio/ollama/factory.hpp>
#include <llmio/openai/factory.hpp>

#include "support/emulator_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <vector>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// A config file named after `tag` in the temp directory, removed at the end of the test.
struct ConfigFileOnDisk {
    ConfigFileOnDisk(std::string const& tag, std::string const& text)
        : path(std::filesystem::temp_directory_path() / ("llmio_code_options_" + tag + ".json"))
    {
        std::ofstream(path) << text;
    }
    ~ConfigFileOnDisk() { std::filesystem::remove(path); }

    Environment env() const { return Environment::from_map({{"LLMIO_CONFIG", path.string()}}); }

    std::filesystem::path path;
};

struct Lines {
    std::mutex mutex;
    std::vector<std::string> lines;

    Logger logger()
    {
        return [this](LogLevel, std::string_view line) {
            std::lock_guard lock(mutex);
            lines.emplace_back(line);
        };
    }
    bool any_starts_with(std::string const& prefix)
    {
        std::lock_guard lock(mutex);
        return std::any_of(lines.begin(), lines.end(), [&](std::string const& l) { return l.starts_with(prefix); });
    }
};

ChatRequest hello(std::string model)
{
    ChatRequest r;
    r.model = std::move(model);
    r.messages = {Message::user("hello")};
    return r;
}

} // namespace

TEST_CASE("registry + config file: the code's logger and http options apply, the file's settings win",
          "[config][registry]")
{
    test::OpenAiEmulatorFixture emulator;
    ConfigFileOnDisk file("openai_" + std::to_string(emulator.port()),
                          R"({"providers": {"openai": {"base_url": ")" + emulator.server.base_url() +
                              R"(/v1", "connect_timeout_s": 3, "max_retries": 0}}})");
    Lines log;
    openai::Options base;
    base.http.logger = log.logger();
    base.http.timeouts.idle = 7s;
    base.http.timeouts.connect = 99s; // the file says 3
    base.http.concurrency.max_in_flight = 3;
    base.http.concurrency.queue_timeout = 4s;
    base.retry.initial_backoff = 123ms;
    base.retry.max_retries = 9; // the file says 0

    auto const answer = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
        // In the coroutine: the providers it adds hold sockets of this io_context, so they must
        // not outlive it.
        ProviderRegistry registry;
        openai::register_provider(registry, file.env(), base);
        boost::json::object providers;
        providers["openai"] = boost::json::object{};
        boost::json::object config;
        config["providers"] = std::move(providers);
        auto const names = registry.add_from_config(ex, config);
        REQUIRE(names == std::vector<std::string>{"openai"});
        auto provider = std::dynamic_pointer_cast<openai::OpenAICompatibleProvider>(registry.get("openai"));
        REQUIRE(provider);
        auto const& options = provider->transport().options();
        CHECK(options.http.timeouts.connect == 3s);
        CHECK(options.http.timeouts.idle == 7s);
        CHECK(options.http.concurrency.max_in_flight == 3);
        CHECK(options.http.concurrency.queue_timeout == 4s);
        CHECK(options.retry.max_retries == 0);
        CHECK(options.retry.initial_backoff == 123ms);
        co_return co_await provider->chat(hello("gpt-4o-mini"));
    });
    CHECK_FALSE(answer.content.empty());
    CHECK(log.any_starts_with("POST " + emulator.server.base_url() + "/v1/chat/completions -> 200 in "));
}

TEST_CASE("registry + config file: Ollama and LM Studio keep the code's logger and own options", "[config][registry]")
{
    test::OllamaEmulatorFixture ollama;
    ConfigFileOnDisk file("ollama_" + std::to_string(ollama.server.port()),
                          R"({"providers": {"ollama": {"base_url": ")" + ollama.server.base_url() + R"("}}})");
    Lines log;
    ollama::Options base;
    base.http.logger = log.logger();
    base.keep_alive = "10m";
    ProviderRegistry registry;
    ollama::register_provider(registry, file.env(), base);
    lmstudio::Options lms_base;
    lms_base.ttl = std::chrono::seconds(42);
    lms_base.http.concurrency.max_in_flight = 2;
    lmstudio::register_provider(registry, file.env(), lms_base);
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<bool> {
        auto provider = registry.create("ollama", ex);
        co_await provider->chat(hello("llama3.2"));
        auto lms = std::dynamic_pointer_cast<lmstudio::Provider>(registry.create("lmstudio", ex));
        REQUIRE(lms);
        CHECK(lms->options().ttl == std::chrono::seconds(42));
        CHECK(lms->options().http.concurrency.max_in_flight == 2);
        CHECK(lms->options().base_url == lmstudio::kDefaultBaseUrl); // neither code nor file set it
        co_return true;
    });
    CHECK(boost::json::parse(ollama.server.last_request()->body).at("keep_alive") == "10m");
    CHECK(log.any_starts_with("POST " + ollama.server.base_url() + "/api/chat -> 200 in "));
}

TEST_CASE("registry + config file: a concurrency limit given in code holds", "[config][registry]")
{
    // The server holds the first request until the test releases it; with one slot, the other
    // request waits in the client's queue (and times out there) instead of reaching the server.
    std::promise<void> release;
    auto released = release.get_future().share();
    test::ScriptedServer server([released](test::ServerConnection& c) -> asio::awaitable<void> {
        while (auto request = co_await c.read_request()) {
            (void)released.wait_for(20s); // blocks only this test server's thread, bounded
            co_await c.write(test::http_response(
                200, R"({"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,)"
                     R"("message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]})"));
        }
    });
    ConfigFileOnDisk file("limit_" + std::to_string(server.port()),
                          R"({"providers": {"openai": {"base_url": ")" + server.base_url() +
                              R"(/v1", "max_retries": 0}}})");
    openai::Options base;
    base.http.concurrency.max_in_flight = 1;
    base.http.concurrency.queue_timeout = 1ms;
    ProviderRegistry registry;
    openai::register_provider(registry, file.env(), base);

    std::atomic<int> answered{0};
    std::atomic<int> queue_timeouts{0};
    std::atomic<int> other_errors{0};
    std::once_flag once;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<bool> {
        auto provider = registry.create("openai", ex);
        for (int i = 0; i < 2; ++i)
            asio::co_spawn(ex, provider->chat(hello("m")), [&, provider](std::exception_ptr e, ChatResponse) {
                if (!e) {
                    ++answered;
                    return;
                }
                try {
                    std::rethrow_exception(e);
                } catch (TimeoutError const& t) {
                    (t.code() == errc::queue_timeout ? queue_timeouts : other_errors)++;
                } catch (...) {
                    ++other_errors;
                }
                std::call_once(once, [&] { release.set_value(); });
            });
        co_return true;
    });
    CHECK(answered == 1);
    CHECK(queue_timeouts == 1);
    CHECK(other_errors == 0);
    CHECK(server.accepted() == 1);
}

TEST_CASE("registry + config file: the file's host policy refuses before connecting", "[config][registry][host_policy]")
{
    test::OpenAiEmulatorFixture emulator;
    ConfigFileOnDisk file("policy_" + std::to_string(emulator.port()),
                          R"({"providers": {"openai": {"base_url": ")" + emulator.server.base_url() +
                              R"(/v1", "deny_private": true, "max_retries": 0}}})");
    ProviderRegistry registry;
    openai::register_provider(registry, file.env());
    auto const refusal = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::string> {
        auto provider = registry.create("openai", ex);
        try {
            co_await provider->chat(hello("gpt-4o-mini"));
        } catch (InvalidRequestError const& e) {
            CHECK(e.code() == errc::invalid_endpoint);
            CHECK(e.provider() == "openai");
            co_return e.info().detail;
        }
        co_return "no error";
    });
    CHECK(refusal == "host 127.0.0.1 is a private or loopback address, refused by the host policy's deny_private; "
                     "list it in allow_hosts to reach it");
    CHECK(emulator.server.accepted_connections() == 0);

    // Listed in allow_hosts (explicit settings), which wins over the file's deny_private.
    auto const answer = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
        auto provider = registry.create("openai", ex, boost::json::object{{"allow_hosts", boost::json::array{"127.0.0.1"}}});
        co_return co_await provider->chat(hello("gpt-4o-mini"));
    });
    CHECK_FALSE(answer.content.empty());
    CHECK(emulator.server.accepted_connections() == 1);
}

// llmio::Router with local servers (Ollama emulators): auto-load once for many calls,
// preference for servers that hold the model, keep-warm after an eviction, active health
// checks, and the outage goal (a dead primary costs at most two calls plus one probe per
// backoff interval).

#include "support/emulator_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/error.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/openai/provider.hpp>
#include <llmio/router.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using emulators::Fault;
using Clock = std::chrono::steady_clock;

namespace {

std::shared_ptr<ModelProvider> ollama_at(asio::any_io_executor ex, std::string base_url, std::string name)
{
    ollama::Options o;
    o.base_url = std::move(base_url);
    o.name = std::move(name);
    return std::make_shared<ollama::OllamaProvider>(std::move(ex), std::move(o));
}

ChatRequest ask(std::string model, std::string text)
{
    ChatRequest r;
    r.model = std::move(model);
    r.messages.push_back(Message::user(std::move(text)));
    return r;
}

bool is_load(emulators::RecordedRequest const& r)
{
    if (r.target != "/api/generate")
        return false;
    auto const body = boost::json::parse(r.body).as_object();
    auto const* keep_alive = body.if_contains("keep_alive");
    bool const unload = keep_alive && (*keep_alive == 0 || *keep_alive == "0");
    return !body.contains("prompt") && !unload;
}

std::size_t count(emulators::EmulatorServer const& server, std::string_view target)
{
    auto const requests = server.requests();
    return static_cast<std::size_t>(std::count_if(requests.begin(), requests.end(),
                                                  [&](auto const& r) { return r.target == target; }));
}

std::size_t loads(emulators::EmulatorServer const& server)
{
    auto const requests = server.requests();
    return static_cast<std::size_t>(std::count_if(requests.begin(), requests.end(), is_load));
}

bool holds(emulators::OllamaEmulator const& emulator, std::string const& model)
{
    auto const loaded = emulator.loaded();
    return std::find(loaded.begin(), loaded.end(), model) != loaded.end();
}

// Runs `n` chats on `router` at once and returns their answers in order.
asio::awaitable<std::vector<std::string>> chats_at_once(Router& router, std::string route, int n)
{
    auto const ex = co_await asio::this_coro::executor;
    auto one = [&router, route](int i) -> asio::awaitable<std::string> {
        auto const answer = co_await router.chat(ask(route, "q" + std::to_string(i)));
        co_return answer.content;
    };
    using Op = decltype(asio::co_spawn(ex, one(0), asio::deferred));
    std::vector<Op> ops;
    for (int i = 0; i < n; ++i)
        ops.push_back(asio::co_spawn(ex, one(i), asio::deferred));
    auto [order, errors, answers] = co_await asio::experimental::make_parallel_group(std::move(ops))
                                        .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    (void)order;
    for (auto const& e : errors)
        if (e)
            std::rethrow_exception(e);
    co_return std::move(answers);
}

} // namespace

TEST_CASE("router local: 20 calls at once load a downloaded model once", "[router][local]")
{
    test::OllamaEmulatorFixture box;
    REQUIRE_FALSE(holds(*box.dialect, "llama3.2:latest"));
    auto const answers = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::vector<std::string>> {
        RouterOptions o;
        o.providers = {{"box", ollama_at(ex, box.server.base_url(), "box")}};
        o.routes["chat"].targets = {{{"box"}, "llama3.2"}};
        Router router(std::move(o));
        co_return co_await chats_at_once(router, "chat", 20);
    });
    REQUIRE(answers.size() == 20);
    for (int i = 0; i < 20; ++i)
        CHECK(answers[static_cast<std::size_t>(i)] == "Hello! You said: q" + std::to_string(i));
    CHECK(loads(box.server) == 1);
    CHECK(count(box.server, "/api/chat") == 20);
    CHECK(holds(*box.dialect, "llama3.2:latest"));
}

TEST_CASE("router local: without auto_load nothing is loaded ahead of the call", "[router][local]")
{
    test::OllamaEmulatorFixture box;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        RouterOptions o;
        o.providers = {{"box", ollama_at(ex, box.server.base_url(), "box")}};
        o.routes["chat"].targets = {{{"box"}, "llama3.2"}};
        o.routes["chat"].auto_load = false;
        Router router(std::move(o));
        auto const answer = co_await router.chat(ask("chat", "hi"));
        CHECK(answer.content == "Hello! You said: hi");
    });
    CHECK(loads(box.server) == 0);
    CHECK(count(box.server, "/api/ps") == 0);
}

TEST_CASE("router local: a server that holds the model is preferred to one that would load it", "[router][local]")
{
    test::OllamaEmulatorFixture cold;
    test::OllamaEmulatorFixture warm;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto warm_provider = ollama_at(ex, warm.server.base_url(), "warm");
        LoadOptions defaults;
        co_await warm_provider->model_manager()->load("llama3.2", defaults);
        RouterOptions o;
        o.providers = {{"cold", ollama_at(ex, cold.server.base_url(), "cold")}, {"warm", warm_provider}};
        o.routes["chat"].targets = {{{"cold", "warm"}, "llama3.2"}};
        o.seed = 3;
        Router router(std::move(o));
        auto const states = co_await router.check_now(); // learns what each server holds
        REQUIRE(states.size() == 2);
        CHECK(states[0].name == "cold");
        CHECK(states[0].loaded_models == std::vector<std::string>{});
        CHECK(states[1].name == "warm");
        CHECK(states[1].loaded_models == std::vector<std::string>{"llama3.2:latest"});
        for (int i = 0; i < 10; ++i) {
            auto const answer = co_await router.chat(ask("chat", "hi"));
            CHECK(answer.content == "Hello! You said: hi");
        }
    });
    CHECK(count(cold.server, "/api/chat") == 0);
    CHECK(count(warm.server, "/api/chat") == 10);
    CHECK(loads(cold.server) == 0);
}

TEST_CASE("router local: a model the server does not have falls over to the next target", "[router][local]")
{
    test::OllamaEmulatorFixture box;
    test::OpenAiEmulatorFixture cloud;
    std::vector<std::string> log;
    auto const answer = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
        openai::Options c;
        c.base_url = cloud.server.base_url();
        c.name = "cloud";
        RouterOptions o;
        o.providers = {{"box", ollama_at(ex, box.server.base_url(), "box")},
                       {"cloud", std::make_shared<openai::OpenAICompatibleProvider>(ex, std::move(c))}};
        o.routes["chat"].targets = {{{"box"}, "qwen3-coder:30b"}, {{"cloud"}, "gpt-4o-mini"}};
        o.logger = [&](LogLevel, std::string_view text) { log.emplace_back(text); };
        Router router(std::move(o));
        co_return co_await router.chat(ask("chat", "hi"));
    });
    CHECK(answer.content == "Hello! You said: hi");
    CHECK(count(box.server, "/api/chat") == 0); // the failed load said it all
    CHECK(loads(box.server) == 1);
    CHECK(count(cloud.server, "/v1/chat/completions") == 1);
    CHECK(std::find(log.begin(), log.end(), "router: loading qwen3-coder:30b on box") != log.end());
    bool const fell_over = std::any_of(log.begin(), log.end(), [](std::string const& line) {
        return line.starts_with("router: chat: box/qwen3-coder:30b failed (") &&
               line.ends_with("), trying the next candidate");
    });
    CHECK(fell_over);
}

TEST_CASE("router local: keep-warm loads a kept model again after the server evicted it", "[router][local]")
{
    test::OllamaEmulatorFixture box;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto provider = ollama_at(ex, box.server.base_url(), "box");
        RouterOptions o;
        o.providers = {{"box", provider}};
        o.routes["chat"].targets = {{{"box"}, "llama3.2"}};
        o.routes["chat"].keep_warm = true;
        o.routes["small"].targets = {{{"box"}, "qwen3"}}; // not kept
        Router router(std::move(o));

        co_await router.keep_warm_now();
        CHECK(holds(*box.dialect, "llama3.2:latest"));
        CHECK_FALSE(holds(*box.dialect, "qwen3:latest"));
        CHECK(loads(box.server) == 1);
        auto const load = boost::json::parse(box.server.last_request()->body).as_object();
        CHECK(load.at("keep_alive") == "86400s"); // held for a day, not Ollama's 5 minutes

        co_await router.keep_warm_now(); // still held: nothing to do
        CHECK(loads(box.server) == 1);

        co_await provider->model_manager()->unload("llama3.2"); // the server evicts it
        CHECK_FALSE(holds(*box.dialect, "llama3.2:latest"));
        co_await router.keep_warm_now();
        CHECK(holds(*box.dialect, "llama3.2:latest"));
        CHECK(loads(box.server) == 2);
    });
}

TEST_CASE("router local: active health checks open a circuit and close it when the server is back", "[router][health]")
{
    test::OllamaEmulatorFixture box;
    box.server.faults().add(Fault::respond(503, R"({"error":"busy"})").on("/api/version").times(2));
    std::vector<std::string> log;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        RouterOptions o;
        o.providers = {{"box", ollama_at(ex, box.server.base_url(), "box")}};
        o.routes["chat"].targets = {{{"box"}, "llama3.2"}};
        o.circuit.failures_to_open = 2;
        o.logger = [&](LogLevel, std::string_view text) { log.emplace_back(text); };
        Router router(std::move(o));

        auto states = co_await router.check_now();
        REQUIRE(states.size() == 1);
        CHECK_FALSE(states[0].healthy);
        CHECK_FALSE(states[0].circuit_open); // one failure of two
        CHECK_FALSE(states[0].loaded_models.has_value());
        states = co_await router.check_now();
        CHECK_FALSE(states[0].healthy);
        CHECK(states[0].circuit_open);
        CHECK(router.circuit("box")->open());
        states = co_await router.check_now();
        CHECK(states[0].healthy);
        CHECK(states[0].detail == "Ollama 0.12.3");
        CHECK_FALSE(states[0].circuit_open);
        CHECK(states[0].loaded_models == std::vector<std::string>{});
    });
    REQUIRE(log.size() == 2);
    CHECK(log[0].starts_with("router: box is down: "));
    CHECK(log[1] == "router: box is back");
}

TEST_CASE("router local: maintain() checks health on its interval until cancelled", "[router][health]")
{
    test::OllamaEmulatorFixture box;
    box.server.faults().add(Fault::respond(503, R"({"error":"busy"})").on("/api/version").times(1));
    std::vector<std::string> log;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        RouterOptions o;
        o.providers = {{"box", ollama_at(ex, box.server.base_url(), "box")}};
        o.routes["chat"].targets = {{{"box"}, "llama3.2"}};
        o.circuit.failures_to_open = 1;
        o.health_check_interval = 1ms;
        asio::steady_timer back(ex, Clock::time_point::max()); // fires when the circuit closes
        o.logger = [&](LogLevel, std::string_view text) {
            log.emplace_back(text);
            if (text == "router: box is back")
                back.cancel();
        };
        Router router(std::move(o));
        auto until_back = [&back]() -> asio::awaitable<void> {
            boost::system::error_code ec;
            co_await back.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        };
        // The first to finish cancels the other: maintain() must end by the cancellation.
        auto [order, maintain_error, back_error] =
            co_await asio::experimental::make_parallel_group(asio::co_spawn(ex, router.maintain(), asio::deferred),
                                                             asio::co_spawn(ex, until_back(), asio::deferred))
                .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
        CHECK(order[0] == 1);
        CHECK_FALSE(maintain_error); // it returned when cancelled
        CHECK_FALSE(back_error);
    });
    REQUIRE(log.size() == 2);
    CHECK(log[0].starts_with("router: box is down: "));
    CHECK(log[1] == "router: box is back");
    CHECK(count(box.server, "/api/version") >= 2);
}

// llmio::Router against emulators and dead ports: fallbacks before the commit point, circuits
// (with an injected clock), balancing across replicas, and the error when every server failed.

#include "support/emulator_fixture.hpp"
#include "support/expect_error.hpp"
#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <llmio/chat_stream.hpp>
#include <llmio/error.hpp>
#include <llmio/openai/provider.hpp>
#include <llmio/router.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <chrono>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using emulators::Fault;
using test::expect_error;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char const* kModel = "gpt-4o-mini";

std::shared_ptr<ModelProvider> openai_at(asio::any_io_executor ex, std::string base_url, std::string name,
                                         RetryPolicy retry = {})
{
    openai::Options o;
    o.base_url = std::move(base_url);
    o.name = std::move(name);
    o.retry = retry;
    return std::make_shared<openai::OpenAICompatibleProvider>(std::move(ex), std::move(o));
}

std::string dead_url() { return "http://127.0.0.1:" + std::to_string(test::unused_port()); }

ChatRequest ask(std::string model, std::string text)
{
    ChatRequest r;
    r.model = std::move(model);
    r.messages.push_back(Message::user(std::move(text)));
    return r;
}

// Routes "coder" to `first` then `second`, each a target of its own serving kModel.
RouterOptions two_targets(std::shared_ptr<ModelProvider> first, std::shared_ptr<ModelProvider> second)
{
    RouterOptions o;
    o.providers = {{"primary", first}, {"backup", second}};
    o.routes["coder"].targets = {{{"primary"}, kModel}, {{"backup"}, kModel}};
    o.seed = 1;
    return o;
}

std::size_t chats_received(emulators::EmulatorServer const& server)
{
    std::size_t n = 0;
    for (auto const& r : server.requests())
        n += r.target == "/v1/chat/completions" ? 1 : 0;
    return n;
}

std::string const kServiceUnavailable = R"({"error":{"message":"overloaded","type":"server_error"}})";

} // namespace

TEST_CASE("circuit breaker: opens after failures in a row, lets one probe through, backs off", "[router][circuit]")
{
    auto now = Clock::time_point{} + 1h;
    CircuitOptions options;
    options.failures_to_open = 2;
    options.open_for = 5s;
    options.max_open_for = 15s;
    CircuitBreaker circuit(options, [&] { return now; });
    using Admission = CircuitBreaker::Admission;

    circuit.failed();
    circuit.succeeded(); // a success in between: the count starts again
    circuit.failed();
    CHECK(circuit.admit() == Admission::closed);
    circuit.failed();
    CHECK(circuit.open());
    CHECK(circuit.admit() == Admission::refused);
    now += 4999ms;
    CHECK(circuit.admit() == Admission::refused);
    now += 1ms;
    CHECK(circuit.admit() == Admission::probe);
    CHECK(circuit.admit() == Admission::refused); // one probe at a time
    circuit.failed();                             // the probe failed: 10 s now
    CHECK(circuit.reopens_at() == now + 10s);
    now += 10s;
    CHECK(circuit.admit() == Admission::probe);
    circuit.failed(); // 20 s, capped at 15
    CHECK(circuit.reopens_at() == now + 15s);
    now += 15s;
    CHECK(circuit.admit() == Admission::probe);
    circuit.released(); // cancelled: the slot is free again, still open
    CHECK(circuit.admit() == Admission::probe);
    circuit.succeeded();
    CHECK_FALSE(circuit.open());
    CHECK(circuit.admit() == Admission::closed);
    circuit.failed();
    circuit.failed();
    CHECK(circuit.reopens_at() == now + 5s); // the backoff starts over

    ErrorInfo info;
    CHECK(CircuitBreaker::counts_as_failure(NetworkError(errc::connection_refused, info)));
    CHECK(CircuitBreaker::counts_as_failure(TimeoutError(errc::first_byte_timeout, info)));
    CHECK(CircuitBreaker::counts_as_failure(ServerError(errc::server_error, info)));
    CHECK_FALSE(CircuitBreaker::counts_as_failure(TimeoutError(errc::queue_timeout, info)));
    CHECK_FALSE(CircuitBreaker::counts_as_failure(RateLimitError(errc::rate_limited, info)));
    CHECK_FALSE(CircuitBreaker::counts_as_failure(InvalidRequestError(errc::invalid_request, info)));
}

TEST_CASE("router: a failing server is failed over at once, without its own retries", "[router]")
{
    test::OpenAiEmulatorFixture sick;
    test::OpenAiEmulatorFixture healthy;
    sick.server.faults().add(Fault::respond(503, kServiceUnavailable).on("/v1/chat/completions").times(-1));
    auto const answer = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
        // The sick server's provider would retry a 503 twice on its own.
        RetryPolicy retries;
        retries.max_retries = 2;
        Router router(two_targets(openai_at(ex, sick.server.base_url(), "primary", retries),
                                  openai_at(ex, healthy.server.base_url(), "backup")));
        co_return co_await router.chat(ask("coder", "hi"));
    });
    CHECK(answer.content == "Hello! You said: hi");
    CHECK(chats_received(sick.server) == 1);
    CHECK(chats_received(healthy.server) == 1);
    auto const body = boost::json::parse(healthy.server.last_request()->body);
    CHECK(body.at("model") == kModel); // the route's name became the target's model
}

TEST_CASE("router: the circuit skips a failing server without a round trip until a probe may go", "[router][circuit]")
{
    test::OpenAiEmulatorFixture primary;
    test::OpenAiEmulatorFixture backup;
    primary.server.faults().add(Fault::respond(503, kServiceUnavailable).on("/v1/chat/completions").times(2));
    auto now = Clock::time_point{} + 1h;
    std::vector<std::size_t> primary_chats;
    std::vector<bool> open;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto options = two_targets(openai_at(ex, primary.server.base_url(), "primary"),
                                   openai_at(ex, backup.server.base_url(), "backup"));
        options.circuit.failures_to_open = 2;
        options.circuit.open_for = 5s;
        options.clock = [&] { return now; };
        Router router(std::move(options));
        for (int i = 0; i < 5; ++i) {
            if (i == 3)
                now += 5s; // the circuit's wait is over: one probe
            auto const answer = co_await router.chat(ask("coder", "hi"));
            CHECK(answer.content == "Hello! You said: hi");
            primary_chats.push_back(chats_received(primary.server));
            open.push_back(router.circuit("primary")->open());
        }
    });
    // 503, 503 (the circuit opens), skipped, the probe (answered: closed), answered.
    CHECK(primary_chats == std::vector<std::size_t>{1, 2, 2, 3, 4});
    CHECK(open == std::vector<bool>{false, true, true, false, false});
    CHECK(chats_received(backup.server) == 3);
}

TEST_CASE("router: an invalid request is not sent to another server", "[router]")
{
    test::OpenAiEmulatorFixture primary;
    test::OpenAiEmulatorFixture backup;
    primary.server.faults().add(
        Fault::respond(400, R"({"error":{"message":"temperature must be at most 2","type":"invalid_request_error"}})")
            .on("/v1/chat/completions"));
    auto const e = expect_error<InvalidRequestError>([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
            Router router(two_targets(openai_at(ex, primary.server.base_url(), "primary"),
                                      openai_at(ex, backup.server.base_url(), "backup")));
            co_return co_await router.chat(ask("coder", "hi"));
        });
    });
    CHECK(e.server_message() == "temperature must be at most 2");
    CHECK(e.provider() == "primary"); // as the provider threw it
    CHECK(chats_received(backup.server) == 0);
}

TEST_CASE("router: when every server fails, the error is the most telling one and names each attempt", "[router]")
{
    test::OpenAiEmulatorFixture limited;
    limited.server.faults().add(
        Fault::respond(429, R"({"error":{"message":"slow down","type":"rate_limit_error"}})", {{"Retry-After", "7"}})
            .on("/v1/chat/completions"));
    auto const e = expect_error<RateLimitError>([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
            Router router(two_targets(openai_at(ex, limited.server.base_url(), "primary"),
                                      openai_at(ex, dead_url(), "backup", RetryPolicy::none())));
            co_return co_await router.chat(ask("coder", "hi"));
        });
    });
    CHECK(e.provider() == "router");
    CHECK(e.server_message() == "slow down");
    CHECK(e.retry_after() == std::chrono::milliseconds(7000));
    CHECK(std::string(e.what()) ==
          "rate limited: slow down (HTTP 429; provider router; no provider of route 'coder' answered "
          "(primary/gpt-4o-mini: rate limited, backup/gpt-4o-mini: connection refused))");
}

TEST_CASE("router: with every circuit open the call fails at once and says when to try again", "[router][circuit]")
{
    auto now = Clock::time_point{} + 1h;
    std::string const dead = dead_url();
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        RouterOptions o;
        o.providers = {{"only", openai_at(ex, dead, "only", RetryPolicy::none())}};
        o.routes["coder"].targets = {{{"only"}, kModel}};
        o.circuit.failures_to_open = 1;
        o.circuit.open_for = 5s;
        o.clock = [&] { return now; };
        Router router(std::move(o));
        try {
            co_await router.chat(ask("coder", "hi"));
            FAIL("no exception");
        } catch (NetworkError const& e) {
            CHECK(e.error() == errc::connection_refused);
            CHECK(e.provider() == "only"); // one server's failure is its own error
        }
        now += 2s;
        try {
            co_await router.chat(ask("coder", "hi"));
            FAIL("no exception");
        } catch (NetworkError const& e) {
            CHECK(e.error() == errc::network_error);
            CHECK(e.info().detail == "no provider of route 'coder' answered (only/gpt-4o-mini: circuit open)");
            CHECK(e.info().retry_after == std::chrono::milliseconds(3000));
        }
    });
}

TEST_CASE("router: a stream falls over before it is accepted, never after", "[router][stream]")
{
    test::OpenAiEmulatorFixture primary;
    test::OpenAiEmulatorFixture backup;

    SECTION("refused before the first byte: the backup streams the answer")
    {
        primary.server.faults().add(Fault::respond(503, kServiceUnavailable).on("/v1/chat/completions"));
        auto const answer = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
            Router router(two_targets(openai_at(ex, primary.server.base_url(), "primary"),
                                      openai_at(ex, backup.server.base_url(), "backup")));
            std::string streamed;
            auto response = co_await router.chat_stream(ask("coder", "hi"),
                                                        [&](ChatChunk const& c) { streamed += c.content; });
            CHECK(streamed == "Hello! You said: hi");
            co_return response;
        });
        CHECK(answer.content == "Hello! You said: hi");
        CHECK(chats_received(backup.server) == 1);
    }
    SECTION("cut after two events: the error reaches the caller, nothing is sent again")
    {
        primary.server.faults().add(Fault::drop_after(2).on("/v1/chat/completions"));
        auto const e = expect_error<ProviderError>([&] {
            test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
                Router router(two_targets(openai_at(ex, primary.server.base_url(), "primary"),
                                          openai_at(ex, backup.server.base_url(), "backup")));
                co_return co_await router.chat_stream(ask("coder", "hi"), [](ChatChunk const&) {});
            });
        });
        CHECK(e.provider() == "primary");
        CHECK(chats_received(primary.server) == 1);
        CHECK(chats_received(backup.server) == 0);
    }
}

TEST_CASE("router: the replicas of a target share the requests", "[router]")
{
    test::OpenAiEmulatorFixture a;
    test::OpenAiEmulatorFixture b;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        RouterOptions o;
        o.providers = {{"a", openai_at(ex, a.server.base_url(), "a")}, {"b", openai_at(ex, b.server.base_url(), "b")}};
        o.routes["coder"].targets = {{{"a", "b"}, kModel}};
        o.seed = 7;
        Router router(std::move(o));
        for (int i = 0; i < 40; ++i) {
            auto const answer = co_await router.chat(ask("coder", "hi"));
            CHECK(answer.content == "Hello! You said: hi");
        }
        CHECK(router.in_flight("a") == 0);
        CHECK(router.in_flight("b") == 0);
    });
    CHECK(chats_received(a.server) + chats_received(b.server) == 40);
    CHECK(chats_received(a.server) >= 10);
    CHECK(chats_received(b.server) >= 10);
}

TEST_CASE("router: its models are its routes, and an unknown one is named with the choices", "[router]")
{
    test::OpenAiEmulatorFixture emulator;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        RouterOptions o;
        o.providers = {{"emu", openai_at(ex, emulator.server.base_url(), "emu")}};
        o.routes["coder"].targets = {{{"emu"}, kModel}};
        o.routes["writer"].targets = {{{"emu"}, kModel}};
        Router router(std::move(o));
        auto const models = co_await router.list_models();
        REQUIRE(models.size() == 2);
        CHECK(models[0].id == "coder");
        CHECK(models[1].id == "writer");
        bool const coder = co_await router.supports_model("coder");
        bool const model = co_await router.supports_model(kModel);
        CHECK(coder);
        CHECK_FALSE(model); // a model of a provider is no route
        try {
            co_await router.chat(ask("poet", "hi"));
            FAIL("no exception");
        } catch (ModelNotFoundError const& e) {
            CHECK(e.provider() == "router");
            CHECK(e.info().detail == "no route named 'poet'");
            CHECK(e.hint() == "the routes are: coder, writer");
        }
        CHECK(emulator.server.requests().empty());
    });
}

TEST_CASE("router: a configuration that names a missing provider is refused", "[router]")
{
    RouterOptions o;
    o.routes["coder"].targets = {{{"ghost"}, kModel}};
    auto const e = expect_error<InvalidRequestError>([&] { Router router(o); });
    CHECK(e.info().detail == "route 'coder' names provider 'ghost', which the router does not have");
}

TEST_CASE("router: with one of two replicas down, 100 calls are all answered", "[router]")
{
    test::OpenAiEmulatorFixture alive;
    std::string const dead = dead_url();
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        RouterOptions o;
        o.providers = {{"alive", openai_at(ex, alive.server.base_url(), "alive")},
                       {"dead", openai_at(ex, dead, "dead")}};
        o.routes["coder"].targets = {{{"alive", "dead"}, kModel}};
        Router router(std::move(o));
        for (int i = 0; i < 100; ++i) {
            auto const answer = co_await router.chat(ask("coder", "q" + std::to_string(i)));
            CHECK(answer.content == "Hello! You said: q" + std::to_string(i));
        }
        CHECK(router.circuit("dead")->open());
    });
    CHECK(chats_received(alive.server) == 100);
}

TEST_CASE("router: equal replicas under concurrent load share it within 10 percent", "[router]")
{
    test::OpenAiEmulatorFixture a;
    test::OpenAiEmulatorFixture b;
    // Answers take a while, so that calls overlap and in-flight counts tell the replicas apart.
    a.server.faults().add(Fault::delay(20ms).on("/v1/chat/completions").times(-1));
    b.server.faults().add(Fault::delay(20ms).on("/v1/chat/completions").times(-1));
    test::run_async(
        [&](asio::any_io_executor ex) -> asio::awaitable<void> {
            RouterOptions o;
            o.providers = {{"a", openai_at(ex, a.server.base_url(), "a")}, {"b", openai_at(ex, b.server.base_url(), "b")}};
            o.routes["coder"].targets = {{{"a", "b"}, kModel}};
            Router router(std::move(o));
            auto worker = [&router]() -> asio::awaitable<void> {
                for (int i = 0; i < 20; ++i) {
                    auto const answer = co_await router.chat(ask("coder", "hi"));
                    CHECK(answer.content == "Hello! You said: hi");
                }
            };
            using Op = decltype(asio::co_spawn(ex, worker(), asio::deferred));
            std::vector<Op> workers;
            for (int w = 0; w < 10; ++w)
                workers.push_back(asio::co_spawn(ex, worker(), asio::deferred));
            auto [order, errors] = co_await asio::experimental::make_parallel_group(std::move(workers))
                                       .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
            (void)order;
            for (auto const& e : errors)
                CHECK_FALSE(e);
        },
        std::chrono::seconds(60));
    auto const to_a = chats_received(a.server);
    auto const to_b = chats_received(b.server);
    CHECK(to_a + to_b == 200);
    CHECK(to_a >= 90);
    CHECK(to_a <= 110);
}

TEST_CASE("router: a primary down for 60 s costs at most two calls plus one probe per backoff", "[router][circuit]")
{
    // A call every 4 s on an injected clock, with the default circuit settings: 2 failures open
    // it for 5 s, each failed probe doubles the wait (up to 60 s).
    test::OpenAiEmulatorFixture primary;
    test::OpenAiEmulatorFixture backup;
    primary.server.faults().add(Fault::respond(503, kServiceUnavailable).on("/v1/chat/completions").times(-1));
    auto now = Clock::time_point{} + 1h;
    std::vector<int> primary_called_at;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto options = two_targets(openai_at(ex, primary.server.base_url(), "primary"),
                                   openai_at(ex, backup.server.base_url(), "backup"));
        options.clock = [&] { return now; };
        Router router(std::move(options));
        std::size_t seen = 0;
        for (int t = 0; t <= 88; t += 4) {
            if (t == 60)
                primary.server.faults().clear(); // the outage is over
            auto const answer = co_await router.chat(ask("coder", "hi"));
            CHECK(answer.content == "Hello! You said: hi");
            auto const calls = chats_received(primary.server);
            CHECK(calls - seen <= 1); // never more than one attempt per call
            if (calls > seen)
                primary_called_at.push_back(t);
            seen = calls;
            now += 4s;
        }
    });
    // Two failures, probes after 5, 10 and 20 s (each failing), then the probe after 40 s finds
    // the server back, and it takes every call again.
    CHECK(primary_called_at == std::vector<int>{0, 4, 12, 24, 44, 84, 88});
    CHECK(chats_received(backup.server) == 21);
}

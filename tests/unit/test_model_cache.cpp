// ModelCache: TTL, single-flight refresh across coroutines and threads, error delivery,
// invalidation and cancellation of waiters and of the refreshing caller.

#include <llmio/error.hpp>
#include <llmio/model_cache.hpp>

#include "support/run_async.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using llmio::ModelCache;
using llmio::ModelInfo;
using namespace std::chrono_literals;

namespace {

ModelInfo model(std::string id, std::int64_t context = 0)
{
    ModelInfo info;
    info.id = std::move(id);
    if (context != 0)
        info.capabilities.context_length = context;
    return info;
}

std::vector<std::string> ids(std::vector<ModelInfo> const& models)
{
    std::vector<std::string> out;
    for (auto const& m : models)
        out.push_back(m.id);
    return out;
}

// A server's model list. Fetch number n returns `base` plus "fetch-<n>", so a test can tell
// which fetch produced a list. The first `gated` fetches wait until `open()` (or until the
// fetching coroutine is cancelled). `fail_on` makes fetch number n throw a ServerError.
struct FakeLister {
    explicit FakeLister(asio::any_io_executor executor) : gate(std::move(executor), 64) {}

    std::atomic<int> fetches{0};
    int gated = 0;
    std::vector<int> fail_on;
    std::vector<ModelInfo> base{model("qwen/qwen3-8b", 32768), model("llama3:latest")};
    asio::experimental::concurrent_channel<void(boost::system::error_code)> gate;

    void open() { REQUIRE(gate.try_send(boost::system::error_code{})); }

    ModelCache::Fetch fetch()
    {
        return [this]() -> asio::awaitable<std::vector<ModelInfo>> {
            int const n = ++fetches;
            if (n <= gated)
                co_await gate.async_receive(asio::use_awaitable);
            for (int f : fail_on)
                if (f == n) {
                    llmio::ErrorInfo info;
                    info.provider = "fake";
                    info.http_status = 503;
                    info.server_message = "loading, fetch " + std::to_string(n);
                    llmio::throw_error(llmio::errc::server_error, std::move(info));
                }
            auto list = base;
            list.push_back(model("fetch-" + std::to_string(n)));
            co_return list;
        };
    }
};

// A clock the test moves by hand.
struct ManualClock {
    std::chrono::steady_clock::time_point now = std::chrono::steady_clock::time_point{} + 1h;
    ModelCache::Clock function()
    {
        return [this] { return now; };
    }
};

// Outcome of one spawned call.
struct Outcome {
    bool finished = false;
    std::vector<std::string> ids;
    std::exception_ptr error;
};

std::string what_of(std::exception_ptr const& error)
{
    try {
        std::rethrow_exception(error);
    } catch (std::exception const& e) {
        return e.what();
    }
}

template <class Exception>
bool is_a(std::exception_ptr const& error)
{
    try {
        std::rethrow_exception(error);
    } catch (Exception const&) {
        return true;
    } catch (...) {
        return false;
    }
}

// Spawns `cache.models()` on `io`, recording into `out`, cancellable through `signal`.
void spawn_models(asio::io_context& io, ModelCache& cache, Outcome& out,
                  asio::cancellation_signal* signal = nullptr)
{
    auto handler = [&out](std::exception_ptr e, std::vector<ModelInfo> models) {
        out.finished = true;
        out.error = e;
        out.ids = ids(models);
    };
    if (signal)
        asio::co_spawn(io, cache.models(), asio::bind_cancellation_slot(signal->slot(), handler));
    else
        asio::co_spawn(io, cache.models(), handler);
}

} // namespace

TEST_CASE("ModelCache serves a fresh list without fetching and refetches after the TTL",
          "[cache]")
{
    asio::io_context io;
    FakeLister lister(io.get_executor());
    ManualClock clock;
    ModelCache cache(lister.fetch(), {.ttl = 5min, .clock = clock.function(), .key = {}});

    auto run = [&](auto make) {
        auto future = asio::co_spawn(io, make(), asio::use_future);
        io.restart();
        io.restart();
    io.run_for(5s);
        return future.get();
    };
    auto models = [&] { return run([&] { return cache.models(); }); };

    CHECK_FALSE(cache.fresh());
    CHECK_FALSE(cache.peek("qwen/qwen3-8b").has_value());
    CHECK(ids(models()) == std::vector<std::string>{"qwen/qwen3-8b", "llama3:latest", "fetch-1"});
    CHECK(lister.fetches == 1);

    clock.now += 4min + 59s;
    CHECK(cache.fresh());
    CHECK(ids(models()) == std::vector<std::string>{"qwen/qwen3-8b", "llama3:latest", "fetch-1"});
    auto const peeked = cache.peek("qwen/qwen3-8b");
    REQUIRE(peeked.has_value());
    CHECK(peeked->capabilities.context_length == 32768);
    CHECK(lister.fetches == 1);

    clock.now += 1s; // exactly 5 minutes after the fetch began: expired
    CHECK_FALSE(cache.fresh());
    CHECK_FALSE(cache.peek("qwen/qwen3-8b").has_value());
    CHECK(ids(models()) == std::vector<std::string>{"qwen/qwen3-8b", "llama3:latest", "fetch-2"});
    CHECK(lister.fetches == 2);

    // find() on a hit does not fetch either.
    auto found = run([&] { return cache.find("llama3:latest"); });
    REQUIRE(found.has_value());
    CHECK(found->id == "llama3:latest");
    CHECK(lister.fetches == 2);
}

TEST_CASE("ModelCache with a zero TTL refreshes on every call", "[cache]")
{
    auto const fetched = llmio::test::run_async([](asio::any_io_executor ex) -> asio::awaitable<int> {
        FakeLister lister(ex);
        ModelCache cache(lister.fetch(), {.ttl = 0s, .clock = {}, .key = {}});
        auto first = co_await cache.models();
        auto second = co_await cache.models();
        CHECK(first.back().id == "fetch-1");
        CHECK(second.back().id == "fetch-2");
        CHECK_FALSE(cache.fresh());
        co_return lister.fetches.load();
    });
    CHECK(fetched == 2);
}

TEST_CASE("ModelCache::find refreshes once on a miss before answering no", "[cache]")
{
    llmio::test::run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
        FakeLister lister(ex);
        ModelCache cache(lister.fetch());

        // Empty cache: one fetch answers.
        auto qwen = co_await cache.find("qwen/qwen3-8b");
        REQUIRE(qwen.has_value());
        CHECK(qwen->capabilities.context_length == 32768);
        CHECK(lister.fetches == 1);

        // A model the server gained since: the miss refreshes and finds it.
        lister.base.push_back(model("new-model"));
        auto added = co_await cache.find("new-model");
        REQUIRE(added.has_value());
        CHECK(added->id == "new-model");
        CHECK(lister.fetches == 2);

        // Unknown: exactly one more fetch, then "no".
        auto const unknown = co_await cache.find("no-such-model");
        CHECK_FALSE(unknown.has_value());
        CHECK(lister.fetches == 3);

        // Ids are case-sensitive.
        auto const other_case = co_await cache.find("QWEN/Qwen3-8B");
        CHECK_FALSE(other_case.has_value());
        CHECK(lister.fetches == 4);
        CHECK_FALSE(cache.peek("QWEN/Qwen3-8B").has_value());
        CHECK(cache.peek("qwen/qwen3-8b").has_value());
    });
}

TEST_CASE("ModelCache key function maps ids the server treats as equal", "[cache]")
{
    llmio::test::run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
        FakeLister lister(ex);
        lister.base = {model("llama3:latest"), model("qwen3:8b"), model("qwen3:8b", 4096)};
        auto const ollama_key = [](std::string_view id) {
            std::string key(id);
            if (key.find(':') == std::string::npos)
                key += ":latest";
            return key;
        };
        ModelCache cache(lister.fetch(), {.ttl = 5min, .clock = {}, .key = ollama_key});
        auto llama = co_await cache.find("llama3");
        REQUIRE(llama.has_value());
        CHECK(llama->id == "llama3:latest");
        // Listed twice: the first entry answers; models() keeps the list as the server sent it.
        auto qwen = co_await cache.find("qwen3:8b");
        REQUIRE(qwen.has_value());
        CHECK_FALSE(qwen->capabilities.context_length.has_value());
        auto const all = co_await cache.models();
        CHECK(all.size() == 4);
        CHECK(lister.fetches == 1);
    });
}

TEST_CASE("ModelCache::invalidate forces the next call to fetch", "[cache]")
{
    llmio::test::run_async([](asio::any_io_executor ex) -> asio::awaitable<void> {
        FakeLister lister(ex);
        ModelCache cache(lister.fetch());
        auto const first = co_await cache.models();
        auto const second = co_await cache.models();
        CHECK(first.back().id == "fetch-1");
        CHECK(second.back().id == "fetch-1");
        cache.invalidate();
        CHECK_FALSE(cache.fresh());
        CHECK_FALSE(cache.peek("qwen/qwen3-8b").has_value());
        auto const third = co_await cache.models();
        CHECK(third.back().id == "fetch-2");
        CHECK(lister.fetches == 2);
    });
}

TEST_CASE("ModelCache rejects an empty fetch function and a negative TTL", "[cache]")
{
    try {
        ModelCache cache{ModelCache::Fetch{}};
        FAIL("no exception");
    } catch (llmio::InvalidRequestError const& e) {
        CHECK(e.error() == llmio::errc::invalid_request);
        CHECK(std::string(e.what()) ==
              "invalid request (ModelCache needs a function that lists the models)");
    }
    asio::io_context io;
    FakeLister lister(io.get_executor());
    CHECK_THROWS_MATCHES(ModelCache(lister.fetch(), {.ttl = -1s, .clock = {}, .key = {}}),
                         llmio::InvalidRequestError,
                         Catch::Message("invalid request (ModelCache ttl must not be negative)"));
}

TEST_CASE("50 concurrent callers cause exactly one fetch", "[cache]")
{
    asio::io_context io;
    FakeLister lister(io.get_executor());
    lister.gated = 1;
    ModelCache cache(lister.fetch());

    std::vector<Outcome> outcomes(50);
    for (auto& out : outcomes)
        spawn_models(io, cache, out);
    io.restart();
    io.poll(); // every caller has started: one fetches, 49 wait
    CHECK(lister.fetches == 1);
    for (auto const& out : outcomes)
        CHECK_FALSE(out.finished);

    lister.open();
    io.restart();
    io.run_for(5s);
    CHECK(lister.fetches == 1);
    for (auto const& out : outcomes) {
        CHECK(out.finished);
        CHECK_FALSE(out.error);
        CHECK(out.ids == std::vector<std::string>{"qwen/qwen3-8b", "llama3:latest", "fetch-1"});
    }
}

TEST_CASE("50 concurrent callers on a 2-thread io_context cause exactly one fetch", "[cache]")
{
    asio::io_context io(2);
    FakeLister lister(io.get_executor());
    lister.gated = 1;
    ModelCache cache(lister.fetch());

    std::mutex mutex;
    std::vector<std::vector<std::string>> results;
    std::vector<std::string> errors;
    std::atomic<int> started{0};
    auto guard = asio::make_work_guard(io);
    for (int i = 0; i < 50; ++i) {
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<std::vector<ModelInfo>> {
                ++started;
                co_return co_await cache.models();
            },
            [&](std::exception_ptr e, std::vector<ModelInfo> models) {
                std::lock_guard lock(mutex);
                if (e)
                    errors.push_back(what_of(e));
                else
                    results.push_back(ids(models));
            });
    }
    // Open the gate once every caller is inside models() (a late one would find the fresh list,
    // which must not cause a fetch either).
    asio::steady_timer poll(io);
    std::function<void()> open_when_all_started = [&] {
        if (started < 50) {
            poll.expires_after(1ms);
            poll.async_wait([&](boost::system::error_code) { open_when_all_started(); });
            return;
        }
        poll.expires_after(20ms);
        poll.async_wait([&](boost::system::error_code) {
            lister.open();
            guard.reset();
        });
    };
    asio::post(io, open_when_all_started);

    std::thread second([&] { io.run_for(10s); });
    io.run_for(10s);
    second.join();

    CHECK(lister.fetches == 1);
    CHECK(errors.empty());
    REQUIRE(results.size() == 50);
    for (auto const& r : results)
        CHECK(r == std::vector<std::string>{"qwen/qwen3-8b", "llama3:latest", "fetch-1"});
}

TEST_CASE("A failing refresh gives every waiter the same typed error, and the next call fetches again",
          "[cache]")
{
    asio::io_context io;
    FakeLister lister(io.get_executor());
    lister.gated = 1;
    lister.fail_on = {1};
    ModelCache cache(lister.fetch());

    std::vector<Outcome> outcomes(50);
    for (auto& out : outcomes)
        spawn_models(io, cache, out);
    io.restart();
    io.poll();
    lister.open();
    io.restart();
    io.run_for(5s);

    CHECK(lister.fetches == 1);
    void const* first_object = nullptr;
    for (auto const& out : outcomes) {
        REQUIRE(out.finished);
        REQUIRE(out.error);
        try {
            std::rethrow_exception(out.error);
        } catch (llmio::ServerError const& e) {
            CHECK(e.error() == llmio::errc::server_error);
            CHECK(e.http_status() == 503);
            CHECK(e.server_message() == "loading, fetch 1");
            CHECK(std::string(e.what()) == "server error: loading, fetch 1 (HTTP 503; provider fake)");
            // The very same exception object, not a lookalike.
            if (!first_object)
                first_object = &e;
            CHECK(static_cast<void const*>(&e) == first_object);
        } catch (...) {
            FAIL("not a ServerError: " << what_of(out.error));
        }
    }
    CHECK_FALSE(cache.fresh());

    Outcome next;
    spawn_models(io, cache, next);
    io.restart();
    io.run_for(5s);
    REQUIRE(next.finished);
    CHECK_FALSE(next.error);
    CHECK(next.ids.back() == "fetch-2");
    CHECK(lister.fetches == 2);
}

TEST_CASE("A cancelled waiter throws CancelledError while the refresh goes on for the others",
          "[cache]")
{
    asio::io_context io;
    FakeLister lister(io.get_executor());
    lister.gated = 1;
    ModelCache cache(lister.fetch());

    Outcome leader, cancelled, other;
    asio::cancellation_signal signal;
    spawn_models(io, cache, leader);
    spawn_models(io, cache, cancelled, &signal);
    spawn_models(io, cache, other);
    io.restart();
    io.poll();
    CHECK(lister.fetches == 1);

    signal.emit(asio::cancellation_type::terminal);
    io.restart();
    io.poll();
    REQUIRE(cancelled.finished);
    CHECK(is_a<llmio::CancelledError>(cancelled.error));
    CHECK(what_of(cancelled.error) == "operation cancelled (cancelled while waiting for the model list)");
    CHECK_FALSE(leader.finished);
    CHECK_FALSE(other.finished);

    lister.open();
    io.restart();
    io.run_for(5s);
    CHECK(lister.fetches == 1);
    for (auto* out : {&leader, &other}) {
        REQUIRE(out->finished);
        CHECK_FALSE(out->error);
        CHECK(out->ids.back() == "fetch-1");
    }
    CHECK(cache.fresh());
}

TEST_CASE("When the refreshing caller is cancelled, the oldest waiter takes over", "[cache]")
{
    asio::io_context io;
    FakeLister lister(io.get_executor());
    lister.gated = 1; // the first fetch hangs until cancelled; the takeover's fetch does not
    ModelCache cache(lister.fetch());

    Outcome leader, first_waiter, second_waiter;
    asio::cancellation_signal signal;
    spawn_models(io, cache, leader, &signal);
    spawn_models(io, cache, first_waiter);
    spawn_models(io, cache, second_waiter);
    io.restart();
    io.poll();
    CHECK(lister.fetches == 1);

    signal.emit(asio::cancellation_type::terminal);
    io.restart();
    io.run_for(5s);

    REQUIRE(leader.finished);
    CHECK(is_a<llmio::CancelledError>(leader.error));
    CHECK(what_of(leader.error) == "operation cancelled (cancelled while refreshing the model list)");
    CHECK(lister.fetches == 2);
    for (auto* out : {&first_waiter, &second_waiter}) {
        REQUIRE(out->finished);
        CHECK_FALSE(out->error);
        CHECK(out->ids.back() == "fetch-2");
    }
    CHECK(cache.fresh());
}

TEST_CASE("Cancelling the refreshing caller and then the promoted waiter still serves the last one",
          "[cache]")
{
    asio::io_context io;
    FakeLister lister(io.get_executor());
    lister.gated = 2; // the first two fetches hang until cancelled
    ModelCache cache(lister.fetch());

    Outcome leader, promoted, last;
    asio::cancellation_signal leader_signal, promoted_signal;
    spawn_models(io, cache, leader, &leader_signal);
    spawn_models(io, cache, promoted, &promoted_signal);
    spawn_models(io, cache, last);
    io.restart();
    io.poll();

    leader_signal.emit(asio::cancellation_type::terminal);
    io.restart();
    io.poll();
    CHECK(lister.fetches == 2); // the promoted waiter fetches (and hangs at the gate)
    CHECK_FALSE(promoted.finished);

    promoted_signal.emit(asio::cancellation_type::terminal);
    io.restart();
    io.run_for(5s);
    CHECK(lister.fetches == 3);
    CHECK(is_a<llmio::CancelledError>(leader.error));
    CHECK(is_a<llmio::CancelledError>(promoted.error));
    REQUIRE(last.finished);
    CHECK_FALSE(last.error);
    CHECK(last.ids.back() == "fetch-3");
}

TEST_CASE("A cancelled refresh with nobody waiting leaves the cache usable", "[cache]")
{
    asio::io_context io;
    FakeLister lister(io.get_executor());
    lister.gated = 1;
    ModelCache cache(lister.fetch());

    Outcome leader;
    asio::cancellation_signal signal;
    spawn_models(io, cache, leader, &signal);
    io.restart();
    io.poll();
    signal.emit(asio::cancellation_type::terminal);
    io.restart();
    io.poll();
    REQUIRE(leader.finished);
    CHECK(is_a<llmio::CancelledError>(leader.error));
    CHECK_FALSE(cache.fresh());

    Outcome next;
    spawn_models(io, cache, next);
    io.restart();
    io.run_for(5s);
    REQUIRE(next.finished);
    CHECK_FALSE(next.error);
    CHECK(next.ids.back() == "fetch-2");
}

TEST_CASE("A caller that is already cancelled neither fetches nor waits", "[cache]")
{
    asio::io_context io;
    FakeLister lister(io.get_executor());
    lister.gated = 1;
    ModelCache cache(lister.fetch());

    Outcome leader;
    spawn_models(io, cache, leader);
    io.restart();
    io.poll();

    // A coroutine that keeps running after its cancellation (throw_if_cancelled(false)).
    asio::cancellation_signal signal;
    std::exception_ptr late_error;
    bool late_finished = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await asio::this_coro::throw_if_cancelled(false);
            asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            co_await cache.models();
        },
        asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e) {
            late_finished = true;
            late_error = e;
        }));
    io.restart();
    io.poll();
    signal.emit(asio::cancellation_type::terminal);
    io.restart();
    io.poll();
    REQUIRE(late_finished);
    CHECK(is_a<llmio::CancelledError>(late_error));
    CHECK(what_of(late_error) ==
          "operation cancelled (cancelled before the model list was refreshed)");
    CHECK(lister.fetches == 1);
    CHECK_FALSE(leader.finished);

    lister.open();
    io.restart();
    io.run_for(5s);
    REQUIRE(leader.finished);
    CHECK_FALSE(leader.error);
}

TEST_CASE("invalidate() during a refresh: its waiters get its list, which is not kept", "[cache]")
{
    asio::io_context io;
    FakeLister lister(io.get_executor());
    lister.gated = 1;
    ModelCache cache(lister.fetch());

    Outcome before;
    spawn_models(io, cache, before);
    io.restart();
    io.poll();
    cache.invalidate(); // e.g. a model was loaded while the list was being fetched
    lister.open();
    io.restart();
    io.run_for(5s);
    REQUIRE(before.finished);
    CHECK(before.ids.back() == "fetch-1");
    CHECK_FALSE(cache.fresh());

    Outcome after;
    spawn_models(io, cache, after);
    io.restart();
    io.run_for(5s);
    REQUIRE(after.finished);
    CHECK(after.ids.back() == "fetch-2");
    CHECK(cache.fresh());
}

TEST_CASE("A cache hit completes without suspending the caller", "[cache]")
{
    asio::io_context io;
    FakeLister lister(io.get_executor());
    ModelCache cache(lister.fetch());
    bool checked = false;
    bool other_ran = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await cache.models(); // warm
            // Anything posted now runs only when this coroutine suspends.
            asio::post(io, [&] { other_ran = true; });
            auto hit = co_await cache.find("qwen/qwen3-8b");
            auto all = co_await cache.models();
            CHECK_FALSE(other_ran);
            CHECK(hit.has_value());
            CHECK(all.size() == 3);
            checked = true;
        },
        [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
    io.restart();
    io.run_for(5s);
    CHECK(checked);
    CHECK(other_ran);
    CHECK(lister.fetches == 1);
}

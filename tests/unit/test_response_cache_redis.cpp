// RedisCacheStore against a real redis-server on a free loopback port (tests/support/
// redis_server.hpp): entries and Redis' own expiry, prefixes, counters a later store reports,
// passwords, two CachingProviders sharing one Redis, and Redis killed, restarted and stalled
// while requests keep being answered.

#include <llmio/cache_config.hpp>
#include <llmio/caching_provider.hpp>
#include <llmio/error.hpp>
#include <llmio/redis_cache_store.hpp>
#include <llmio/tiered_cache_store.hpp>

#include "support/emulator_fixture.hpp"
#include "support/redis_server.hpp"
#include "support/run_async.hpp"

#include <llmio/openai/provider.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <chrono>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

RedisCacheOptions at(std::string url, std::string prefix = "llmio-test:")
{
    RedisCacheOptions o;
    o.url = std::move(url);
    o.prefix = std::move(prefix);
    o.reconnect_min = 20ms; // tests wait for reconnection
    o.reconnect_max = 100ms;
    return o;
}

// Lets the io_context run other work for `d` (between polls of a bounded loop).
asio::awaitable<void> pause_for(std::chrono::milliseconds d)
{
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    co_await timer.async_wait(asio::use_awaitable);
}

std::string error_of(std::function<void()> const& f)
{
    try {
        f();
    } catch (ProviderError const& e) {
        return e.what();
    }
    return "no error";
}

std::size_t chat_requests(test::OpenAiEmulatorFixture const& emulator)
{
    std::size_t chats = 0;
    for (auto const& r : emulator.server.requests())
        chats += r.target == "/v1/chat/completions" ? 1 : 0;
    return chats;
}

std::shared_ptr<ModelProvider> openai_at(asio::any_io_executor ex, test::OpenAiEmulatorFixture const& emulator)
{
    openai::Options po;
    po.base_url = emulator.server.base_url();
    return std::make_shared<openai::OpenAICompatibleProvider>(std::move(ex), po);
}

ChatRequest hello()
{
    ChatRequest request;
    request.model = "gpt-4o-mini";
    request.messages.push_back(Message::user("hi"));
    request.temperature = 0;
    return request;
}

} // namespace

TEST_CASE("redis store: URLs other than redis:// are refused, without their password", "[cache][redis]")
{
    auto const refused = [](std::string url) {
        return error_of([&] { RedisCacheStore store(at(std::move(url))); });
    };
    auto const tls = refused("rediss://:s3cret@cache.example:6380/0");
    CHECK_THAT(tls, Catch::Contains("unsupported URL \"rediss://:***@cache.example:6380/0\": only redis:// is supported"));
    CHECK_THAT(tls, !Catch::Contains("s3cret"));
    CHECK_THAT(refused("redis://:s3cret@host:6379/zero"),
               Catch::Contains("the path of \"redis://:***@host:6379/zero\" must be a database number"));
    CHECK_THAT(refused("not a url s3cret"), Catch::Contains("the URL is not valid"));
    CHECK_THAT(refused("not a url s3cret"), !Catch::Contains("s3cret"));
    CHECK_THAT(refused("redis://127.0.0.1:0/0"), Catch::Contains("bad port"));

    auto const where = std::string("config file \"x\"");
    auto const config_error = [&](char const* section) {
        return error_of([&] { parse_cache_section(boost::json::parse(section), where); });
    };
    CHECK_THAT(config_error(R"({"redis": {"url": "rediss://:pw@h:1/0"}})"),
               Catch::Contains("config file \"x\": cache.redis.url: Redis cache: unsupported URL \"rediss://:***@h:1/0\""));
    CHECK_THAT(config_error(R"({"redis": {"prefix": "a:"}})"), Catch::Contains("cache.redis.url is missing"));
    CHECK_THAT(config_error(R"({"redis": {"url": "redis://h:1/0", "prefix": ""}})"),
               Catch::Contains("cache.redis.prefix must be a non-empty string"));
    CHECK_THAT(config_error(R"({"redis": {"url": "redis://h:1/0", "timeout_ms": 0}})"),
               Catch::Contains("cache.redis.timeout_ms must be"));
    CHECK_THAT(config_error(R"({"redis": {"url": "redis://h:1/0", "db": 1}})"),
               Catch::Contains("unknown key \"cache.redis.db\" (known keys: url, prefix, timeout_ms)"));
    auto const config = parse_cache_section(
        boost::json::parse(R"({"redis": {"url": "redis://h:1/2", "prefix": "app:", "timeout_ms": 400}})"), where);
    auto const options = redis_cache_options(config);
    CHECK(options.url == "redis://h:1/2");
    CHECK(options.prefix == "app:");
    CHECK(options.connect_timeout == 400ms);
    CHECK(options.command_timeout == 400ms);
}

TEST_CASE("redis store: put and get, Redis' own expiry, prefixes kept apart, counters a later store reports",
          "[cache][redis]")
{
    test::RedisServer redis;
    std::uint64_t hits = 0;
    test::run_async([&](asio::any_io_executor) -> asio::awaitable<void> {
        RedisCacheStore a(at(redis.url(), "a:"));
        RedisCacheStore b(at(redis.url(), "b:"));
        co_await a.put("k1", "value one", 0s);
        co_await a.put("k2", "value two", 1s);
        auto const one = co_await a.get("k1");
        CHECK(one == std::optional<std::string>("value one"));
        auto const two = co_await a.get("k2");
        CHECK(two == std::optional<std::string>("value two"));
        hits = 2;
        auto const other = co_await b.get("k1"); // another prefix
        CHECK_FALSE(other);

        // Redis expires k2 (PX 1000): poll, bounded.
        std::optional<std::string> expiring = "value two";
        for (int i = 0; i < 100 && expiring; ++i) {
            co_await pause_for(50ms);
            expiring = co_await a.get("k2");
            hits += expiring ? 1 : 0;
        }
        CHECK_FALSE(expiring);

        co_await b.put("k1", "b's own", 0s);
        co_await a.clear();
        auto const cleared = co_await a.get("k1");
        CHECK_FALSE(cleared);
        auto const kept = co_await b.get("k1");
        CHECK(kept == std::optional<std::string>("b's own"));
    });
    // A later store (a later process) sees a's counters; misses: k2 expired, k1 after clear.
    test::run_async([&](asio::any_io_executor) -> asio::awaitable<void> {
        RedisCacheStore later(at(redis.url(), "a:"));
        co_await later.put("k3", "12345", 0s);
        auto const s = co_await later.stats();
        CHECK(s.entries == 1);
        CHECK(s.bytes == 2 + 5);
        CHECK(s.hits == hits);
        CHECK(s.misses == 2);
        CHECK(s.failures == 0);
    });
}

TEST_CASE("redis store: a password in the URL, and a wrong one makes misses, not errors", "[cache][redis]")
{
    test::RedisServer redis("pa:ss@word");
    test::run_async([&](asio::any_io_executor) -> asio::awaitable<void> {
        RedisCacheStore store(at("redis://:pa%3Ass%40word@127.0.0.1:" + std::to_string(redis.port()) + "/3"));
        co_await store.put("k", "v", 0s);
        auto const found = co_await store.get("k");
        CHECK(found == std::optional<std::string>("v"));
        RedisCacheStore other_db(at("redis://:pa%3Ass%40word@127.0.0.1:" + std::to_string(redis.port()) + "/0"));
        auto const elsewhere = co_await other_db.get("k");
        CHECK_FALSE(elsewhere);

        RedisCacheStore wrong(at("redis://:nope@127.0.0.1:" + std::to_string(redis.port()) + "/3"));
        auto const denied = co_await wrong.get("k");
        CHECK_FALSE(denied);
        co_await wrong.put("k2", "v", 0s);
        std::string error;
        try {
            co_await wrong.stats();
        } catch (ProviderError const& e) {
            error = e.what();
        }
        CHECK_THAT(error, Catch::Contains("Redis cache at redis://:***@127.0.0.1:" + std::to_string(redis.port()) +
                                          "/3 does not answer"));
        CHECK_THAT(error, !Catch::Contains("nope"));
    });
}

TEST_CASE("redis store: two caching providers share one Redis, the second is answered from it", "[cache][redis]")
{
    test::RedisServer redis;
    test::OpenAiEmulatorFixture emulator;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto upstream = openai_at(ex, emulator);
        // Each "machine" has its own memory in front of the shared Redis.
        auto const machine = [&] {
            CachingOptions o;
            o.store = std::make_shared<TieredCacheStore>(std::make_shared<MemoryCacheStore>(),
                                                         std::make_shared<RedisCacheStore>(at(redis.url())));
            return std::make_shared<CachingProvider>(upstream, o);
        };
        auto first = machine();
        auto second = machine();
        auto const asked = co_await first->chat(hello());
        CHECK_FALSE(asked.cached);
        auto const shared = co_await second->chat(hello());
        CHECK(shared.cached);
        CHECK(shared.content == "Hello! You said: hi");
        CHECK(chat_requests(emulator) == 1);
        CHECK(second->stats().hits == 1);
    });
}

TEST_CASE("redis store: Redis killed mid-run, requests go upstream and the skips are counted, then it works again",
          "[cache][redis]")
{
    test::RedisServer redis;
    test::OpenAiEmulatorFixture emulator;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto upstream = openai_at(ex, emulator);
        auto store = std::make_shared<RedisCacheStore>(at(redis.url()));
        CachingOptions o;
        o.store = store;
        CachingProvider cache(upstream, o);
        auto const stored = co_await cache.chat(hello());
        CHECK_FALSE(stored.cached);

        redis.kill();
        for (int i = 0; i < 3; ++i) {
            auto const answer = co_await cache.chat(hello());
            CHECK_FALSE(answer.cached);
            CHECK(answer.content == "Hello! You said: hi");
        }
        CHECK(chat_requests(emulator) == 4);
        CHECK(cache.stats().store_errors == 0); // the store answers misses, it does not throw
        std::string error;
        try {
            co_await store->stats();
        } catch (NetworkError const& e) {
            error = e.what();
        }
        CHECK_THAT(error, Catch::Contains("does not answer"));

        redis.restart();
        // Poll (bounded) until the store reconnected after its backoff: a put that sticks.
        std::optional<std::string> back;
        for (int i = 0; i < 100 && !back; ++i) {
            co_await pause_for(20ms);
            co_await store->put("probe", "x", 0s);
            back = co_await store->get("probe");
        }
        REQUIRE(back == std::optional<std::string>("x"));
        auto const s = co_await store->stats();
        CHECK(s.failures >= 6); // each chat: a get and a put skipped
        auto const again = co_await cache.chat(hello());
        CHECK_FALSE(again.cached); // the restarted Redis is empty
        auto const cached = co_await cache.chat(hello());
        CHECK(cached.cached);
        CHECK(chat_requests(emulator) == 5);
    });
}

TEST_CASE("redis store: a stalled Redis (SIGSTOP) costs a command timeout, not a hang", "[cache][redis]")
{
    test::RedisServer redis;
    test::OpenAiEmulatorFixture emulator;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto upstream = openai_at(ex, emulator);
        auto options = at(redis.url());
        options.command_timeout = 100ms;
        auto store = std::make_shared<RedisCacheStore>(options);
        CachingOptions o;
        o.store = store;
        CachingProvider cache(upstream, o);
        co_await store->put("warm", "up", 0s); // connected before the stall

        redis.pause();
        auto const answer = co_await cache.chat(hello());
        CHECK_FALSE(answer.cached);
        CHECK(answer.content == "Hello! You said: hi");
        redis.resume();
        std::optional<std::string> back;
        for (int i = 0; i < 100 && !back; ++i) {
            co_await pause_for(20ms);
            back = co_await store->get("warm");
        }
        CHECK(back == std::optional<std::string>("up"));
        auto const s = co_await store->stats();
        CHECK(s.failures >= 1);
    });
}

// SqliteCacheStore: entries and counters that survive a restart, two stores on one file, the byte
// bound (LRU) and TTL on an injected clock, the caller resumed on its own thread, and
// TieredCacheStore (memory in front, promotion on a hit behind).

#include <llmio/cache_config.hpp>
#include <llmio/caching_provider.hpp>
#include <llmio/error.hpp>
#include <llmio/sqlite_cache_store.hpp>
#include <llmio/tiered_cache_store.hpp>

#include "support/emulator_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/openai/provider.hpp>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// A fresh database path, removed (with its WAL files) at the end.
struct TempDatabase {
    TempDatabase()
    {
        static int counter = 0;
        dir = fs::temp_directory_path() / ("llmio-cache-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        fs::create_directories(dir);
        path = (dir / "responses.sqlite").string();
    }
    ~TempDatabase()
    {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }
    fs::path dir;
    std::string path;
};

SqliteCacheOptions at(std::string const& path) {
    SqliteCacheOptions o;
    o.path = path;
    return o;
}

} // namespace

TEST_CASE("sqlite store: entries and counters survive a restart, two stores share one file", "[cache]")
{
    TempDatabase db;
    test::run_async([&](asio::any_io_executor) -> asio::awaitable<void> {
        {
            SqliteCacheStore store(at(db.path));
            co_await store.put("k", std::string("value\0with zero", 15), 0s);
            auto const found = co_await store.get("k");
            CHECK(found == std::string("value\0with zero", 15));
            auto const missing = co_await store.get("nothing");
            CHECK_FALSE(missing);
        }
        SqliteCacheStore reopened(at(db.path));
        SqliteCacheStore other(at(db.path));
        auto const again = co_await reopened.get("k");
        CHECK(again == std::string("value\0with zero", 15));
        co_await other.put("k2", "second", 0s);
        auto const seen = co_await reopened.get("k2");
        CHECK(seen == "second");
        auto const stats = co_await reopened.stats(); // its hits are written, the first store's were at close
        CHECK(stats.entries == 2);
        CHECK(stats.bytes == 1 + 15 + 2 + 6);
        CHECK(stats.hits == 3);
        CHECK(stats.misses == 1);
        co_await other.clear();
        auto const gone = co_await reopened.get("k");
        CHECK_FALSE(gone);
        auto const cleared = co_await reopened.stats();
        CHECK(cleared.entries == 0);
        CHECK(cleared.bytes == 0);
    });
}

TEST_CASE("sqlite store: a store's hits reach the file every flush_every reads and at close", "[cache]")
{
    TempDatabase db;
    test::run_async([&](asio::any_io_executor) -> asio::awaitable<void> {
        SqliteCacheStore other(at(db.path));
        {
            auto options = at(db.path);
            options.flush_every = 4;
            options.flush_interval = std::chrono::hours(1);
            SqliteCacheStore store(options);
            co_await store.put("k", "v", 0s);
            for (int i = 0; i < 3; ++i)
                (void)co_await store.get("k");
            auto const waiting = co_await other.stats();
            CHECK(waiting.hits == 0);
            (void)co_await store.get("none");
            auto const flushed = co_await other.stats();
            CHECK(flushed.hits == 3);
            CHECK(flushed.misses == 1);
            (void)co_await store.get("k");
        }
        auto const closed = co_await other.stats();
        CHECK(closed.hits == 4);
        CHECK(closed.misses == 1);
    });
}

TEST_CASE("sqlite store: the byte bound evicts the least recently used, the TTL expires on the injected clock", "[cache]")
{
    TempDatabase db;
    auto now = std::chrono::system_clock::time_point{} + 24h * 365 * 50;
    auto options = at(db.path);
    options.max_bytes = 300;
    options.clock = [&] { return now; };
    test::run_async([&](asio::any_io_executor) -> asio::awaitable<void> {
        SqliteCacheStore store(options);
        co_await store.put("a", std::string(99, 'a'), 0s);
        co_await store.put("b", std::string(99, 'b'), 0s);
        co_await store.put("c", std::string(99, 'c'), 0s);
        auto const a = co_await store.get("a"); // now "b" is the least recently used
        CHECK(a == std::string(99, 'a'));
        co_await store.put("d", std::string(99, 'd'), 0s);
        auto const b = co_await store.get("b");
        CHECK_FALSE(b);
        auto const c = co_await store.get("c");
        CHECK(c);
        auto s = co_await store.stats();
        CHECK(s.entries == 3);
        CHECK(s.bytes == 300);
        CHECK(s.evictions == 1);

        co_await store.put("short", "x", 10s);
        now += 9s;
        auto const fresh = co_await store.get("short");
        CHECK(fresh == "x");
        now += 1s;
        auto const expired = co_await store.get("short");
        CHECK_FALSE(expired);
        s = co_await store.stats();
        CHECK(s.expirations == 1);
        co_await store.put("big", std::string(400, 'x'), 0s); // larger than the bound: not stored
        auto const big = co_await store.get("big");
        CHECK_FALSE(big);
    });
}

TEST_CASE("sqlite store: the caller resumes on its own thread, the work runs on the store's", "[cache]")
{
    TempDatabase db;
    test::run_async([&](asio::any_io_executor) -> asio::awaitable<void> {
        SqliteCacheStore store(at(db.path));
        auto const caller = std::this_thread::get_id();
        co_await store.put("k", "v", 0s);
        CHECK(std::this_thread::get_id() == caller);
        auto const found = co_await store.get("k");
        CHECK(std::this_thread::get_id() == caller);
        CHECK(found == "v");
    });
}

TEST_CASE("tiered store: memory in front of SQLite, a hit behind is promoted", "[cache]")
{
    TempDatabase db;
    test::run_async([&](asio::any_io_executor) -> asio::awaitable<void> {
        {
            SqliteCacheStore back(at(db.path));
            co_await back.put("k", "from disk", 0s);
        }
        auto memory = std::make_shared<MemoryCacheStore>();
        auto disk = std::make_shared<SqliteCacheStore>(at(db.path));
        TieredCacheStore tiers(memory, disk);
        auto const first = co_await tiers.get("k");
        CHECK(first == "from disk");
        CHECK(memory->lookup("k") == "from disk"); // promoted
        co_await tiers.put("k2", "both", 0s);
        CHECK(memory->lookup("k2") == "both");
        auto const behind = co_await disk->get("k2");
        CHECK(behind == "both");
        auto const missing = co_await tiers.get("none");
        CHECK_FALSE(missing);
    });
}

TEST_CASE("caching provider: answers from a SQLite store outlive the provider and the store", "[cache]")
{
    TempDatabase db;
    test::OpenAiEmulatorFixture emulator;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        openai::Options po;
        po.base_url = emulator.server.base_url();
        auto upstream = std::make_shared<openai::OpenAICompatibleProvider>(ex, po);
        ChatRequest request;
        request.model = "gpt-4o-mini";
        request.messages.push_back(Message::user("hi"));
        request.temperature = 0;
        {
            CachingOptions o;
            o.store = std::make_shared<SqliteCacheStore>(at(db.path));
            CachingProvider cache(upstream, o);
            auto const first = co_await cache.chat(request);
            CHECK_FALSE(first.cached);
        }
        CachingOptions o;
        o.store = std::make_shared<SqliteCacheStore>(at(db.path));
        CachingProvider restarted(upstream, o);
        auto const again = co_await restarted.chat(request);
        CHECK(again.cached);
        CHECK(again.content == "Hello! You said: hi");
        std::size_t chats = 0;
        for (auto const& r : emulator.server.requests())
            chats += r.target == "/v1/chat/completions" ? 1 : 0;
        CHECK(chats == 1);
    });
}

TEST_CASE("config file: the cache section is checked with the file and read into a store", "[cache][config]")
{
    TempDatabase db;
    auto const file = (db.dir / "llmio.json").string();
    {
        std::ofstream out(file);
        out << R"({
            // the response cache
            "cache": {"mode": "always", "ttl_s": 60, "memory_mb": 8,
                      "sqlite": {"path": ")" << db.path << R"(", "max_mb": 2}},
        })";
    }
    auto const env = Environment::from_map({{"LLMIO_CONFIG", file}});
    auto const config = cache_config_from_environment(env);
    CHECK(config.present);
    CHECK(config.mode == CacheMode::always);
    CHECK(config.ttl == 60s);
    CHECK(config.memory_bytes == std::size_t{8} << 20);
    CHECK(config.sqlite_path == db.path);
    CHECK(config.sqlite_max_bytes == std::size_t{2} << 20);
    auto const options = caching_options(config);
    CHECK(options.mode == CacheMode::always);
    CHECK(options.ttl == 60s);
    REQUIRE(options.store);
    CHECK(options.store->name() == "tiered");
    CHECK(fs::exists(db.path));

    auto const where = std::string("config file \"x\"");
    auto const error = [&](char const* section) -> std::string {
        try {
            parse_cache_section(boost::json::parse(section), where);
        } catch (ProviderError const& e) {
            return e.what();
        }
        return "no error";
    };
    CHECK_THAT(error(R"({"mode": "sometimes"})"), Catch::Contains("cache.mode must be"));
    CHECK_THAT(error(R"({"ttl_s": -1})"), Catch::Contains("cache.ttl_s"));
    CHECK_THAT(error(R"({"memory_mb": 0})"), Catch::Contains("cache.memory_mb"));
    CHECK_THAT(error(R"({"sqlite": {"path": ""}})"), Catch::Contains("cache.sqlite.path"));
    CHECK_THAT(error(R"({"redis": {}})"), Catch::Contains("cache.redis.url is missing"));
    CHECK_THAT(error(R"({"disk": {}})"),
               Catch::Contains("unknown key \"cache.disk\" (known keys: mode, ttl_s, memory_mb, sqlite, redis)"));
    CHECK(error(R"({})") == "no error");

    // ConfigFile refuses a file whose cache section is wrong.
    CHECK_THROWS_AS(ConfigFile::parse(R"({"cache": {"mode": 1}})", "x"), InvalidRequestError);
    auto const memory_only = parse_cache_section(boost::json::parse(R"({"mode": "deterministic"})"), where);
    CHECK(make_cache_store(memory_only)->name() == "memory");
}

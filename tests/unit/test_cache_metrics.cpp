// Response cache metrics: hits, misses, writes and errors per store (each tier under its own
// name), answers from the cache as requests with outcome "cached", and their Prometheus names.

#include <llmio/caching_provider.hpp>
#include <llmio/metrics.hpp>
#include <llmio/redis_cache_store.hpp>
#include <llmio/sqlite_cache_store.hpp>
#include <llmio/tiered_cache_store.hpp>

#include "support/emulator_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/openai/provider.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

#include <unistd.h>

using namespace llmio;
namespace asio = boost::asio;

namespace {

ChatRequest hello()
{
    ChatRequest request;
    request.model = "gpt-4o-mini";
    request.messages.push_back(Message::user("hi"));
    request.temperature = 0;
    return request;
}

CacheStoreCounts counts_of(Metrics const& metrics, std::string_view store)
{
    for (auto const& c : metrics.snapshot().caches)
        if (c.store == store)
            return c;
    return CacheStoreCounts{};
}

std::array<std::uint64_t, kCacheEventCount> events(std::uint64_t hits, std::uint64_t misses, std::uint64_t stored,
                                                   std::uint64_t errors)
{
    return {hits, misses, stored, errors};
}

} // namespace

TEST_CASE("cache metrics: each tier's hits, misses and writes, and the cached outcome", "[cache][metrics]")
{
    auto const path = std::filesystem::temp_directory_path() /
                      ("llmio-cache-metrics-" + std::to_string(::getpid()) + ".sqlite");
    test::OpenAiEmulatorFixture emulator;
    auto metrics = std::make_shared<Metrics>();
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        openai::Options po;
        po.base_url = emulator.server.base_url();
        po.metrics = metrics;
        auto upstream = std::make_shared<openai::OpenAICompatibleProvider>(ex, po);
        SqliteCacheOptions so;
        so.path = path.string();
        auto file = std::make_shared<SqliteCacheStore>(so);
        auto const machine = [&] {
            CachingOptions o;
            o.store = std::make_shared<TieredCacheStore>(std::make_shared<MemoryCacheStore>(), file);
            o.metrics = metrics;
            return std::make_shared<CachingProvider>(upstream, o);
        };
        auto first = machine();
        (void)co_await first->chat(hello());   // misses both, stored in both
        (void)co_await first->chat(hello());   // memory hit
        auto second = machine();               // its own memory, the same file
        (void)co_await second->chat(hello());  // memory miss, file hit, promoted to memory
    });
    std::filesystem::remove(path);
    CHECK(counts_of(*metrics, "memory").counts == events(1, 2, 2, 0));
    CHECK(counts_of(*metrics, "sqlite").counts == events(1, 1, 1, 0));
    auto const snap = metrics->snapshot();
    CHECK(snap.merged("openai", "gpt-4o-mini", "cached").count(Count::requests) == 2);
    CHECK(snap.merged("openai", "gpt-4o-mini", "success").count(Count::requests) == 1);
    auto const page = metrics->to_prometheus();
    CHECK_THAT(page, Catch::Contains("# TYPE llmio_cache_hits_total counter\n"
                                     "llmio_cache_hits_total{store=\"memory\"} 1\n"
                                     "llmio_cache_hits_total{store=\"sqlite\"} 1\n"));
    CHECK_THAT(page, Catch::Contains("llmio_cache_stores_total{store=\"memory\"} 2\n"));
    CHECK_THAT(page, Catch::Contains("llmio_requests_total{provider=\"openai\",model=\"gpt-4o-mini\","
                                     "operation=\"chat\",outcome=\"cached\"} 2\n"));
}

TEST_CASE("cache metrics: a Redis that cannot be reached counts errors, the call succeeds", "[cache][metrics]")
{
    test::OpenAiEmulatorFixture emulator;
    auto metrics = std::make_shared<Metrics>();
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        openai::Options po;
        po.base_url = emulator.server.base_url();
        auto upstream = std::make_shared<openai::OpenAICompatibleProvider>(ex, po);
        RedisCacheOptions ro;
        ro.url = "redis://127.0.0.1:1/0"; // nothing listens on port 1
        CachingOptions o;
        o.store = std::make_shared<RedisCacheStore>(ro);
        o.metrics = metrics;
        CachingProvider cache(upstream, o);
        auto const answer = co_await cache.chat(hello());
        CHECK(answer.content == "Hello! You said: hi");
        CHECK_FALSE(answer.cached);
    });
    CHECK(counts_of(*metrics, "redis").counts == events(0, 0, 0, 2));
    CHECK_THAT(metrics->to_prometheus(), Catch::Contains("llmio_cache_errors_total{store=\"redis\"} 2\n"));
}

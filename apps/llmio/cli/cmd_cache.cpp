// llmio cache stats|clear: the persistent response cache (docs/caching.md), and the cache the
// generating commands use with --cache.

#include "cli/cache.hpp"
#include "cli/commands.hpp"
#include "cli/errors.hpp"

#include <llmio/cache_config.hpp>
#include <llmio/caching_provider.hpp>
#include <llmio/redis_cache_store.hpp>
#include <llmio/sqlite_cache_store.hpp>
#include <llmio/tiered_cache_store.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <ostream>

namespace llmio::cli {

std::string cache_path(Context const& ctx)
{
    if (!ctx.common.cache_path.empty())
        return ctx.common.cache_path;
    if (auto const config = cache_config_from_environment(ctx.env); config.sqlite_path)
        return *config.sqlite_path;
    std::filesystem::path dir;
    if (auto xdg = ctx.raw_env("XDG_CACHE_HOME"); xdg && !xdg->empty())
        dir = *xdg;
    else if (auto home = ctx.raw_env("HOME"); home && !home->empty())
        dir = std::filesystem::path(*home) / ".cache";
    else
        throw CliError(ExitCode::usage, "usage", "no place for the response cache",
                       "give --cache-path FILE, or set XDG_CACHE_HOME or HOME");
    return (dir / "llmio" / "responses.sqlite").string();
}

namespace {

std::shared_ptr<SqliteCacheStore> open_store(Context const& ctx, std::optional<std::size_t> max_bytes = std::nullopt)
{
    auto const path = cache_path(ctx);
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
    SqliteCacheOptions options;
    options.path = path;
    if (max_bytes)
        options.max_bytes = *max_bytes;
    return std::make_shared<SqliteCacheStore>(options);
}

// --cache-redis, else the config file's cache.redis (with its prefix and timeout); null: none.
std::shared_ptr<RedisCacheStore> open_redis(Context const& ctx, CacheConfig const& config)
{
    auto options = redis_cache_options(config);
    if (!ctx.common.cache_redis.empty())
        options.url = ctx.common.cache_redis;
    else if (!config.redis_url)
        return nullptr;
    return std::make_shared<RedisCacheStore>(options);
}

void print_stats(std::ostream& out, CacheStoreStats const& s)
{
    out << "entries:     " << s.entries << '\n'
        << "bytes:       " << s.bytes << '\n'
        << "hits:        " << s.hits << '\n'
        << "misses:      " << s.misses << '\n';
}

} // namespace

void apply_cache(Context& ctx, Selection& selection)
{
    // --cache, else the config file's cache section (its mode, deterministic by default).
    auto const config = cache_config_from_environment(ctx.env);
    auto mode = CacheMode::off;
    if (!ctx.common.cache.empty())
        mode = *cache_mode_from_string(ctx.common.cache);
    else if (config.present)
        mode = config.mode.value_or(CacheMode::deterministic);
    if (mode == CacheMode::off)
        return;
    MemoryCacheOptions memory;
    if (config.memory_bytes)
        memory.max_bytes = *config.memory_bytes;
    CachingOptions options;
    options.mode = mode;
    if (config.ttl)
        options.ttl = *config.ttl;
    std::shared_ptr<ResponseCacheStore> back = open_store(ctx, config.sqlite_max_bytes);
    std::string where = cache_path(ctx);
    if (auto redis = open_redis(ctx, config)) {
        where += ", then " + redis->redacted_url();
        back = std::make_shared<TieredCacheStore>(std::move(back), std::move(redis));
    }
    options.store = std::make_shared<TieredCacheStore>(std::make_shared<MemoryCacheStore>(memory), std::move(back));
    ctx.log("response cache: " + std::string(to_string(mode)) + ", " + where);
    selection.provider = std::make_shared<CachingProvider>(selection.provider, options);
}

boost::asio::awaitable<int> cmd_cache(Context& ctx, std::string action, bool json)
{
    auto store = open_store(ctx);
    auto redis = open_redis(ctx, cache_config_from_environment(ctx.env));
    if (action == "clear") {
        co_await store->clear();
        ctx.streams.out << "cleared " << cache_path(ctx) << '\n';
        if (redis) {
            co_await redis->clear();
            ctx.streams.out << "cleared " << redis->redacted_url() << '\n';
        }
        co_return 0;
    }
    auto const s = co_await store->stats();
    std::optional<CacheStoreStats> r;
    if (redis)
        r = co_await redis->stats();
    if (json) {
        boost::json::object o{{"path", cache_path(ctx)},
                              {"entries", s.entries},
                              {"bytes", s.bytes},
                              {"hits", s.hits},
                              {"misses", s.misses},
                              {"evictions", s.evictions},
                              {"expirations", s.expirations}};
        if (r)
            o["redis"] = boost::json::object{{"url", redis->redacted_url()},
                                             {"entries", r->entries},
                                             {"bytes", r->bytes},
                                             {"hits", r->hits},
                                             {"misses", r->misses}};
        ctx.streams.out << boost::json::serialize(o) << '\n';
        co_return 0;
    }
    ctx.streams.out << "path:        " << cache_path(ctx) << '\n';
    print_stats(ctx.streams.out, s);
    ctx.streams.out << "evictions:   " << s.evictions << '\n'
                    << "expirations: " << s.expirations << '\n';
    if (r) {
        ctx.streams.out << "redis:       " << redis->redacted_url() << '\n';
        print_stats(ctx.streams.out, *r);
    }
    co_return 0;
}

} // namespace llmio::cli

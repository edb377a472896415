#include <llmio/cache_config.hpp>

#include "config_section.hpp"
#include "redis_url.hpp"

#include <llmio/error.hpp>
#include <llmio/sqlite_cache_store.hpp>
#include <llmio/tiered_cache_store.hpp>

namespace llmio {

namespace json = boost::json;

namespace {

[[noreturn]] void bad(std::string const& where, std::string const& what)
{
    throw_error(errc::invalid_request, where + ": " + what);
}

std::size_t megabytes(json::value const& v, std::string const& where, std::string const& key)
{
    auto const n = v.is_int64() ? v.as_int64() : v.is_uint64() ? static_cast<std::int64_t>(v.as_uint64()) : -1;
    if (n <= 0 || n > (std::int64_t{1} << 40))
        bad(where, key + " must be a positive whole number of megabytes");
    return static_cast<std::size_t>(n) << 20;
}

std::string non_empty_string(json::value const& v, std::string const& where, std::string const& key)
{
    auto const* s = v.if_string();
    if (!s || s->empty())
        bad(where, key + " must be a non-empty string");
    return std::string(*s);
}

void parse_redis(json::value const& v, std::string const& where, CacheConfig& c)
{
    auto const* o = v.if_object();
    if (!o)
        bad(where, "cache.redis must be an object");
    for (auto const& part : *o) {
        if (part.key() == "url") {
            auto url = non_empty_string(part.value(), where, "cache.redis.url");
            try {
                detail::parse_redis_url(url);
            } catch (ProviderError const& e) { // names the URL without its password
                bad(where, "cache.redis.url: " + e.info().detail);
            }
            c.redis_url = std::move(url);
        } else if (part.key() == "prefix") {
            c.redis_prefix = non_empty_string(part.value(), where, "cache.redis.prefix");
        } else if (part.key() == "timeout_ms") {
            auto const& t = part.value();
            auto const n = t.is_int64() ? t.as_int64() : t.is_uint64() ? static_cast<std::int64_t>(t.as_uint64()) : -1;
            if (n <= 0 || n > 60000)
                bad(where, "cache.redis.timeout_ms must be a whole number of milliseconds from 1 to 60000");
            c.redis_timeout = std::chrono::milliseconds(n);
        } else {
            bad(where, "unknown key \"cache.redis." + std::string(part.key()) + "\" (known keys: url, prefix, timeout_ms)");
        }
    }
    if (!c.redis_url)
        bad(where, "cache.redis.url is missing");
}

} // namespace

CacheConfig parse_cache_section(json::value const& section, std::string const& where)
{
    auto const* o = section.if_object();
    if (!o)
        bad(where, "cache must be an object");
    CacheConfig c;
    c.present = true;
    for (auto const& entry : *o) {
        std::string const key(entry.key());
        auto const& v = entry.value();
        if (key == "mode") {
            auto const* s = v.if_string();
            auto const mode = s ? cache_mode_from_string(std::string_view(*s)) : std::nullopt;
            if (!mode)
                bad(where, "cache.mode must be \"off\", \"deterministic\" or \"always\"");
            c.mode = mode;
        } else if (key == "ttl_s") {
            auto const n = v.is_int64() ? v.as_int64() : v.is_uint64() ? static_cast<std::int64_t>(v.as_uint64()) : -1;
            if (n < 0)
                bad(where, "cache.ttl_s must be a whole number of seconds, 0 for no expiry");
            c.ttl = std::chrono::seconds(n);
        } else if (key == "memory_mb") {
            c.memory_bytes = megabytes(v, where, "cache.memory_mb");
        } else if (key == "sqlite") {
            auto const* s = v.if_object();
            if (!s)
                bad(where, "cache.sqlite must be an object");
            for (auto const& part : *s) {
                if (part.key() == "path") {
                    auto const* path = part.value().if_string();
                    if (!path || path->empty())
                        bad(where, "cache.sqlite.path must be a non-empty string");
                    c.sqlite_path = std::string(*path);
                } else if (part.key() == "max_mb") {
                    c.sqlite_max_bytes = megabytes(part.value(), where, "cache.sqlite.max_mb");
                } else {
                    bad(where, "unknown key \"cache.sqlite." + std::string(part.key()) + "\" (known keys: path, max_mb)");
                }
            }
        } else if (key == "redis") {
            parse_redis(v, where, c);
        } else {
            bad(where, "unknown key \"cache." + key + "\" (known keys: mode, ttl_s, memory_mb, sqlite, redis)");
        }
    }
    return c;
}

CacheConfig cache_config_from_environment(Environment const& env)
{
    auto const section = detail::config_section_from_environment(env, "cache");
    if (!section)
        return {};
    return parse_cache_section(section->value, section->where);
}

RedisCacheOptions redis_cache_options(CacheConfig const& config)
{
    RedisCacheOptions redis;
    if (config.redis_url)
        redis.url = *config.redis_url;
    if (config.redis_prefix)
        redis.prefix = *config.redis_prefix;
    if (config.redis_timeout)
        redis.connect_timeout = redis.command_timeout = *config.redis_timeout;
    return redis;
}

std::shared_ptr<ResponseCacheStore> make_cache_store(CacheConfig const& config)
{
    MemoryCacheOptions memory;
    if (config.memory_bytes)
        memory.max_bytes = *config.memory_bytes;
    std::shared_ptr<ResponseCacheStore> back;
    if (config.redis_url)
        back = std::make_shared<RedisCacheStore>(redis_cache_options(config));
    if (config.sqlite_path) {
        SqliteCacheOptions sqlite;
        sqlite.path = *config.sqlite_path;
        if (config.sqlite_max_bytes)
            sqlite.max_bytes = *config.sqlite_max_bytes;
        auto file = std::make_shared<SqliteCacheStore>(sqlite);
        back = back ? std::make_shared<TieredCacheStore>(std::move(file), std::move(back))
                    : std::shared_ptr<ResponseCacheStore>(std::move(file));
    }
    auto front = std::make_shared<MemoryCacheStore>(memory);
    if (!back)
        return front;
    return std::make_shared<TieredCacheStore>(std::move(front), std::move(back));
}

CachingOptions caching_options(CacheConfig const& config)
{
    CachingOptions options;
    if (config.mode)
        options.mode = *config.mode;
    if (config.ttl)
        options.ttl = *config.ttl;
    options.store = make_cache_store(config);
    return options;
}

} // namespace llmio

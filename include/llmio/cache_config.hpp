#ifndef LLMIO_CACHE_CONFIG_HPP
#define LLMIO_CACHE_CONFIG_HPP

// The config file's "cache" section (docs/caching.md), every part optional:
//
//     "cache": {"mode": "deterministic", "ttl_s": 3600, "memory_mb": 256,
//               "sqlite": {"path": "/var/cache/llmio/responses.sqlite", "max_mb": 1024},
//               "redis": {"url": "redis://127.0.0.1:6379/0", "prefix": "llmio:", "timeout_ms": 250}}
//
// A memory store of `memory_mb` (default 256), in front of a SQLite file when `sqlite.path` is
// given, in front of Redis when `redis.url` is given. ConfigFile checks the section when it reads the file; this reads it for a cache.

#include <llmio/caching_provider.hpp>
#include <llmio/config.hpp>
#include <llmio/redis_cache_store.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace llmio {

struct CacheConfig {
    bool present = false; ///< The file has a "cache" section.
    std::optional<CacheMode> mode;
    std::optional<std::chrono::seconds> ttl;
    std::optional<std::size_t> memory_bytes;
    std::optional<std::string> sqlite_path;
    std::optional<std::size_t> sqlite_max_bytes;
    std::optional<std::string> redis_url;
    std::optional<std::string> redis_prefix;
    std::optional<std::chrono::milliseconds> redis_timeout; ///< Connect and command timeout.
};

/// Reads a "cache" section. Throws InvalidRequestError naming `where` and the key at fault.
CacheConfig parse_cache_section(boost::json::value const& section, std::string const& where);

/// The "cache" section of the file LLMIO_CONFIG names in `env`; `present` false without a file
/// or a section. Throws what ConfigFile::from_environment throws.
CacheConfig cache_config_from_environment(Environment const& env);

/// The Redis store's options from the section (its url, prefix and timeout).
RedisCacheOptions redis_cache_options(CacheConfig const& config);

/// The store the section describes: a MemoryCacheStore, alone or in front of (TieredCacheStore)
/// a SqliteCacheStore, a RedisCacheStore, or SQLite in front of Redis. Throws
/// std::runtime_error when the SQLite file cannot be opened.
std::shared_ptr<ResponseCacheStore> make_cache_store(CacheConfig const& config);

/// The section as CachingOptions: its mode (default deterministic), TTL and store.
CachingOptions caching_options(CacheConfig const& config);

} // namespace llmio

#endif // LLMIO_CACHE_CONFIG_HPP

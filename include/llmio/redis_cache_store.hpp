#ifndef LLMIO_REDIS_CACHE_STORE_HPP
#define LLMIO_REDIS_CACHE_STORE_HPP

// llmio::RedisCacheStore: a ResponseCacheStore in a Redis server, shared by the processes and
// machines that use the same server and prefix (docs/caching.md).
//
// - `redis://[:password@]host:port/db` (AUTH and SELECT after connecting). No TLS: hiredis 0.14
//   cannot, so `rediss://` is a configuration error.
// - Entries are `<prefix>r:<key>`, written with SET ... PX: Redis expires them. Hit and miss
//   counts are `<prefix>hits` and `<prefix>misses` (INCR), so a later process reports them.
// - Redis being down never fails a call: a connection refused, a timeout, a dropped
//   connection or an error reply make `get` a miss and `put` a no-op, counted in
//   CacheStoreStats::failures. After a failure the store stays away for a backoff (doubling
//   from `reconnect_min` to `reconnect_max`) before it connects again.
// - hiredis's async API runs on the store's own thread, driven by Asio; the caller is resumed
//   on its own executor and never blocked.
//
// Thread safety: all members may be called concurrently. The store must outlive the
// operations on it.

#include <llmio/response_cache.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace llmio {

struct RedisCacheOptions {
    std::string url = "redis://127.0.0.1:6379/0";
    /// Put before every key, so that several caches can share one database.
    std::string prefix = "llmio:";
    std::chrono::milliseconds connect_timeout{250};
    /// How long a command may take before the call is a miss and the connection is dropped.
    std::chrono::milliseconds command_timeout{250};
    std::chrono::milliseconds reconnect_min{100};
    std::chrono::milliseconds reconnect_max{10000};
    /// `stats` counts the entries and their bytes by scanning at most this many keys.
    std::size_t stats_scan_limit = 100000;
};

class RedisCacheStore final : public ResponseCacheStore {
public:
    /// Checks the URL (InvalidRequestError naming it without its password) and starts
    /// connecting in the background.
    explicit RedisCacheStore(RedisCacheOptions options);
    ~RedisCacheStore() override;

    std::string_view name() const noexcept override { return "redis"; }
    boost::asio::awaitable<std::optional<std::string>> get(std::string key) override;
    boost::asio::awaitable<void> put(std::string key, std::string value, std::chrono::seconds ttl) override;
    /// These two throw NetworkError (connection_refused) when Redis does not answer.
    boost::asio::awaitable<void> clear() override;
    boost::asio::awaitable<CacheStoreStats> stats() override;

    /// The URL with its password as "***".
    std::string const& redacted_url() const noexcept;

private:
    class Client;
    class Runner;
    std::unique_ptr<Runner> runner_;
};

} // namespace llmio

#endif

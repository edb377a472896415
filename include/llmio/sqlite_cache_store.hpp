#ifndef LLMIO_SQLITE_CACHE_STORE_HPP
#define LLMIO_SQLITE_CACHE_STORE_HPP

// llmio::SqliteCacheStore: a ResponseCacheStore in one SQLite file (docs/caching.md).
//
// - WAL mode: readers do not block the writer; several processes may share one file (each
//   waits up to `busy_timeout` for another's write).
// - Bounded in bytes (the values' and keys' sizes): a put evicts the least recently used
//   entries (recency is a counter kept in the file, so it is shared by the processes) until the
//   total fits. TTL per entry, in wall-clock time, checked when it is read.
// - Survives restarts; hit, miss, eviction and expiration counts are kept in the file too, so
//   a later process (`llmio cache stats`) reports them.
// - A hit is a plain read: its recency and the hit and miss counts wait in memory and are
//   written in one transaction every `flush_every` reads, at the first read `flush_interval`
//   after the last such write, before any write of this store (so its evictions see them), by
//   `stats` and when the store closes. Another process sees them (and evicts by them) after.
// - Blocking calls run on the store's own thread, never on the caller's: every awaitable call
//   hands its work to that thread and resumes the caller on its own executor.
//
// Thread safety: all members may be called concurrently (the work is serialised on the store's
// thread). The store must outlive the operations on it.

#include <llmio/response_cache.hpp>

#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace llmio {

struct SqliteCacheOptions {
    using Clock = std::function<std::chrono::system_clock::time_point()>;
    /// The database file; its directory must exist. Created when missing.
    std::string path;
    /// Bound on the key and value bytes held (default 1 GB).
    std::size_t max_bytes = std::size_t{1} << 30;
    /// How long a call waits for another process's write before it fails (and the cache
    /// treats it as a miss).
    std::chrono::milliseconds busy_timeout{5000};
    /// Where "now" comes from; empty = std::chrono::system_clock::now. Tests inject one.
    Clock clock;
    /// When the reads' recency and counts are written (see above).
    std::size_t flush_every = 64;
    std::chrono::milliseconds flush_interval{1000};
};

class SqliteCacheStore final : public ResponseCacheStore {
public:
    /// Opens (or creates) the file and its tables. Throws std::runtime_error when it cannot.
    explicit SqliteCacheStore(SqliteCacheOptions options);
    ~SqliteCacheStore() override;

    std::string_view name() const noexcept override { return "sqlite"; }
    boost::asio::awaitable<std::optional<std::string>> get(std::string key) override;
    boost::asio::awaitable<void> put(std::string key, std::string value, std::chrono::seconds ttl) override;
    boost::asio::awaitable<void> clear() override;
    boost::asio::awaitable<CacheStoreStats> stats() override;

private:
    class Database;
    std::unique_ptr<Database> db_; // used only on thread_
    boost::asio::thread_pool thread_{1};
};

} // namespace llmio

#endif

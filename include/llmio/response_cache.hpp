#ifndef LLMIO_RESPONSE_CACHE_HPP
#define LLMIO_RESPONSE_CACHE_HPP

// Where a response cache keeps its answers: opaque bytes by key, each with a time to live.
// CachingProvider (caching_provider.hpp, docs/caching.md) encodes answers and computes the keys;
// a store only keeps bytes. MemoryCacheStore is the in-process store; other stores implement
// ResponseCacheStore.
//
// Stores never fail a request: CachingProvider treats a store that throws as a miss (and counts
// it in CachingStats::store_errors). A store's calls may run on any thread, concurrently.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace llmio {

class Metrics;
enum class CacheEvent; // metrics.hpp

/// What a store holds and how it was used.
struct CacheStoreStats {
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;       ///< Key and value bytes of the entries held.
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;      ///< Expired entries included.
    std::uint64_t evictions = 0;   ///< Removed to respect the size bound.
    std::uint64_t expirations = 0; ///< Found past their time to live (and removed).
    std::uint64_t failures = 0;    ///< Calls the store could not serve (e.g. Redis down): misses, puts dropped.
    friend bool operator==(CacheStoreStats const&, CacheStoreStats const&) = default;
};

/// Bytes by key, with a time to live. Keys are CachingProvider's SHA-256 hex digests.
class ResponseCacheStore {
public:
    ResponseCacheStore() = default;
    ResponseCacheStore(ResponseCacheStore const&) = delete;
    ResponseCacheStore& operator=(ResponseCacheStore const&) = delete;
    virtual ~ResponseCacheStore() = default;

    /// "memory", "sqlite", ...: for stats and messages.
    virtual std::string_view name() const noexcept = 0;
    /// The value stored under `key` and still alive, or nullopt.
    virtual boost::asio::awaitable<std::optional<std::string>> get(std::string key) = 0;
    /// Stores `value` under `key`, replacing any value there, for `ttl` (zero or negative: no
    /// expiry). A value the store cannot hold (larger than its bound) is not stored.
    virtual boost::asio::awaitable<void> put(std::string key, std::string value, std::chrono::seconds ttl) = 0;
    /// Forgets every entry (the counters stay).
    virtual boost::asio::awaitable<void> clear() = 0;
    virtual boost::asio::awaitable<CacheStoreStats> stats() = 0;

    /// Counts this store's hits, misses, writes and failures in `metrics` under its name() (null:
    /// nothing). CachingOptions::metrics sets it; set it before the store is used.
    virtual void set_metrics(std::shared_ptr<Metrics> metrics) noexcept { metrics_ = std::move(metrics); }

protected:
    /// Adds `event` to the metrics, if any.
    void count(CacheEvent event) const noexcept;

private:
    std::shared_ptr<Metrics> metrics_;
};

struct MemoryCacheOptions {
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    /// Bound on the key and value bytes held; the least recently used entries go first.
    std::size_t max_bytes = std::size_t{256} << 20;
    /// Where "now" comes from; empty = std::chrono::steady_clock::now. Tests inject one.
    Clock clock;
};

/// An LRU map bounded in bytes, with a TTL per entry. `lookup` and `insert` are O(1) (hash map
/// plus list) under one mutex; the awaitable calls run them without suspending.
class MemoryCacheStore final : public ResponseCacheStore {
public:
    explicit MemoryCacheStore(MemoryCacheOptions options = {});

    std::string_view name() const noexcept override { return "memory"; }
    boost::asio::awaitable<std::optional<std::string>> get(std::string key) override;
    boost::asio::awaitable<void> put(std::string key, std::string value, std::chrono::seconds ttl) override;
    boost::asio::awaitable<void> clear() override;
    boost::asio::awaitable<CacheStoreStats> stats() override;

    // The same, synchronously.
    std::optional<std::string> lookup(std::string_view key);
    void insert(std::string key, std::string value, std::chrono::seconds ttl);
    bool erase(std::string_view key);
    void clear_entries();
    CacheStoreStats snapshot() const;

private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Node {
        std::string key;
        std::string value;
        std::optional<TimePoint> expires; // nullopt: never
    };
    using List = std::list<Node>;

    TimePoint now() const;
    void remove_locked(List::iterator it);

    MemoryCacheOptions options_;
    mutable std::mutex mutex_;
    List lru_; // most recently used first
    std::unordered_map<std::string_view, List::iterator> index_; // views into the nodes' keys
    CacheStoreStats stats_;
};

} // namespace llmio

#endif // LLMIO_RESPONSE_CACHE_HPP

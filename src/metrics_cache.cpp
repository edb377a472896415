// Metrics' response cache counters: a few store names ("memory", "sqlite", "redis"), each with
// one atomic per CacheEvent. A slot is claimed once under a mutex; later events only scan the
// claimed slots and add.

#include <llmio/metrics.hpp>

#include "metrics_cache_slot.hpp"

#include <algorithm>
#include <mutex>

namespace llmio {

namespace {
std::mutex claim_mutex; // claiming is rare: once per store name and Metrics
} // namespace

void Metrics::record_cache(std::string_view store, CacheEvent event) noexcept
{
    auto const e = static_cast<std::size_t>(event);
    for (std::size_t i = 0; i < kMaxCacheStores; ++i) {
        auto& slot = caches_[i];
        if (!slot.claimed.load(std::memory_order_acquire)) {
            std::lock_guard lock(claim_mutex);
            // Another thread may have claimed it, maybe for this store, meanwhile.
            if (!slot.claimed.load(std::memory_order_acquire)) {
                try {
                    slot.store = std::string(store);
                } catch (...) {
                    return; // out of memory: the event is dropped
                }
                slot.claimed.store(true, std::memory_order_release);
            }
        }
        if (slot.store == store) {
            slot.counts[e].fetch_add(1, std::memory_order_relaxed);
            return;
        }
    }
}

std::vector<CacheStoreCounts> Metrics::cache_snapshot() const
{
    std::vector<CacheStoreCounts> out;
    for (std::size_t i = 0; i < kMaxCacheStores; ++i) {
        auto const& slot = caches_[i];
        if (!slot.claimed.load(std::memory_order_acquire))
            break;
        CacheStoreCounts c;
        c.store = slot.store;
        for (std::size_t e = 0; e < kCacheEventCount; ++e)
            c.counts[e] = slot.counts[e].load(std::memory_order_relaxed);
        out.push_back(std::move(c));
    }
    std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) { return a.store < b.store; });
    return out;
}

Metrics::MeasureInfo Metrics::cache_info(CacheEvent e) noexcept
{
    switch (e) {
    case CacheEvent::hit: return {"llmio_cache_hits_total", "Response cache lookups a store answered."};
    case CacheEvent::miss: return {"llmio_cache_misses_total", "Response cache lookups a store could not answer."};
    case CacheEvent::stored: return {"llmio_cache_stores_total", "Answers written to a response cache store."};
    case CacheEvent::error:
        return {"llmio_cache_errors_total",
                "Response cache store calls that failed or were skipped (the store down); the call went on."};
    }
    return {"llmio_cache_errors_total", ""};
}

} // namespace llmio

#ifndef LLMIO_SRC_METRICS_CACHE_SLOT_HPP
#define LLMIO_SRC_METRICS_CACHE_SLOT_HPP

// One response cache store's counters in Metrics (metrics_cache.cpp). Private.

#include <llmio/metrics.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace llmio {

struct Metrics::CacheSlot {
    std::atomic<bool> claimed{false};
    std::string store; // written once, before `claimed` is set
    std::array<std::atomic<std::uint64_t>, kCacheEventCount> counts{};
};

} // namespace llmio

#endif

#include <llmio/response_cache.hpp>

#include <llmio/metrics.hpp>

namespace llmio {

void ResponseCacheStore::count(CacheEvent event) const noexcept
{
    if (metrics_)
        metrics_->record_cache(name(), event);
}

MemoryCacheStore::MemoryCacheStore(MemoryCacheOptions options) : options_(std::move(options)) {}

MemoryCacheStore::TimePoint MemoryCacheStore::now() const
{
    return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

void MemoryCacheStore::remove_locked(List::iterator it)
{
    stats_.bytes -= it->key.size() + it->value.size();
    --stats_.entries;
    index_.erase(std::string_view(it->key));
    lru_.erase(it);
}

std::optional<std::string> MemoryCacheStore::lookup(std::string_view key)
{
    std::lock_guard lock(mutex_);
    auto const found = index_.find(key);
    if (found == index_.end()) {
        ++stats_.misses;
        return std::nullopt;
    }
    auto const it = found->second;
    if (it->expires && now() >= *it->expires) {
        ++stats_.expirations;
        ++stats_.misses;
        remove_locked(it);
        return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it); // most recently used; iterators stay valid
    ++stats_.hits;
    return it->value;
}

void MemoryCacheStore::insert(std::string key, std::string value, std::chrono::seconds ttl)
{
    std::size_t const size = key.size() + value.size();
    std::lock_guard lock(mutex_);
    if (auto const found = index_.find(key); found != index_.end())
        remove_locked(found->second);
    if (size > options_.max_bytes)
        return; // could never fit
    while (stats_.bytes + size > options_.max_bytes && !lru_.empty()) {
        remove_locked(std::prev(lru_.end()));
        ++stats_.evictions;
    }
    std::optional<TimePoint> expires;
    if (ttl > std::chrono::seconds::zero())
        expires = now() + ttl;
    lru_.push_front(Node{std::move(key), std::move(value), expires});
    index_.emplace(std::string_view(lru_.front().key), lru_.begin());
    stats_.bytes += size;
    ++stats_.entries;
}

bool MemoryCacheStore::erase(std::string_view key)
{
    std::lock_guard lock(mutex_);
    auto const found = index_.find(key);
    if (found == index_.end())
        return false;
    remove_locked(found->second);
    return true;
}

void MemoryCacheStore::clear_entries()
{
    std::lock_guard lock(mutex_);
    index_.clear();
    lru_.clear();
    stats_.entries = 0;
    stats_.bytes = 0;
}

CacheStoreStats MemoryCacheStore::snapshot() const
{
    std::lock_guard lock(mutex_);
    return stats_;
}

boost::asio::awaitable<std::optional<std::string>> MemoryCacheStore::get(std::string key)
{
    auto found = lookup(key);
    count(found ? CacheEvent::hit : CacheEvent::miss);
    co_return found;
}

boost::asio::awaitable<void> MemoryCacheStore::put(std::string key, std::string value, std::chrono::seconds ttl)
{
    insert(std::move(key), std::move(value), ttl);
    count(CacheEvent::stored);
    co_return;
}

boost::asio::awaitable<void> MemoryCacheStore::clear()
{
    clear_entries();
    co_return;
}

boost::asio::awaitable<CacheStoreStats> MemoryCacheStore::stats()
{
    co_return snapshot();
}

} // namespace llmio

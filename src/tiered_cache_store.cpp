#include <llmio/tiered_cache_store.hpp>

#include <llmio/metrics.hpp>

#include <stdexcept>

namespace llmio {

TieredCacheStore::TieredCacheStore(std::shared_ptr<ResponseCacheStore> front, std::shared_ptr<ResponseCacheStore> back,
                                   std::chrono::seconds promotion_ttl)
    : front_(std::move(front)), back_(std::move(back)), promotion_ttl_(promotion_ttl)
{
    if (!front_ || !back_)
        throw std::invalid_argument("TieredCacheStore needs two stores");
}

boost::asio::awaitable<std::optional<std::string>> TieredCacheStore::get(std::string key)
{
    auto found = co_await front_->get(key);
    if (found)
        co_return found;
    found = co_await back_->get(key);
    if (found)
        co_await front_->put(std::move(key), *found, promotion_ttl_);
    co_return found;
}

boost::asio::awaitable<void> TieredCacheStore::put(std::string key, std::string value, std::chrono::seconds ttl)
{
    co_await front_->put(key, value, ttl);
    co_await back_->put(std::move(key), std::move(value), ttl);
}

boost::asio::awaitable<void> TieredCacheStore::clear()
{
    co_await front_->clear();
    co_await back_->clear();
}

void TieredCacheStore::set_metrics(std::shared_ptr<Metrics> metrics) noexcept
{
    front_->set_metrics(metrics);
    back_->set_metrics(std::move(metrics));
}

boost::asio::awaitable<CacheStoreStats> TieredCacheStore::stats()
{
    auto result = co_await back_->stats();
    co_return result;
}

} // namespace llmio

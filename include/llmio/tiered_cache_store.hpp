#ifndef LLMIO_TIERED_CACHE_STORE_HPP
#define LLMIO_TIERED_CACHE_STORE_HPP

// llmio::TieredCacheStore: a fast store (memory) in front of a larger or shared one (SQLite).
// `get` asks the front, then the back; a hit behind is promoted to the front. `put` writes
// both. `clear` clears both; `stats` are the back's (the persistent counts).
//
// A promoted entry lives in the front for `promotion_ttl` (the back's remaining lifetime is not
// known), so it may be served that long after it expired behind.

#include <llmio/response_cache.hpp>

#include <chrono>
#include <memory>

namespace llmio {

class TieredCacheStore final : public ResponseCacheStore {
public:
    /// Throws std::invalid_argument when either store is null.
    TieredCacheStore(std::shared_ptr<ResponseCacheStore> front, std::shared_ptr<ResponseCacheStore> back,
                     std::chrono::seconds promotion_ttl = std::chrono::minutes(5));

    std::string_view name() const noexcept override { return "tiered"; }
    boost::asio::awaitable<std::optional<std::string>> get(std::string key) override;
    boost::asio::awaitable<void> put(std::string key, std::string value, std::chrono::seconds ttl) override;
    boost::asio::awaitable<void> clear() override;
    boost::asio::awaitable<CacheStoreStats> stats() override;
    /// To both stores (a tier counts under its own name).
    void set_metrics(std::shared_ptr<Metrics> metrics) noexcept override;

    ResponseCacheStore& front() const noexcept { return *front_; }
    ResponseCacheStore& back() const noexcept { return *back_; }

private:
    std::shared_ptr<ResponseCacheStore> front_;
    std::shared_ptr<ResponseCacheStore> back_;
    std::chrono::seconds promotion_ttl_;
};

} // namespace llmio

#endif

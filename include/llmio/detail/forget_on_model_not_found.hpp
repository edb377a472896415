#ifndef LLMIO_DETAIL_FORGET_ON_MODEL_NOT_FOUND_HPP
#define LLMIO_DETAIL_FORGET_ON_MODEL_NOT_FOUND_HPP

// Awaits `operation`; when it fails with ModelNotFoundError the provider's model list is stale
// (the model was unloaded, deleted or renamed behind our back), so the cache forgets it before
// the error propagates.

#include <llmio/error.hpp>
#include <llmio/model_cache.hpp>

#include <boost/asio/awaitable.hpp>

#include <utility>

namespace llmio::detail {

template <class T>
boost::asio::awaitable<T> forget_on_model_not_found(ModelCache& cache, boost::asio::awaitable<T> operation)
{
    try {
        co_return co_await std::move(operation);
    } catch (ModelNotFoundError const&) {
        cache.invalidate();
        throw;
    }
}

} // namespace llmio::detail

#endif // LLMIO_DETAIL_FORGET_ON_MODEL_NOT_FOUND_HPP

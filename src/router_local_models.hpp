#ifndef LLMIO_SRC_ROUTER_LOCAL_MODELS_HPP
#define LLMIO_SRC_ROUTER_LOCAL_MODELS_HPP

// What the router knows of one local server's models (LM Studio, Ollama): which are loaded,
// from a short-lived cache, and loads that run once per model however many calls wait for one.

#include <llmio/model_cache.hpp>
#include <llmio/model_manager.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::detail {

class RouterLocalModels {
public:
    RouterLocalModels(LocalModelManager& manager, std::chrono::milliseconds ttl, ModelCache::Clock clock);

    /// From the fresh list only, without I/O: whether `model` is loaded; nullopt when the list
    /// is stale or was never fetched.
    std::optional<bool> known_loaded(std::string_view model) const;
    /// Whether `model` is loaded, listing the loaded models when the list is stale.
    boost::asio::awaitable<bool> loaded(std::string model);
    /// The loaded models' ids, freshly listed.
    boost::asio::awaitable<std::vector<std::string>> refresh();

    /// Loads `model` for a call: one load in flight per model, joined by every caller.
    boost::asio::awaitable<void> load(std::string model);
    /// Loads `model` to keep it: with a one-day idle limit where the server takes one (Ollama's
    /// keep_alive), else without any (LM Studio keeps an explicitly loaded model until unloaded).
    boost::asio::awaitable<void> load_to_keep(std::string model);

private:
    boost::asio::awaitable<void> load_once(std::string model, bool keep);

    LocalModelManager& manager_;
    ModelCache loaded_;
    std::mutex loads_mutex_;
    /// One single-flight cache per model and purpose; its fetch is the load (ttl 0: every
    /// caller that comes after a load finished loads again, the ones during it join it).
    std::map<std::string, std::unique_ptr<ModelCache>> loads_;
};

} // namespace llmio::detail

#endif

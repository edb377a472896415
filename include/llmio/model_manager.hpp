#ifndef LLMIO_MODEL_MANAGER_HPP
#define LLMIO_MODEL_MANAGER_HPP

// Local model management, implemented by providers of servers that load models themselves
// (LM Studio, Ollama). Reach it through `ModelProvider::model_manager()`.

#include <llmio/models.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace llmio {

struct LoadOptions {
    std::optional<std::int64_t> context_length;
    std::optional<bool> flash_attention;
    /// Idle time after which the server may unload the model again (LM Studio `ttl`, Ollama
    /// `keep_alive`). Unset = the server's default.
    std::optional<std::chrono::seconds> ttl;
    /// Server-specific load options not modelled here, merged into the request body last.
    boost::json::object extra;
};

struct LoadResult {
    std::string model;
    std::string instance_id;                 ///< LM Studio instance reference, when given.
    std::optional<double> load_time_seconds; ///< As the server reports it.
    boost::json::value raw;
};

struct DownloadProgress {
    std::string status;                    ///< The server's words ("downloading", "pulling manifest" ...).
    std::uint64_t completed_bytes = 0;
    std::optional<std::uint64_t> total_bytes;
    std::optional<double> bytes_per_second;
    std::optional<std::chrono::seconds> eta;
};

struct DownloadResult {
    std::string model;
    std::string status;                    ///< Final status ("completed", "success", "already downloaded").
    std::optional<std::uint64_t> total_bytes;
    boost::json::value raw;
};

/// Lifetimes, cancellation and errors as for ModelProvider (provider.hpp).
class LocalModelManager {
public:
    virtual ~LocalModelManager() = default;

    /// Models in memory now, with their loaded context length when known.
    virtual boost::asio::awaitable<std::vector<ModelInfo>> list_loaded() = 0;
    /// Models on disk, loaded or not.
    virtual boost::asio::awaitable<std::vector<ModelInfo>> list_downloaded() = 0;
    virtual boost::asio::awaitable<LoadResult> load(std::string model, LoadOptions options) = 0;
    virtual boost::asio::awaitable<void> unload(std::string model) = 0;
    /// Downloads (pulls) a model, reporting progress as the server does. Cancelling the awaiting
    /// coroutine stops following the job and asks the server to cancel it where it can.
    virtual boost::asio::awaitable<DownloadResult>
    download(std::string model, std::function<void(DownloadProgress const&)> on_progress) = 0;
};

} // namespace llmio

#endif

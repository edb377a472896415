#ifndef LLMIO_LMSTUDIO_MODEL_MANAGER_HPP
#define LLMIO_LMSTUDIO_MODEL_MANAGER_HPP

// LM Studio's model management through its native REST API (reach it through
// `Provider::model_manager()`):
// - list_downloaded / list_loaded: /api/v1/models (0.4+) or /api/v0/models (0.3.6+).
// - load / unload / download: /api/v1 only (LM Studio 0.4+); older servers throw
//   InvalidRequestError (errc::unsupported) with a hint (JIT loading, `lms load`, `lms get`).
// - load: `context_length`, `flash_attention` and `extra` are sent; LM Studio's load endpoint
//   has no idle TTL, so `ttl` is refused (use Options::ttl on inference requests, or `lms load
//   --ttl`). Returns the instance id and the server's load time.
// - unload(model): unloads every loaded instance of that model key (nothing to do when none is
//   loaded); a name that is no model key is sent as an instance id.
// - download: starts the job, then polls its status every `download_poll_interval`, reporting
//   bytes, rate and ETA, until completed (or already downloaded), failed (ServerError) or
//   `download_timeout` (TimeoutError). LM Studio documents no way to cancel a job: cancelling
//   the awaiting coroutine stops following it (CancelledError) and the server keeps
//   downloading.

#include <llmio/model_manager.hpp>

namespace llmio::lmstudio {

class Provider;

class ModelManager final : public LocalModelManager {
public:
    explicit ModelManager(Provider& provider) noexcept : provider_(provider) {}

    boost::asio::awaitable<std::vector<ModelInfo>> list_loaded() override;
    boost::asio::awaitable<std::vector<ModelInfo>> list_downloaded() override;
    boost::asio::awaitable<LoadResult> load(std::string model, LoadOptions options) override;
    boost::asio::awaitable<void> unload(std::string model) override;
    boost::asio::awaitable<DownloadResult>
    download(std::string model, std::function<void(DownloadProgress const&)> on_progress) override;

private:
    Provider& provider_;
};

/// The name before 0.x (it repeated the namespace).
using LmStudioModelManager [[deprecated("renamed to llmio::lmstudio::ModelManager")]] = ModelManager;

} // namespace llmio::lmstudio

#endif

#ifndef LLMIO_OLLAMA_PROVIDER_HPP
#define LLMIO_OLLAMA_PROVIDER_HPP

// The provider for Ollama's native API (`/api/chat`, `/api/generate`, `/api/embed`, model
// management through `/api/tags`, `/api/ps`, `/api/pull`, `/api/show` and `keep_alive`).
//
// `list_models()` (and `list_downloaded()`) combine `/api/tags` (what is on disk) with
// `/api/ps` (loaded state and the loaded context length; a server without /api/ps leaves the
// loaded state unknown) and each model's `/api/show` (capabilities, type and trained context
// length). The `/api/show` answers come from per-model caches with the model cache's rules
// (single flight, `model_cache_ttl`), at most four requests at once, so a second listing
// within the TTL costs two requests. `list_loaded()` adds the same `/api/show` details to
// `/api/ps`. `supports_model` needs only `/api/tags`.

#include <llmio/model_cache.hpp>
#include <llmio/model_manager.hpp>
#include <llmio/ollama/wire.hpp>
#include <llmio/metrics.hpp>
#include <llmio/provider.hpp>
#include <llmio/provider_transport.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace llmio::ollama {

struct Options {
    /// Where the server is: a base URL or an `OLLAMA_HOST` value, read as Ollama reads it
    /// (parse_ollama_host). Empty = 127.0.0.1:11434. A trailing `/api` is dropped, so
    /// `https://ollama.com/api` works too. Environment and config files are not read here.
    std::string base_url;
    /// The former name of `base_url`, used only when `base_url` is empty. (Not marked
    /// [[deprecated]]: GCC would then warn on every copy of Options.)
    std::string host;
    /// Sent as `Authorization: Bearer <key>` when not empty (Ollama cloud). Never logged.
    std::string api_key;
    /// `keep_alive` sent with every generation request ("5m", "-1", "0" ...); unset = the
    /// server's default. A per-request `extra["keep_alive"]` wins.
    std::optional<std::string> keep_alive;
    /// `options.num_ctx` sent with every generation request; unset = the server's default.
    std::optional<std::int64_t> num_ctx;
    /// The provider's name in errors, logs and the registry.
    std::string name = "ollama";
    http::HttpOptions http;
    RetryPolicy retry;
    /// Where requests are measured (docs/metrics.md); nullptr: not measured, at no cost.
    std::shared_ptr<Metrics> metrics;
    std::vector<http::Header> headers; ///< Extra headers on every request.
    /// How long the model list (`/api/tags`) and each model's `/api/show` answer stay cached
    /// for `supports_model` and `model_capabilities`; 0 = ask the server on every call.
    std::chrono::steady_clock::duration model_cache_ttl = std::chrono::minutes(5);
    /// Where the model cache's "now" comes from; empty = std::chrono::steady_clock (tests
    /// inject a clock to expire the TTL without waiting).
    ModelCache::Clock model_cache_clock;
};

class OllamaProvider : public ModelProvider, private LocalModelManager {
public:
    OllamaProvider(boost::asio::any_io_executor executor, Options options);

    std::string_view name() const noexcept override { return options_.name; }
    ProviderFeatures features() const noexcept override;
    LocalModelManager* model_manager() noexcept override { return this; }

    ProviderTransport& transport() noexcept { return transport_; }

    /// Deletes a downloaded model (`DELETE /api/delete`). Throws ModelNotFoundError when the
    /// server has no such model.
    boost::asio::awaitable<void> delete_model(std::string model);

    /// Forgets the cached model list and `/api/show` answers, e.g. after the `ollama` CLI pulled
    /// or removed a model. The provider does this itself after its own load, unload, download
    /// and delete, and whenever the server answers "model not found".
    void invalidate_model_cache() noexcept;

protected:
    boost::asio::awaitable<std::vector<ModelInfo>> do_list_models() override;
    boost::asio::awaitable<ChatResponse> do_chat(ChatRequest, CallOptions) override;
    boost::asio::awaitable<ChatStream> do_chat_stream(ChatRequest, CallOptions) override;
    boost::asio::awaitable<CompletionResponse> do_complete(CompletionRequest, CallOptions) override;
    boost::asio::awaitable<CompletionStream> do_complete_stream(CompletionRequest, CallOptions) override;
    boost::asio::awaitable<EmbeddingResponse> do_embed(EmbeddingRequest, CallOptions) override;
    boost::asio::awaitable<bool> do_supports_model(std::string model) override;
    boost::asio::awaitable<std::optional<ModelCapabilities>> do_model_capabilities(std::string model) override;
    boost::asio::awaitable<HealthStatus> do_health() override;
    boost::asio::awaitable<ServerInfo> do_info() override;
    std::span<std::string const> secrets() const noexcept override { return transport_.secrets(); }

private:
    // LocalModelManager
    boost::asio::awaitable<std::vector<ModelInfo>> list_loaded() override;
    boost::asio::awaitable<std::vector<ModelInfo>> list_downloaded() override;
    boost::asio::awaitable<LoadResult> load(std::string model, LoadOptions options) override;
    boost::asio::awaitable<void> unload(std::string model) override;
    boost::asio::awaitable<DownloadResult>
    download(std::string model, std::function<void(DownloadProgress const&)> on_progress) override;

    boost::asio::awaitable<http::HttpResponse> post_json(std::string path, std::string body, CallOptions const& call,
                                                  std::string_view expected_member);
    boost::asio::awaitable<http::HttpResponse> get_json(std::string path, std::string_view expected_member);
    boost::asio::awaitable<DownloadResult> pull(std::string model,
                                                std::function<void(DownloadProgress const&)> on_progress);
    /// `/api/tags` alone (the model cache's fetch: `supports_model` needs no more).
    boost::asio::awaitable<std::vector<ModelInfo>> fetch_tags();
    /// Capabilities, type and context length from each model's `/api/show` (cached per model),
    /// for fields the listing left unset; kShowsAtOnce requests at most in flight.
    boost::asio::awaitable<void> add_shown_capabilities(std::vector<ModelInfo>& models);
    static constexpr std::size_t kShowsAtOnce = 4;
    /// One `/api/show` request, as the one-entry list a per-model ModelCache holds.
    boost::asio::awaitable<std::vector<ModelInfo>> fetch_show(std::string model);
    std::shared_ptr<ModelCache> show_cache(std::string const& canonical_name);
    RequestDefaults defaults() const { return {options_.keep_alive, options_.num_ctx}; }

    Options options_;
    ProviderTransport transport_;
    ModelCache models_; ///< `/api/tags`, keyed by canonical name.
    std::mutex shows_mutex_;
    /// `/api/show` per canonical model name. Shared: a call keeps its cache alive even when
    /// `invalidate_model_cache` drops the map entries meanwhile.
    std::unordered_map<std::string, std::shared_ptr<ModelCache>> shows_;
};

} // namespace llmio::ollama

#endif

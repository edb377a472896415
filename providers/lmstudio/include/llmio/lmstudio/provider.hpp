#ifndef LLMIO_LMSTUDIO_PROVIDER_HPP
#define LLMIO_LMSTUDIO_PROVIDER_HPP

// The LM Studio provider (registry name "lmstudio").
//
// Inference goes through LM Studio's OpenAI-compatible `/v1` layer with llmio::openai's wire
// code and SSE source (one implementation of the OpenAI dialect) over this provider's own
// transport, plus what LM Studio needs:
// - `response_format: json_object` is rejected before anything is sent (LM Studio answers it
//   with "'response_format.type' must be 'json_schema' or 'text'"): use json_schema.
// - `ttl` and `draft_model` defaults from Options go into every inference body (a request's
//   own `extra` wins); streamed chats ask for usage by default.
// - LM Studio's errors with status 200 (`{"error":"Unexpected endpoint or method. (GET /foo)"}`,
//   context overflow as `{"error":"Trying to keep the first N tokens when context the
//   overflows..."}`, `data: {"error":{"message":"Compute error."},"message":...}` in a
//   stream) become typed errors; "No models loaded" becomes ModelNotFoundError with a hint to
//   load one.
//
// Model inventory and management use the native API, probed once per provider and remembered:
// /api/v1 (0.4+), else /api/v0 (0.3.6+), else /v1 only. `list_models()` lists from the native
// API when there is one (type, publisher, architecture, quantization, format, size, loaded
// state and context lengths, capabilities), else from /v1/models (ids only).
// `model_manager()` gives the LocalModelManager (see lmstudio/model_manager.hpp).
//
// Server statistics: non-streamed chats and completions go to `/api/v0/chat/completions` and
// `/api/v0/completions` when the server has the native API (0.3.6+; 0.4 keeps v0), with the
// same body as on /v1; LM Studio then adds `stats` (tokens per second, time to first token,
// generation time, stop reason), which become `ChatResponse::stats` /
// `CompletionResponse::stats`. Streams stay on /v1 (v0 streams carry no stats). Before 0.3.6,
// or with `Options::native_stats = false`, everything goes through /v1 and `stats` is unset.

#include <llmio/lmstudio/model_manager.hpp>
#include <llmio/lmstudio/native_chat.hpp>
#include <llmio/lmstudio/native_wire.hpp>
#include <llmio/model_cache.hpp>
#include <llmio/metrics.hpp>
#include <llmio/provider.hpp>
#include <llmio/provider_transport.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::lmstudio {

/// LM Studio's default server address (`lms server start` without `--port`).
inline constexpr char const* kDefaultBaseUrl = "http://127.0.0.1:1234";

/// The API prefixes a base URL may end with: LM Studio serves the OpenAI API under `/v1` and
/// its own under `/api/v0` and `/api/v1`; whichever the user wrote, the same server is meant.
inline constexpr std::array<std::string_view, 3> kApiPrefixes{"/v1", "/api/v0", "/api/v1"};

struct Options {
    /// Server address; `/v1`, `/api/v0` or `/api/v1` may be given or not.
    std::string base_url = kDefaultBaseUrl;
    /// LM Studio >= 0.4 API token, sent as `Authorization: Bearer <token>` when not empty.
    /// Never logged. Config files and `LM_API_TOKEN` / `LMSTUDIO_API_TOKEN` set it.
    std::string api_key;
    /// Deprecated: the former name of `api_key`, used only when `api_key` is empty. (Not marked
    /// [[deprecated]]: GCC would then warn on every copy of Options.)
    std::string api_token;
    /// The provider's name in errors, logs, metrics and the registry: the instance's name when
    /// a config file makes it ("ws" of kind lmstudio).
    std::string name = "lmstudio";
    /// Streamed chats ask for a usage report (`stream_options.include_usage`, LM Studio >= 0.3.18)
    /// unless the request says otherwise.
    bool include_usage = true;
    /// Idle time after which LM Studio may unload a model that a request JIT-loaded; sent as
    /// `ttl` (seconds) on chat, completion and embedding requests. Unset: the server's default.
    std::optional<std::chrono::seconds> ttl;
    /// Send non-streamed chats and completions to /api/v0 when the server has it, so that
    /// responses carry LM Studio's `stats` (see above).
    bool native_stats = true;
    /// Speculative-decoding draft model sent as `draft_model` on chat and completion requests.
    std::optional<std::string> draft_model;
    http::HttpOptions http;
    RetryPolicy retry;
    /// Where requests are measured (docs/metrics.md); nullptr: not measured, at no cost.
    std::shared_ptr<Metrics> metrics;
    std::vector<http::Header> headers; ///< Extra headers on every request.
    /// How often `download` polls the job's status, and how long it follows a job at most.
    std::chrono::milliseconds download_poll_interval{1000};
    std::chrono::seconds download_timeout{std::chrono::hours(24)};
    /// How long the model list behind `supports_model` and `model_capabilities` is reused
    /// (ModelCache; zero = list on every call). Forgotten early after our own load, unload and
    /// download, and when a call fails with ModelNotFoundError.
    std::chrono::steady_clock::duration model_cache_ttl = std::chrono::minutes(5);
};

class Provider : public ModelProvider {
public:
    Provider(boost::asio::any_io_executor executor, Options options);

    std::string_view name() const noexcept override { return options_.name; }
    ProviderFeatures features() const noexcept override;

    ProviderTransport& transport() noexcept { return transport_; }
    Options const& options() const noexcept { return options_; }
    LocalModelManager* model_manager() noexcept override { return &manager_; }

    /// The cached model list (`supports_model`, `model_capabilities`); `invalidate()` it after
    /// changing the server's models by other means (`lms load`, the app).
    ModelCache& model_cache() noexcept { return cache_; }

    /// The server's native API: probed on first use (GET /api/v1/models, then /api/v0/models)
    /// and remembered for this provider. The probe retries like any request, per `call.retry`
    /// or else `Options::retry` (a refused connection is retried). Transport and
    /// authentication errors propagate and are not remembered.
    boost::asio::awaitable<NativeApi> native_api(CallOptions call = {});
    /// The model list from the native API, probing it first when needed (the probe's answer is
    /// then the list: one request); nullopt when the server has no native API.
    boost::asio::awaitable<std::optional<std::vector<ModelInfo>>> native_listing(CallOptions call = {});
    /// The model list from `api` (v1 or v0).
    boost::asio::awaitable<std::vector<ModelInfo>> native_models(NativeApi api, CallOptions call = {});

    /// A chat through LM Studio's own `/api/v1/chat` (0.4+; see native_chat.hpp), with model-load
    /// and prompt-processing progress. Streamed (the default), every progress event that shows
    /// the load or the processing advancing (a start, an end, a higher `progress`) gives the
    /// server another `Timeouts::first_byte` (at least `Timeouts::idle`) to send the next
    /// sign of life, so a cold load that keeps advancing does not time out, while one that
    /// stops advancing (silent, or repeating the same progress) still fails with TimeoutError.
    /// Once the answer streams, `Timeouts::idle` applies between reads as usual. An `error`
    /// event becomes the typed error its `error.type` names (model_not_found ->
    /// ModelNotFoundError, invalid_request -> InvalidRequestError, ...). Throws
    /// InvalidRequestError when the server has no /api/v1 (errc::unsupported).
    boost::asio::awaitable<ChatResponse> native_chat(NativeChatRequest request,
                                                     NativeChatCallbacks callbacks = {},
                                                     CallOptions call = {});

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
    /// What probing found: the API, and the model list body the probe received (the first
    /// listing uses it instead of asking again).
    struct Probe {
        NativeApi api = NativeApi::none;
        std::string models_body;
    };
    boost::asio::awaitable<Probe> probe(CallOptions const& call);
    /// Adds the Options defaults (`ttl`, `draft_model`) that `extra` does not set already.
    void add_defaults(boost::json::object& extra, bool generation) const;
    void check_chat_request(ChatRequest const& request) const;
    /// native_chat without the attribution and redaction of its errors.
    boost::asio::awaitable<ChatResponse> native_chat_call(NativeChatRequest request,
                                                          NativeChatCallbacks callbacks, CallOptions call);
    /// Whether non-streamed generations go to /api/v0 (native_stats and the server has it).
    boost::asio::awaitable<bool> use_v0(CallOptions const& call);
    /// GET /v1/models: the listing of a server without the native API, and its model count.
    boost::asio::awaitable<std::vector<ModelInfo>> v1_models();

    Options options_;
    ProviderTransport transport_;
    std::atomic<int> native_{-1}; // NativeApi once probed
    ModelCache cache_;
    ModelManager manager_{*this};
};

/// The name before 0.x (it repeated the namespace).
using LmStudioProvider [[deprecated("renamed to llmio::lmstudio::Provider")]] = Provider;

} // namespace llmio::lmstudio

#endif

#ifndef LLMIO_LMSTUDIO_PROVIDER_HPP
#define LLMIO_LMSTUDIO_PROVIDER_HPP

// The LM Studio provider (registry name "lmstudio").
//
// Inference goes through LM Studio's OpenAI-compatible `/v1` layer with llmio::openai's wire
// code and provider (one implementation of the OpenAI dialect), plus what LM Studio needs:
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
// Non-streamed chats use `/v1/chat/completions` too, not `/api/v0/chat/completions`: v0 adds
// `stats` but is superseded by `/api/v1` (0.4+), is missing on builds before 0.3.6 and does
// not stream stats either, so one route keeps the behaviour the same on every version.

#include <llmio/lmstudio/model_manager.hpp>
#include <llmio/lmstudio/native_wire.hpp>
#include <llmio/openai/provider.hpp>
#include <llmio/provider.hpp>
#include <llmio/provider_transport.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace llmio::lmstudio {

/// LM Studio's default server address (`lms server start` without `--port`).
inline constexpr char const* kDefaultBaseUrl = "http://127.0.0.1:1234";

struct Options {
    /// Server address; `/v1`, `/api/v0` or `/api/v1` may be given or not.
    std::string base_url = kDefaultBaseUrl;
    /// LM Studio >= 0.4 API token, sent as `Authorization: Bearer <token>` when not empty.
    /// Never logged.
    std::string api_token;
    /// Streamed chats ask for a usage report (`stream_options.include_usage`, LM Studio >= 0.3.18)
    /// unless the request says otherwise.
    bool include_usage = true;
    /// Idle time after which LM Studio may unload a model that a request JIT-loaded; sent as
    /// `ttl` (seconds) on chat, completion and embedding requests. Unset: the server's default.
    std::optional<std::chrono::seconds> ttl;
    /// Speculative-decoding draft model sent as `draft_model` on chat and completion requests.
    std::optional<std::string> draft_model;
    http::HttpOptions http;
    RetryPolicy retry;
    std::vector<http::Header> headers; ///< Extra headers on every request.
    /// How often `download` polls the job's status, and how long it follows a job at most.
    std::chrono::milliseconds download_poll_interval{1000};
    std::chrono::seconds download_timeout{std::chrono::hours(24)};
};

class LmStudioProvider : public ModelProvider {
public:
    LmStudioProvider(boost::asio::any_io_executor executor, Options options);

    std::string_view name() const noexcept override { return "lmstudio"; }
    ProviderFeatures features() const noexcept override;

    ProviderTransport& transport() noexcept { return v1_.transport(); }
    Options const& options() const noexcept { return options_; }
    LocalModelManager* model_manager() noexcept override { return &manager_; }

    /// The server's native API: probed on first use (GET /api/v1/models, then /api/v0/models)
    /// and remembered for this provider. Transport and authentication errors propagate and
    /// are not remembered.
    boost::asio::awaitable<NativeApi> native_api();
    /// The model list from `api` (v1 or v0).
    boost::asio::awaitable<std::vector<ModelInfo>> native_models(NativeApi api);

protected:
    boost::asio::awaitable<std::vector<ModelInfo>> do_list_models() override;
    boost::asio::awaitable<ChatResponse> do_chat(ChatRequest, CallOptions) override;
    boost::asio::awaitable<ChatStream> do_chat_stream(ChatRequest, CallOptions) override;
    boost::asio::awaitable<CompletionResponse> do_complete(CompletionRequest, CallOptions) override;
    boost::asio::awaitable<EmbeddingResponse> do_embed(EmbeddingRequest, CallOptions) override;
    boost::asio::awaitable<bool> do_supports_model(std::string model) override;
    boost::asio::awaitable<std::optional<ModelCapabilities>> do_model_capabilities(std::string model) override;
    boost::asio::awaitable<HealthStatus> do_health() override;
    boost::asio::awaitable<ServerInfo> do_info() override;

private:
    /// Adds the Options defaults (`ttl`, `draft_model`) that `extra` does not set already.
    void add_defaults(boost::json::object& extra, bool generation) const;
    void check_chat_request(ChatRequest const& request) const;

    Options options_;
    openai::OpenAICompatibleProvider v1_;
    std::atomic<int> native_{-1}; // NativeApi once probed
    LmStudioModelManager manager_{*this};
};

} // namespace llmio::lmstudio

#endif

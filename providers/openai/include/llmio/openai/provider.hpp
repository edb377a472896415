#ifndef LLMIO_OPENAI_PROVIDER_HPP
#define LLMIO_OPENAI_PROVIDER_HPP

// The generic OpenAI-compatible provider: OpenAI itself, llama.cpp's llama-server, vLLM,
// LM Studio's /v1 layer and any server speaking `/v1/chat/completions`.

#include <llmio/model_cache.hpp>
#include <llmio/metrics.hpp>
#include <llmio/provider.hpp>
#include <llmio/provider_transport.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace llmio {
class ProviderRegistry;
}

namespace llmio::openai {

struct Options {
    /// Base URL; `/v1` may be given or not. The default is OpenAI's API.
    std::string base_url = "https://api.openai.com/v1";
    /// Sent as `Authorization: Bearer <key>` when not empty. Never logged.
    std::string api_key;
    /// Ask for a usage report at the end of streams (`stream_options.include_usage`). Unset:
    /// on for api.openai.com, off elsewhere, because some compatible servers reject the field.
    std::optional<bool> include_usage;
    /// The provider's name in errors, logs and the registry.
    std::string name = "openai";
    http::HttpOptions http;
    RetryPolicy retry;
    /// Where requests are measured (docs/metrics.md); nullptr: not measured, at no cost.
    std::shared_ptr<Metrics> metrics;
    std::vector<http::Header> headers; ///< Extra headers on every request.
    /// How long the model list behind `supports_model` and `model_capabilities` is reused
    /// (ModelCache; zero = list on every call). Forgotten early when a call fails with
    /// ModelNotFoundError.
    std::chrono::steady_clock::duration model_cache_ttl = std::chrono::minutes(5);
    /// The kind of server behind `base_url` when known: "llamacpp" gets a JSON schema both in
    /// `response_format` and in llama.cpp's own top-level `json_schema` (servers of early 2025
    /// ignore the former). Empty: a chat that asks for a JSON schema identifies the server from
    /// its (cached) model list, llama.cpp listing `owned_by: "llamacpp"`. Any other value: the
    /// schema goes in `response_format` only.
    std::string server_kind;
};

class OpenAICompatibleProvider : public ModelProvider {
public:
    OpenAICompatibleProvider(boost::asio::any_io_executor executor, Options options);

    std::string_view name() const noexcept override { return options_.name; }
    ProviderFeatures features() const noexcept override
    {
        ProviderFeatures f;
        f.completion_streaming = true;
        return f;
    }

    /// Whether streamed chats ask for usage by default.
    bool include_usage_default() const noexcept { return include_usage_; }

    ProviderTransport& transport() noexcept { return transport_; }
    ProviderTransport const& transport() const noexcept { return transport_; }

    /// The cached model list (`supports_model`, `model_capabilities`); `invalidate()` it after
    /// changing the server's models by other means.
    ModelCache& model_cache() noexcept { return cache_; }

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
    /// The chat body, with llama.cpp's `json_schema` added when the server is llama.cpp.
    boost::asio::awaitable<std::string> chat_body(ChatRequest const& request, bool stream);
    boost::asio::awaitable<bool> is_llamacpp();

    Options options_;
    bool include_usage_;
    ProviderTransport transport_;
    ModelCache cache_;
};

/// Health of an OpenAI-compatible API behind `transport`: one GET /v1/models, not retried.
/// Never throws a ProviderError (the status says what failed) except CancelledError.
boost::asio::awaitable<HealthStatus> models_health(ProviderTransport& transport);

} // namespace llmio::openai

#endif

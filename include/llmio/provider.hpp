#ifndef LLMIO_PROVIDER_HPP
#define LLMIO_PROVIDER_HPP

// The one interface every LLM server plugin implements.
//
// Public calls are non-virtual and forward to protected `do_*` virtuals (so defaults never sit
// on virtual functions and the interface can grow checks in one place). Every call returns an
// awaitable: `co_await provider.chat(request)`. From non-coroutine code:
//
//     auto future = boost::asio::co_spawn(ex, provider.chat(request), boost::asio::use_future);
//
// Lifetimes: the provider must outlive every operation and every ChatStream it returned, and
// must itself be destroyed before the io_context whose executor it was given (like any Asio
// I/O object: it closes its pooled sockets then). Arguments are taken by value, so the
// caller's objects need not outlive the call.
// Cancellation: every call honours the awaiting coroutine's cancellation slot (terminal
// cancellation) and then throws CancelledError; the connection in use is closed, never pooled.
// Thread safety: a provider (and its HttpClient) may be used from any number of threads and
// coroutines at once, on any executor, a multi-threaded io_context included (no strand
// needed); one ChatStream is used by one coroutine at a time. A Logger given in the options
// may be called from several threads at once.
// Errors: every failure is a llmio::ProviderError subclass (see error.hpp).

#include <llmio/chat.hpp>
#include <llmio/chat_stream.hpp>
#include <llmio/completion.hpp>
#include <llmio/completion_stream.hpp>
#include <llmio/embedding.hpp>
#include <llmio/http/http_options.hpp>
#include <llmio/models.hpp>
#include <llmio/retry.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmio {

class LocalModelManager;
class Metrics;
class RequestMeter;

/// Per-call control of a response cache (CachingProvider, docs/caching.md); providers without
/// a cache ignore it. Trivially copyable.
struct CacheControl {
    bool bypass = false;  ///< Neither read nor write the cache for this call.
    bool refresh = false; ///< Do not read the cache; ask the server and store its answer.
    /// How long this call's answer stays cached; unset: the cache's default.
    std::optional<std::chrono::seconds> ttl;
};

/// Per-call overrides of the provider's defaults.
struct CallOptions {
    std::optional<RetryPolicy> retry;
    std::optional<http::Timeouts> timeouts;
    /// Where the transport records what it sees of this call (retries, connection, time to
    /// first byte, bytes). The public calls set it when the provider has Metrics; a decorator
    /// that measures a call itself may pass its own to a provider that has none.
    RequestMeter* meter = nullptr;
    /// What a response cache may do with this call.
    CacheControl cache;
};

/// What kind of server answered and how to reach it.
struct ServerInfo {
    std::string kind;      ///< "lmstudio", "ollama", "llamacpp", "vllm" or "openai".
    std::string version;   ///< When the server reveals it.
    std::string base_url;  ///< The normalised base URL.
    bool auth_required = false;
    std::optional<std::size_t> model_count;
    boost::json::value raw; ///< What the server said about itself, when anything.
};

struct HealthStatus {
    bool ok = false;
    std::string detail;    ///< Why not, or what the server said.
    std::chrono::milliseconds latency{0};
};

/// What a provider (and the server behind it) can do. The conformance suite skips, with this
/// reason, the cases a provider declares it cannot do.
struct ProviderFeatures {
    bool streaming = true;
    bool tools = true;
    bool structured_output = true;
    bool completions = true;
    /// Streamed text completions (`complete_stream`). Off unless a provider implements them.
    bool completion_streaming = false;
    bool embeddings = true;
    bool model_management = false;
};

class ModelProvider {
public:
    virtual ~ModelProvider() = default;
    ModelProvider(ModelProvider const&) = delete;
    ModelProvider& operator=(ModelProvider const&) = delete;

    /// The registry name: "openai", "lmstudio", "ollama", ...
    virtual std::string_view name() const noexcept = 0;
    virtual ProviderFeatures features() const noexcept = 0;
    /// LM Studio and Ollama manage local models; others return nullptr.
    virtual LocalModelManager* model_manager() noexcept { return nullptr; }

    /// Where this provider records its requests (its Options' `metrics`); nullptr: nowhere.
    std::shared_ptr<Metrics> const& metrics() const noexcept { return metrics_; }

    /// Models the server offers. Throws the usual transport and server errors.
    boost::asio::awaitable<std::vector<ModelInfo>> list_models();

    /// A complete answer. Retried per the retry policy on transient failures.
    boost::asio::awaitable<ChatResponse> chat(ChatRequest request, CallOptions options = {});

    /// Starts a streamed answer; returns once the server accepted the request (status 2xx).
    /// Failures before that are retried per the policy; nothing is retried once the stream
    /// was handed out (the commit point).
    boost::asio::awaitable<ChatStream> chat_stream(ChatRequest request, CallOptions options = {});

    /// Streams, calling `on_chunk` for each chunk as it arrives, and returns the assembled
    /// answer. `on_chunk` runs on the awaiting coroutine's executor; an exception it throws
    /// closes the stream and propagates.
    boost::asio::awaitable<ChatResponse> chat_stream(ChatRequest request,
                                                     std::function<void(ChatChunk const&)> on_chunk,
                                                     CallOptions options = {});

    /// Legacy text completion (`/v1/completions` or the server's equivalent).
    boost::asio::awaitable<CompletionResponse> complete(CompletionRequest request,
                                                        CallOptions options = {});

    /// Starts a streamed legacy text completion; returns once the server accepted the request,
    /// with `chat_stream`'s commit point and retry rules. A provider without it
    /// (`features().completion_streaming` false) throws InvalidRequestError (errc::unsupported).
    boost::asio::awaitable<CompletionStream> complete_stream(CompletionRequest request,
                                                             CallOptions options = {});

    /// One vector per input, in input order.
    boost::asio::awaitable<EmbeddingResponse> embed(EmbeddingRequest request, CallOptions options = {});

    /// Whether the server knows `model` (from the model cache, refreshed once on a miss).
    boost::asio::awaitable<bool> supports_model(std::string model);

    /// The model's capabilities, or nullopt when the server does not know the model.
    boost::asio::awaitable<std::optional<ModelCapabilities>> model_capabilities(std::string model);

    /// Never throws for an unreachable or unhealthy server: that is `ok == false` with a reason.
    /// Throws only CancelledError.
    boost::asio::awaitable<HealthStatus> health();

    boost::asio::awaitable<ServerInfo> info();

protected:
    ModelProvider() = default;

    /// Called by a provider's constructor with its Options' `metrics`: chat, chat_stream,
    /// complete, complete_stream and embed are then measured and recorded there.
    void set_metrics(std::shared_ptr<Metrics> metrics) noexcept { metrics_ = std::move(metrics); }

    /// Secrets (API keys, tokens) redacted from every error the public calls throw.
    virtual std::span<std::string const> secrets() const noexcept { return {}; }

    virtual boost::asio::awaitable<std::vector<ModelInfo>> do_list_models() = 0;
    virtual boost::asio::awaitable<ChatResponse> do_chat(ChatRequest, CallOptions) = 0;
    virtual boost::asio::awaitable<ChatStream> do_chat_stream(ChatRequest, CallOptions) = 0;
    virtual boost::asio::awaitable<CompletionResponse> do_complete(CompletionRequest, CallOptions) = 0;
    /// Not pure, so that providers written before it still compile: throws errc::unsupported.
    virtual boost::asio::awaitable<CompletionStream> do_complete_stream(CompletionRequest, CallOptions);
    virtual boost::asio::awaitable<EmbeddingResponse> do_embed(EmbeddingRequest, CallOptions) = 0;
    virtual boost::asio::awaitable<bool> do_supports_model(std::string model) = 0;
    virtual boost::asio::awaitable<std::optional<ModelCapabilities>> do_model_capabilities(std::string model) = 0;
    virtual boost::asio::awaitable<HealthStatus> do_health() = 0;
    virtual boost::asio::awaitable<ServerInfo> do_info() = 0;

private:
    std::shared_ptr<Metrics> metrics_;
};

} // namespace llmio

#endif

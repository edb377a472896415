#ifndef LLMIO_CACHING_PROVIDER_HPP
#define LLMIO_CACHING_PROVIDER_HPP

// llmio::CachingProvider: a response cache in front of any provider (or a Router).
//
//     auto cached = std::make_shared<llmio::CachingProvider>(provider);   // memory, deterministic
//     auto answer = co_await cached->chat(request);                       // answer.cached: a hit
//
// - What is cached (`CacheMode`): `deterministic` (the default) caches chats and completions
//   asked with temperature 0 or a seed, and every embedding; `always` caches every chat,
//   completion and embedding; `off` nothing. Per call, `CallOptions::cache` bypasses the cache,
//   refreshes the entry, or sets the entry's time to live.
// - The key: SHA-256 of a canonical JSON (object keys sorted) of the scope (the wrapped
//   provider's name unless set), the operation and every request field that changes the answer
//   (model, messages, tools, tool choice, response format, sampling parameters, stop, seed,
//   max tokens, `extra` ...). Not the streamed-or-not choice, API keys or timeouts: a streamed
//   chat and a plain one share their entry.
// - Only complete successful answers are stored: never an error, a cancelled call, a stream
//   that failed, was truncated or was closed before its end. `complete_stream` passes through,
//   uncached.
// - A streamed chat served from the cache is a ChatStream replaying the recorded chunks
//   (content, reasoning, tool-call deltas, usage, finish reason); `result().cached` is true.
// - Single flight: identical cacheable requests in flight at once share one upstream call. The
//   followers get the leader's answer (a stream follower replays it once the leader's stream
//   ended), or the leader's error; when the leader was cancelled or its stream did not end,
//   they start over (one of them leads).
//
// Thread safety: like every provider. The wrapped provider and the store must outlive it.

#include <llmio/provider.hpp>
#include <llmio/response_cache.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace llmio {

enum class CacheMode {
    off,           ///< Nothing is cached.
    deterministic, ///< Temperature 0 or a seed (chats, completions); every embedding.
    always,        ///< Every chat, completion and embedding.
};

/// "off", "deterministic", "always".
std::string_view to_string(CacheMode mode) noexcept;
/// The mode named `text`, or nullopt.
std::optional<CacheMode> cache_mode_from_string(std::string_view text) noexcept;

struct CachingOptions {
    CacheMode mode = CacheMode::deterministic;
    /// Where answers are kept; null: a MemoryCacheStore with its default bound (256 MB).
    std::shared_ptr<ResponseCacheStore> store;
    /// How long an answer stays cached unless the call says otherwise (zero: no expiry).
    std::chrono::seconds ttl = std::chrono::hours(1);
    /// What tells this upstream apart from others sharing the store (e.g. its base URL);
    /// empty: the wrapped provider's name().
    std::string scope;
    /// Answers whose encoding is larger are passed on but not stored (nor kept while a stream
    /// is recorded beyond it).
    std::size_t max_entry_bytes = std::size_t{16} << 20;
    /// Counts the store's (each tier's) hits, misses, writes and errors, and every answer from
    /// the cache as a request with outcome "cached" (docs/metrics.md); null: nothing measured.
    std::shared_ptr<Metrics> metrics;
};

/// What a CachingProvider did, since it was made.
struct CachingStats {
    std::uint64_t hits = 0;          ///< Answered from the store.
    std::uint64_t shared = 0;        ///< Answered by another identical call in flight.
    std::uint64_t misses = 0;        ///< Cacheable calls that went upstream.
    std::uint64_t stored = 0;        ///< Answers written to the store.
    std::uint64_t uncached = 0;      ///< Calls not cacheable (mode, bypass) that went upstream.
    std::uint64_t store_errors = 0;  ///< Store failures, treated as misses.
};

class CachingProvider : public ModelProvider {
public:
    /// Throws InvalidRequestError when `upstream` is null.
    explicit CachingProvider(std::shared_ptr<ModelProvider> upstream, CachingOptions options = {});
    ~CachingProvider() override;

    std::string_view name() const noexcept override { return upstream_->name(); }
    ProviderFeatures features() const noexcept override { return upstream_->features(); }
    LocalModelManager* model_manager() noexcept override { return upstream_->model_manager(); }

    ModelProvider& upstream() const noexcept { return *upstream_; }
    ResponseCacheStore& store() const noexcept { return *options_.store; }
    CachingOptions const& options() const noexcept { return options_; }
    CachingStats stats() const noexcept;

    /// The cache keys of these requests (64 hex digits).
    std::string key(ChatRequest const& request) const;
    std::string key(CompletionRequest const& request) const;
    std::string key(EmbeddingRequest const& request) const;
    /// Whether a call with this request and control would use the cache.
    bool cacheable(ChatRequest const& request, CacheControl const& control) const noexcept;
    bool cacheable(CompletionRequest const& request, CacheControl const& control) const noexcept;
    bool cacheable(EmbeddingRequest const& request, CacheControl const& control) const noexcept;

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

private:
    struct Flight;
    struct Waiter;
    class Lease;
    class RecordingSource;
    friend class RecordingSource;

    /// A hit (`bytes`), or the right to call upstream (`lease`, maybe without a flight).
    struct Ticket;

    template <class Response, class Request>
    using UpstreamCall = boost::asio::awaitable<Response> (ModelProvider::*)(Request, CallOptions);
    template <class Response, class Request>
    boost::asio::awaitable<Response> cached_call(Request request, CallOptions options, Operation operation,
                                                 UpstreamCall<Response, Request> call,
                                                 Response (*decode)(std::string_view));
    boost::asio::awaitable<Ticket> acquire(std::string key, bool refresh);
    boost::asio::awaitable<void> store_answer(std::string key, std::shared_ptr<std::string const> bytes,
                                              std::chrono::seconds ttl);
    void finish(Flight& flight, std::shared_ptr<std::string const> bytes, std::exception_ptr error);
    std::chrono::seconds ttl_of(CacheControl const& control) const noexcept;
    void record_cached(std::string_view model, Operation operation, std::chrono::steady_clock::time_point started) const noexcept;
    bool deterministic(std::optional<double> temperature, std::optional<std::int64_t> seed,
                       CacheControl const& control) const noexcept;

    std::shared_ptr<ModelProvider> upstream_;
    CachingOptions options_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<Flight>> flights_; // guarded by mutex_
    std::uint64_t flights_finished_ = 0;                                // guarded by mutex_

    struct Counters {
        std::atomic<std::uint64_t> hits{0}, shared{0}, misses{0}, stored{0}, uncached{0}, store_errors{0};
    };
    mutable Counters counters_;
};

} // namespace llmio

#endif // LLMIO_CACHING_PROVIDER_HPP

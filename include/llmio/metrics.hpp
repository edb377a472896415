#ifndef LLMIO_METRICS_HPP
#define LLMIO_METRICS_HPP

// What every request cost, counted where the application can read it: `llmio::Metrics` is a
// registry of counters and log-scale histograms labelled by provider, model, operation and
// outcome, updated with atomics (no lock once a label set was seen), read as a snapshot with
// percentiles or as Prometheus text.
//
//     auto metrics = std::make_shared<llmio::Metrics>();
//     llmio::ollama::Options options;
//     options.metrics = metrics;              // every provider's Options has it
//     ...
//     std::string page = metrics->to_prometheus();
//
// A provider without Metrics measures nothing: its calls cost one null pointer check.
// Providers record through `RequestMeter` (the transport fills in what it sees); a decorator
// (a router, a cache) records the same way, or calls `Metrics::record` with its own figures.
// docs/metrics.md lists every metric.

#include <llmio/error.hpp>
#include <llmio/usage.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio {

/// Which call a request was.
enum class Operation { chat, chat_stream, complete, complete_stream, embed };

/// "chat", "chat_stream", "complete", "complete_stream", "embed".
std::string_view to_string(Operation op) noexcept;

/// The outcome label of a finished request: "success", or the error's kind in snake case
/// ("network", "timeout", "cancelled", "malformed_response", "authentication", "rate_limit",
/// "model_not_found", "invalid_request", "context_length", "server").
std::string_view outcome_name(std::optional<ErrorKind> error) noexcept;

/// Everything measured about one request; what the observer receives. Durations are those of
/// the Metrics' clock, except `queue_wait` and `connect`, which the HTTP client measures on
/// std::chrono::steady_clock.
struct RequestRecord {
    using Duration = std::chrono::steady_clock::duration;

    std::string_view provider; ///< The provider instance's name (ModelProvider::name()).
    std::string_view model;    ///< As requested; the server's answer names it when the request did not.
    Operation operation = Operation::chat;
    std::optional<ErrorKind> error; ///< nullopt: success.
    /// The caller cancelled, or closed the stream before its end (then error is `cancelled`).
    bool cancelled = false;

    Duration total{};                               ///< From the call to the last byte or the error.
    std::optional<Duration> queue_wait;             ///< Waiting for a slot of the concurrency limit.
    std::optional<Duration> connect;                ///< A new connection's connect (and TLS); unset when reused.
    bool connection_reused = false;
    std::optional<Duration> time_to_first_byte;     ///< Until the response head of the attempt that answered.
    std::optional<Duration> time_to_first_token;    ///< Streams: until the first chunk with content.
    std::int64_t tokens_in = 0;                     ///< From the server's usage; 0 when not reported.
    std::int64_t tokens_out = 0;                    ///< From usage, else the content chunks counted.
    bool tokens_out_counted = false;                ///< tokens_out was counted, not reported.
    /// Client-measured: tokens_out over the time from the first token to the end (streams) or
    /// over the total (whole answers). Unset without tokens.
    std::optional<double> tokens_per_second;
    int retries = 0;
    std::uint64_t bytes_received = 0; ///< Response body bytes of the attempt that answered.
    /// Answered by a response cache (CachingProvider): the outcome label is "cached".
    bool cached = false;
    ServerStats const* server = nullptr; ///< The server's own figures, when it gave any.
};

/// A histogram read at one moment. Buckets are fixed and log-scale (each bound twice the one
/// before), so that snapshots of different series and moments merge by adding counts.
struct HistogramSnapshot {
    std::vector<double> bounds;        ///< Upper bounds (inclusive), ascending; +Inf is implicit.
    std::vector<std::uint64_t> counts; ///< Per bucket, not cumulative: bounds.size() + 1 entries.
    double sum = 0;
    std::uint64_t count = 0;

    /// The q-quantile (0 <= q <= 1) estimated as Prometheus' histogram_quantile does: linear
    /// inside the bucket that holds it; the highest finite bound for the +Inf bucket. nullopt
    /// when empty.
    std::optional<double> percentile(double q) const;
    std::optional<double> mean() const;
    /// Adds `other`'s counts (same bounds).
    void merge(HistogramSnapshot const& other);
};

/// The histograms of one label set; `Metrics::histogram_info` names them.
enum class Measure {
    duration,                        ///< seconds
    queue_wait,                      ///< seconds
    connect,                         ///< seconds, new connections only
    time_to_first_byte,              ///< seconds
    time_to_first_token,             ///< seconds, streams only
    tokens_per_second,               ///< output tokens per second, client-measured
    server_tokens_per_second,        ///< as the server reported
    server_time_to_first_token,      ///< seconds (prompt processing), as the server reported
    server_generation,               ///< seconds, as the server reported
    server_prompt_tokens_per_second, ///< as the server reported
    server_model_load,               ///< seconds, as the server reported
};
inline constexpr std::size_t kMeasureCount = 11;

/// The counters of one label set.
enum class Count {
    requests,
    retries,
    tokens_in,
    tokens_out,
    bytes_received,
    new_connections,
    reused_connections,
};
inline constexpr std::size_t kCountCount = 7;

/// One label set's figures.
struct SeriesSnapshot {
    std::string provider;
    std::string model;
    std::string operation;
    std::string outcome;
    std::array<std::uint64_t, kCountCount> counts{};
    std::array<HistogramSnapshot, kMeasureCount> histograms;

    std::uint64_t count(Count c) const noexcept { return counts[static_cast<std::size_t>(c)]; }
    HistogramSnapshot const& histogram(Measure m) const noexcept
    {
        return histograms[static_cast<std::size_t>(m)];
    }
    /// Adds `other`'s figures (the labels stay this one's).
    void merge(SeriesSnapshot const& other);
};

/// What a response cache's store did (docs/caching.md), counted per store.
enum class CacheEvent {
    hit,    ///< It had the answer.
    miss,   ///< It had none.
    stored, ///< An answer was written to it.
    error,  ///< It failed or could not be reached (e.g. Redis down): the call went on without it.
};
inline constexpr std::size_t kCacheEventCount = 4;

/// One store's cache counters ("memory", "sqlite", "redis").
struct CacheStoreCounts {
    std::string store;
    std::array<std::uint64_t, kCacheEventCount> counts{};
    std::uint64_t count(CacheEvent e) const noexcept { return counts[static_cast<std::size_t>(e)]; }
};

struct MetricsSnapshot {
    /// Sorted by provider, model, operation, outcome.
    std::vector<SeriesSnapshot> series;
    /// Sorted by store.
    std::vector<CacheStoreCounts> caches;

    /// Every series whose labels match the non-empty arguments, merged into one (labels: the
    /// arguments). E.g. `merged("ollama")` for one provider across models and outcomes.
    SeriesSnapshot merged(std::string_view provider = {}, std::string_view model = {},
                          std::string_view outcome = {}) const;
};

struct MetricsOptions {
    using Clock = std::chrono::steady_clock;
    /// Called once per finished request, after the counters were updated, on the thread that
    /// finished it (any thread); the record and what it points to are valid during the call
    /// only. Must not throw (what it throws is dropped). For an application's own telemetry.
    std::function<void(RequestRecord const&)> observer;
    /// Where "now" comes from; empty = std::chrono::steady_clock (tests inject a clock).
    std::function<Clock::time_point()> clock;
};

class Metrics {
public:
    using Clock = std::chrono::steady_clock;

    /// Distinct label sets kept; requests beyond it are counted under model "_other".
    static constexpr std::size_t kMaxSeries = 2048;

    explicit Metrics(MetricsOptions options = {});
    ~Metrics();
    Metrics(Metrics const&) = delete;
    Metrics& operator=(Metrics const&) = delete;

    /// Adds one finished request: lock-free once its label set was seen (the first sighting
    /// allocates the series), then calls the observer. Thread-safe.
    void record(RequestRecord const& record) noexcept;

    MetricsSnapshot snapshot() const;

    /// The Prometheus text exposition format (version 0.0.4): every metric with HELP and TYPE
    /// lines, names prefixed `llmio_`, label values escaped. Serve it as
    /// `text/plain; version=0.0.4`.
    std::string to_prometheus() const;

    Clock::time_point now() const { return options_.clock ? options_.clock() : Clock::now(); }

    /// Requests that could not be counted because every series slot was taken.
    std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

    struct MeasureInfo {
        std::string_view name; ///< The Prometheus name, e.g. "llmio_time_to_first_token_seconds".
        std::string_view help;
    };
    static MeasureInfo histogram_info(Measure m) noexcept;
    static MeasureInfo counter_info(Count c) noexcept;
    /// The fixed upper bounds of a histogram.
    static std::vector<double> bounds(Measure m);

    /// Counts one response cache event of `store`: lock-free once the store was seen (at most
    /// kMaxCacheStores names; beyond, events are dropped). Thread-safe.
    void record_cache(std::string_view store, CacheEvent event) noexcept;
    static constexpr std::size_t kMaxCacheStores = 16;
    static MeasureInfo cache_info(CacheEvent e) noexcept;

    struct Series; // one label set's atomics (metrics.cpp)

private:
    Series* find_or_add(std::string_view provider, std::string_view model, Operation op,
                        std::string_view outcome) noexcept;

    MetricsOptions options_;
    static constexpr std::size_t kSlots = 2 * kMaxSeries + 1024;
    std::unique_ptr<std::atomic<Series*>[]> slots_;
    std::atomic<std::size_t> series_count_{0};
    std::atomic<std::uint64_t> dropped_{0};
    struct CacheSlot; // one store's name and atomics (metrics_cache.cpp)
    std::unique_ptr<CacheSlot[]> caches_;
    std::vector<CacheStoreCounts> cache_snapshot() const;
};

/// One request being measured: started when made, finished once (success, failure or
/// cancellation), then recorded. Providers make one per call when they have Metrics and pass
/// it down in `CallOptions::meter`; the transport stamps what it sees; a stream carries it to
/// its end. Not thread-safe (one request is one coroutine at a time). Destroyed unfinished, it
/// records the request as cancelled (a stream dropped before its end).
class RequestMeter {
public:
    using Clock = std::chrono::steady_clock;

    RequestMeter(std::shared_ptr<Metrics> metrics, std::string_view provider, std::string model,
                 Operation operation);
    ~RequestMeter();
    RequestMeter(RequestMeter const&) = delete;
    RequestMeter& operator=(RequestMeter const&) = delete;

    /// The response head arrived, on a connection that waited `queue_wait` for its slot, took
    /// `connect` to open (unset: reused), after `retries` retries.
    void response_head(std::optional<Clock::duration> queue_wait, std::optional<Clock::duration> connect,
                       bool reused, int retries);
    /// Failed attempts so far (set again by `response_head`).
    void set_retries(int retries) noexcept { record_.retries = retries; }
    void add_bytes(std::size_t n) noexcept { record_.bytes_received += n; }

    /// A streamed chunk with content arrived: the first one stamps the time to first token.
    void token()
    {
        if (!first_token_)
            first_token_ = metrics_->now();
        ++counted_tokens_;
    }
    /// The usage and server figures the answer (or a stream's last chunk) reported.
    void set_usage(Usage const& usage) noexcept { usage_ = usage; }
    void set_stats(ServerStats const& stats) { stats_ = stats; }
    /// The model the server named, used when the request named none.
    void set_answer_model(std::string_view model)
    {
        if (model_.empty())
            model_ = model;
    }

    void succeed();
    /// Inside a catch block, or with the exception: the outcome from its kind.
    void fail(std::exception_ptr error);
    /// The caller gave up (a stream closed before its end).
    void cancel();
    bool finished() const noexcept { return finished_; }

    Clock::time_point started() const noexcept { return started_; }

private:
    void finish();

    std::shared_ptr<Metrics> metrics_;
    std::string provider_;
    std::string model_;
    Clock::time_point started_;
    std::optional<Clock::time_point> first_byte_;
    std::optional<Clock::time_point> first_token_;
    std::int64_t counted_tokens_ = 0;
    std::optional<Usage> usage_;
    std::optional<ServerStats> stats_;
    RequestRecord record_;
    bool finished_ = false;
};

} // namespace llmio

#endif

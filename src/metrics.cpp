#include <llmio/metrics.hpp>

#include "metrics_cache_slot.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <new>
#include <span>
#include <tuple>

namespace llmio {

namespace {

// Log-scale bounds, each twice the one before: 1 ms .. 131 s, and 0.5 .. 8192 tokens/s.
constexpr std::size_t kSecondBounds = 18;
constexpr std::size_t kRateBounds = 15;
constexpr std::size_t kMaxBuckets = kSecondBounds + 1; // + the +Inf bucket

constexpr std::array<double, kSecondBounds> second_bounds()
{
    std::array<double, kSecondBounds> out{};
    double b = 0.001;
    for (auto& x : out) {
        x = b;
        b *= 2;
    }
    return out;
}

constexpr std::array<double, kRateBounds> rate_bounds()
{
    std::array<double, kRateBounds> out{};
    double b = 0.5;
    for (auto& x : out) {
        x = b;
        b *= 2;
    }
    return out;
}

constexpr auto kSeconds = second_bounds();
constexpr auto kRates = rate_bounds();

bool is_rate(Measure m) noexcept
{
    return m == Measure::tokens_per_second || m == Measure::server_tokens_per_second ||
           m == Measure::server_prompt_tokens_per_second;
}

std::span<double const> bounds_of(Measure m) noexcept
{
    if (is_rate(m))
        return {kRates.data(), kRates.size()};
    return {kSeconds.data(), kSeconds.size()};
}

double seconds(RequestRecord::Duration d) { return std::chrono::duration<double>(d).count(); }

} // namespace

// One label set. Its counters and buckets are atomics updated with relaxed order: each is a
// sum that only grows, and a snapshot reads every one once. A histogram's count is the sum of
// its buckets, so `_count` always equals the +Inf bucket in the exposition.
struct Metrics::Series {
    struct Histogram {
        std::array<std::atomic<std::uint64_t>, kMaxBuckets> buckets{};
        std::atomic<double> sum{0};
    };

    std::size_t hash = 0;
    std::string provider;
    std::string model;
    Operation operation = Operation::chat;
    std::string_view outcome; // a static name
    std::array<std::atomic<std::uint64_t>, kCountCount> counts{};
    std::array<Histogram, kMeasureCount> histograms;

    void add(Count c, std::uint64_t n) noexcept
    {
        counts[static_cast<std::size_t>(c)].fetch_add(n, std::memory_order_relaxed);
    }

    void observe(Measure m, double value) noexcept
    {
        if (!std::isfinite(value) || value < 0)
            return;
        auto const bounds = bounds_of(m);
        auto const bucket = static_cast<std::size_t>(
            std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin());
        auto& h = histograms[static_cast<std::size_t>(m)];
        h.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
        h.sum.fetch_add(value, std::memory_order_relaxed);
    }

    void observe(Measure m, std::optional<RequestRecord::Duration> d) noexcept
    {
        if (d)
            observe(m, seconds(*d));
    }

    void observe(Measure m, std::optional<double> value) noexcept
    {
        if (value)
            observe(m, *value);
    }
};

std::string_view to_string(Operation op) noexcept
{
    switch (op) {
    case Operation::chat: return "chat";
    case Operation::chat_stream: return "chat_stream";
    case Operation::complete: return "complete";
    case Operation::complete_stream: return "complete_stream";
    case Operation::embed: return "embed";
    }
    return "chat";
}

std::string_view outcome_name(std::optional<ErrorKind> error) noexcept
{
    if (!error)
        return "success";
    switch (*error) {
    case ErrorKind::network: return "network";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::cancelled: return "cancelled";
    case ErrorKind::malformed_response: return "malformed_response";
    case ErrorKind::authentication: return "authentication";
    case ErrorKind::rate_limit: return "rate_limit";
    case ErrorKind::model_not_found: return "model_not_found";
    case ErrorKind::invalid_request: return "invalid_request";
    case ErrorKind::context_length: return "context_length";
    case ErrorKind::server: return "server";
    }
    return "server";
}

Metrics::MeasureInfo Metrics::histogram_info(Measure m) noexcept
{
    switch (m) {
    case Measure::duration:
        return {"llmio_request_duration_seconds", "Time from the call to the answer's end or the error."};
    case Measure::queue_wait:
        return {"llmio_queue_wait_seconds", "Time waiting for a free slot of the concurrency limit."};
    case Measure::connect:
        return {"llmio_connect_seconds", "Time to open a new connection (resolve, connect, TLS)."};
    case Measure::time_to_first_byte:
        return {"llmio_time_to_first_byte_seconds", "Time from the call to the response head."};
    case Measure::time_to_first_token:
        return {"llmio_time_to_first_token_seconds",
                "Time from the call to the first streamed chunk with content."};
    case Measure::tokens_per_second:
        return {"llmio_output_tokens_per_second", "Output tokens per second, measured by the client."};
    case Measure::server_tokens_per_second:
        return {"llmio_server_output_tokens_per_second", "Generation speed as the server reported it."};
    case Measure::server_time_to_first_token:
        return {"llmio_server_time_to_first_token_seconds",
                "Prompt processing time (time to first token) as the server reported it."};
    case Measure::server_generation:
        return {"llmio_server_generation_seconds", "Generation time as the server reported it."};
    case Measure::server_prompt_tokens_per_second:
        return {"llmio_server_prompt_tokens_per_second",
                "Prompt processing speed as the server reported it."};
    case Measure::server_model_load:
        return {"llmio_server_model_load_seconds", "Model load time as the server reported it."};
    }
    return {"", ""};
}

Metrics::MeasureInfo Metrics::counter_info(Count c) noexcept
{
    switch (c) {
    case Count::requests: return {"llmio_requests_total", "Requests finished."};
    case Count::retries: return {"llmio_retries_total", "Retries made (attempts after the first)."};
    case Count::tokens_in:
        return {"llmio_input_tokens_total", "Prompt tokens, as the server's usage reported them."};
    case Count::tokens_out:
        return {"llmio_output_tokens_total",
                "Output tokens, from the server's usage, else the streamed content chunks counted."};
    case Count::bytes_received: return {"llmio_received_bytes_total", "Response body bytes received."};
    case Count::new_connections:
        return {"llmio_new_connections_total", "Requests that opened a new connection."};
    case Count::reused_connections:
        return {"llmio_reused_connections_total", "Requests served on a pooled connection."};
    }
    return {"", ""};
}

std::vector<double> Metrics::bounds(Measure m)
{
    auto const b = bounds_of(m);
    return {b.begin(), b.end()};
}

// ---- snapshots ------------------------------------------------------------------------------

std::optional<double> HistogramSnapshot::percentile(double q) const
{
    if (count == 0 || counts.empty())
        return std::nullopt;
    q = std::clamp(q, 0.0, 1.0);
    double const rank = q * static_cast<double>(count);
    std::uint64_t below = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        auto const here = counts[i];
        if (here != 0 && static_cast<double>(below + here) >= rank) {
            if (i == bounds.size()) // the +Inf bucket
                return bounds.empty() ? std::nullopt : std::optional<double>(bounds.back());
            double const lower = i == 0 ? 0.0 : bounds[i - 1];
            double const upper = bounds[i];
            double const into = (rank - static_cast<double>(below)) / static_cast<double>(here);
            return lower + (upper - lower) * std::clamp(into, 0.0, 1.0);
        }
        below += here;
    }
    return bounds.empty() ? std::nullopt : std::optional<double>(bounds.back());
}

std::optional<double> HistogramSnapshot::mean() const
{
    if (count == 0)
        return std::nullopt;
    return sum / static_cast<double>(count);
}

void HistogramSnapshot::merge(HistogramSnapshot const& other)
{
    if (counts.empty()) {
        *this = other;
        return;
    }
    for (std::size_t i = 0; i < counts.size() && i < other.counts.size(); ++i)
        counts[i] += other.counts[i];
    sum += other.sum;
    count += other.count;
}

void SeriesSnapshot::merge(SeriesSnapshot const& other)
{
    for (std::size_t i = 0; i < kCountCount; ++i)
        counts[i] += other.counts[i];
    for (std::size_t i = 0; i < kMeasureCount; ++i)
        histograms[i].merge(other.histograms[i]);
}

SeriesSnapshot MetricsSnapshot::merged(std::string_view provider, std::string_view model,
                                       std::string_view outcome) const
{
    SeriesSnapshot out;
    out.provider = provider;
    out.model = model;
    out.outcome = outcome;
    for (std::size_t i = 0; i < kMeasureCount; ++i) {
        auto const b = bounds_of(static_cast<Measure>(i));
        out.histograms[i].bounds.assign(b.begin(), b.end());
        out.histograms[i].counts.assign(b.size() + 1, 0);
    }
    for (auto const& s : series) {
        if ((!provider.empty() && s.provider != provider) || (!model.empty() && s.model != model) ||
            (!outcome.empty() && s.outcome != outcome))
            continue;
        out.merge(s);
    }
    return out;
}

// ---- the registry ---------------------------------------------------------------------------

Metrics::Metrics(MetricsOptions options)
    : options_(std::move(options))
    , slots_(new std::atomic<Series*>[kSlots])
    , caches_(new CacheSlot[kMaxCacheStores])
{
    for (std::size_t i = 0; i < kSlots; ++i)
        slots_[i].store(nullptr, std::memory_order_relaxed);
}

Metrics::~Metrics()
{
    for (std::size_t i = 0; i < kSlots; ++i)
        delete slots_[i].load(std::memory_order_relaxed);
}

// An open-addressing table that only grows: a slot, once set, never changes, so a lookup is a
// few acquire loads and string compares, and the first sighting of a label set one CAS.
Metrics::Series* Metrics::find_or_add(std::string_view provider, std::string_view model, Operation op,
                                      std::string_view outcome) noexcept
{
    std::hash<std::string_view> const h;
    std::size_t hash = h(provider);
    for (std::size_t part : {h(model), h(outcome), static_cast<std::size_t>(op)})
        hash ^= part + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
    auto const matches = [&](Series const* s) {
        return s->hash == hash && s->operation == op && s->outcome == outcome && s->provider == provider &&
               s->model == model;
    };
    std::unique_ptr<Series> mine;
    for (std::size_t probe = 0; probe < kSlots; ++probe) {
        auto& slot = slots_[(hash + probe) % kSlots];
        Series* seen = slot.load(std::memory_order_acquire);
        if (!seen) {
            // A new label set. Past the cap, new models share one series per provider.
            if (series_count_.load(std::memory_order_relaxed) >= kMaxSeries && model != "_other")
                return find_or_add(provider, "_other", op, outcome);
            if (!mine) {
                try {
                    mine = std::make_unique<Series>();
                    mine->provider = provider;
                    mine->model = model;
                } catch (...) {
                    return nullptr;
                }
                mine->hash = hash;
                mine->operation = op;
                mine->outcome = outcome;
            }
            if (slot.compare_exchange_strong(seen, mine.get(), std::memory_order_acq_rel,
                                             std::memory_order_acquire)) {
                series_count_.fetch_add(1, std::memory_order_relaxed);
                return mine.release();
            }
            // Another thread took the slot first: `seen` is its series.
        }
        if (matches(seen))
            return seen;
    }
    return nullptr;
}

void Metrics::record(RequestRecord const& r) noexcept
{
    if (Series* s = find_or_add(r.provider, r.model, r.operation, r.cached ? "cached" : outcome_name(r.error))) {
        s->add(Count::requests, 1);
        s->add(Count::retries, static_cast<std::uint64_t>(std::max(r.retries, 0)));
        s->add(Count::tokens_in, static_cast<std::uint64_t>(std::max<std::int64_t>(r.tokens_in, 0)));
        s->add(Count::tokens_out, static_cast<std::uint64_t>(std::max<std::int64_t>(r.tokens_out, 0)));
        s->add(Count::bytes_received, r.bytes_received);
        if (r.time_to_first_byte) // a connection was used
            s->add(r.connection_reused ? Count::reused_connections : Count::new_connections, 1);
        s->observe(Measure::duration, r.total);
        s->observe(Measure::queue_wait, r.queue_wait);
        s->observe(Measure::connect, r.connect);
        s->observe(Measure::time_to_first_byte, r.time_to_first_byte);
        s->observe(Measure::time_to_first_token, r.time_to_first_token);
        s->observe(Measure::tokens_per_second, r.tokens_per_second);
        if (auto const* server = r.server) {
            s->observe(Measure::server_tokens_per_second, server->tokens_per_second);
            s->observe(Measure::server_time_to_first_token, server->time_to_first_token_s);
            s->observe(Measure::server_generation, server->generation_time_s);
            s->observe(Measure::server_prompt_tokens_per_second, server->prompt_tokens_per_second);
            s->observe(Measure::server_model_load, server->model_load_time_s);
        }
    } else {
        dropped_.fetch_add(1, std::memory_order_relaxed);
    }
    if (options_.observer) {
        try {
            options_.observer(r);
        } catch (...) {
            // The application's telemetry must not fail the request it observes.
        }
    }
}

MetricsSnapshot Metrics::snapshot() const
{
    MetricsSnapshot out;
    for (std::size_t i = 0; i < kSlots; ++i) {
        Series const* s = slots_[i].load(std::memory_order_acquire);
        if (!s)
            continue;
        SeriesSnapshot snap;
        snap.provider = s->provider;
        snap.model = s->model;
        snap.operation = to_string(s->operation);
        snap.outcome = s->outcome;
        for (std::size_t c = 0; c < kCountCount; ++c)
            snap.counts[c] = s->counts[c].load(std::memory_order_relaxed);
        for (std::size_t m = 0; m < kMeasureCount; ++m) {
            auto const b = bounds_of(static_cast<Measure>(m));
            auto& h = snap.histograms[m];
            h.bounds.assign(b.begin(), b.end());
            h.counts.resize(b.size() + 1);
            for (std::size_t k = 0; k < h.counts.size(); ++k) {
                h.counts[k] = s->histograms[m].buckets[k].load(std::memory_order_relaxed);
                h.count += h.counts[k];
            }
            h.sum = s->histograms[m].sum.load(std::memory_order_relaxed);
        }
        out.series.push_back(std::move(snap));
    }
    out.caches = cache_snapshot();
    std::sort(out.series.begin(), out.series.end(), [](SeriesSnapshot const& a, SeriesSnapshot const& b) {
        return std::tie(a.provider, a.model, a.operation, a.outcome) <
               std::tie(b.provider, b.model, b.operation, b.outcome);
    });
    return out;
}

// ---- one request ----------------------------------------------------------------------------

RequestMeter::RequestMeter(std::shared_ptr<Metrics> metrics, std::string_view provider, std::string model,
                           Operation operation)
    : metrics_(std::move(metrics))
    , provider_(provider)
    , model_(std::move(model))
    , started_(metrics_->now())
{
    record_.operation = operation;
}

RequestMeter::~RequestMeter()
{
    if (!finished_)
        cancel();
}

void RequestMeter::response_head(std::optional<Clock::duration> queue_wait,
                                 std::optional<Clock::duration> connect, bool reused, int retries)
{
    first_byte_ = metrics_->now();
    record_.queue_wait = queue_wait;
    record_.connect = connect;
    record_.connection_reused = reused;
    record_.retries = retries;
}

void RequestMeter::succeed()
{
    record_.error.reset();
    finish();
}

void RequestMeter::fail(std::exception_ptr error)
{
    try {
        std::rethrow_exception(error);
    } catch (ProviderError const& e) {
        record_.error = e.kind();
    } catch (...) {
        record_.error = ErrorKind::server; // not a ProviderError: a fault, never a success
    }
    record_.cancelled = record_.error == ErrorKind::cancelled;
    finish();
}

void RequestMeter::cancel()
{
    record_.error = ErrorKind::cancelled;
    record_.cancelled = true;
    finish();
}

void RequestMeter::finish()
{
    if (finished_)
        return;
    finished_ = true;
    auto const end = metrics_->now();
    record_.provider = provider_;
    record_.model = model_;
    record_.total = end - started_;
    if (first_byte_)
        record_.time_to_first_byte = *first_byte_ - started_;
    if (first_token_)
        record_.time_to_first_token = *first_token_ - started_;
    if (usage_) {
        record_.tokens_in = usage_->prompt_tokens;
        record_.tokens_out = usage_->completion_tokens;
    }
    if (record_.tokens_out == 0 && counted_tokens_ > 0) {
        record_.tokens_out = counted_tokens_;
        record_.tokens_out_counted = true;
    }
    if (record_.tokens_out > 0) {
        // Streams: the generation phase (first token to end); whole answers: the total.
        auto const span = first_token_ && end > *first_token_ ? end - *first_token_ : record_.total;
        if (span > Clock::duration::zero())
            record_.tokens_per_second = static_cast<double>(record_.tokens_out) / seconds(span);
    }
    record_.server = stats_ ? &*stats_ : nullptr;
    metrics_->record(record_);
}

} // namespace llmio

#include <llmio/caching_provider.hpp>

#include "cache_codec.hpp"

#include <llmio/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <vector>

namespace llmio {

namespace asio = boost::asio;

std::string_view to_string(CacheMode mode) noexcept
{
    switch (mode) {
    case CacheMode::off: return "off";
    case CacheMode::deterministic: return "deterministic";
    case CacheMode::always: return "always";
    }
    return "deterministic";
}

std::optional<CacheMode> cache_mode_from_string(std::string_view text) noexcept
{
    for (auto mode : {CacheMode::off, CacheMode::deterministic, CacheMode::always})
        if (text == to_string(mode))
            return mode;
    return std::nullopt;
}

// One caller waiting for an identical call in flight. Woken once, through a one-slot
// thread-safe channel (as ModelCache's waiters): a wake-up sent before the wait began is kept,
// and the wait completes on the waiter's own executor.
struct CachingProvider::Waiter {
    explicit Waiter(asio::any_io_executor executor) : wake(std::move(executor), 1) {}
    asio::experimental::concurrent_channel<void(boost::system::error_code)> wake;
};

// One upstream call that identical callers share. Guarded by the provider's mutex.
struct CachingProvider::Flight {
    explicit Flight(std::string k) : key(std::move(k)) {}
    std::string key;
    std::vector<std::shared_ptr<Waiter>> waiters;
    bool done = false;
    std::shared_ptr<std::string const> bytes; // the answer, when there is one
    std::exception_ptr error;                 // else the error to share, when there is one
};

// The leader's duty to settle its flight: with an answer, an error, or (when it is dropped
// unsettled: cancelled, a stream closed early) nothing, so that the followers start over.
class CachingProvider::Lease {
public:
    Lease() = default;
    Lease(CachingProvider* owner, std::shared_ptr<Flight> flight) : owner_(owner), flight_(std::move(flight)) {}
    Lease(Lease&& other) noexcept : owner_(other.owner_), flight_(std::move(other.flight_)) {}
    Lease& operator=(Lease&& other) noexcept
    {
        if (this != &other) {
            settle(nullptr, nullptr);
            owner_ = other.owner_;
            flight_ = std::move(other.flight_);
        }
        return *this;
    }
    ~Lease() { settle(nullptr, nullptr); }

    void settle(std::shared_ptr<std::string const> bytes, std::exception_ptr error) noexcept
    {
        if (auto flight = std::move(flight_))
            owner_->finish(*flight, std::move(bytes), std::move(error));
    }

private:
    CachingProvider* owner_ = nullptr;
    std::shared_ptr<Flight> flight_;
};

struct CachingProvider::Ticket {
    std::shared_ptr<std::string const> bytes; // a hit (from the store or a shared flight)
    Lease lease;                              // a miss: this caller calls upstream
};

namespace {

bool is_cancellation(std::exception_ptr const& e) noexcept
{
    try {
        std::rethrow_exception(e);
    } catch (CancelledError const&) {
        return true;
    } catch (...) {
        return false;
    }
}

// A streamed answer from the cache: the recorded chunks, handed out without I/O.
class ReplaySource final : public ChatStream::Source {
public:
    explicit ReplaySource(std::vector<ChatChunk> chunks) : chunks_(std::move(chunks)) { set_cached(); }

    Ready try_next(ChatChunk& out) override
    {
        if (next_ == chunks_.size())
            return Ready::end;
        out = std::move(chunks_[next_++]);
        return Ready::chunk;
    }
    asio::awaitable<bool> next(ChatChunk&) override { co_return false; }
    void close() noexcept override { next_ = chunks_.size(); }

private:
    std::vector<ChatChunk> chunks_;
    std::size_t next_ = 0;
};

} // namespace

// A live stream, recorded as it is read: each chunk the caller gets is copied once into the
// recording. At its end the recording becomes the cache entry and the flight's answer; a
// failure, a truncation or a close before the end drops it.
class CachingProvider::RecordingSource final : public ChatStream::Source {
public:
    RecordingSource(CachingProvider& owner, ChatStream inner, Lease lease, std::string key, std::chrono::seconds ttl)
        : owner_(owner), inner_(std::move(inner)), lease_(std::move(lease)), key_(std::move(key)), ttl_(ttl)
    {
    }

    // A chunk the inner stream had buffered, recorded; its end is left to `next`, which
    // stores the recording.
    Ready try_next(ChatChunk& out) override
    {
        if (inner_.try_next(out) != ChatStream::Poll::chunk)
            return Ready::pending;
        record(out);
        return Ready::chunk;
    }

    asio::awaitable<bool> next(ChatChunk& out) override
    {
        auto chunk = co_await inner_.next();
        if (chunk) {
            record(*chunk);
            out = std::move(*chunk);
            co_return true;
        }
        if (recording_) {
            auto bytes = std::make_shared<std::string const>(detail::encode_entry(recorded_));
            std::vector<ChatChunk>().swap(recorded_);
            co_await owner_.store_answer(key_, bytes, ttl_);
            lease_.settle(std::move(bytes), nullptr);
        }
        lease_.settle(nullptr, nullptr);
        co_return false;
    }

    void close() noexcept override
    {
        inner_.close();
        recording_ = false;
        lease_.settle(nullptr, nullptr); // the followers start over
    }

private:
    void record(ChatChunk const& chunk)
    {
        if (!recording_)
            return;
        size_ += detail::approximate_size(chunk);
        if (size_ > owner_.options_.max_entry_bytes) {
            recording_ = false; // too large to cache: stop paying for it
            std::vector<ChatChunk>().swap(recorded_);
        } else {
            recorded_.push_back(chunk);
        }
    }

    CachingProvider& owner_;
    ChatStream inner_;
    Lease lease_;
    std::string key_;
    std::chrono::seconds ttl_;
    std::vector<ChatChunk> recorded_;
    std::size_t size_ = 0;
    bool recording_ = true;
};

CachingProvider::CachingProvider(std::shared_ptr<ModelProvider> upstream, CachingOptions options)
    : upstream_(std::move(upstream)), options_(std::move(options))
{
    if (!upstream_)
        throw_error(errc::invalid_request, "CachingProvider needs a provider to wrap");
    if (!options_.store)
        options_.store = std::make_shared<MemoryCacheStore>();
    if (options_.scope.empty())
        options_.scope = std::string(upstream_->name());
    if (options_.metrics)
        options_.store->set_metrics(options_.metrics);
}

CachingProvider::~CachingProvider() = default;

CachingStats CachingProvider::stats() const noexcept
{
    CachingStats s;
    s.hits = counters_.hits.load();
    s.shared = counters_.shared.load();
    s.misses = counters_.misses.load();
    s.stored = counters_.stored.load();
    s.uncached = counters_.uncached.load();
    s.store_errors = counters_.store_errors.load();
    return s;
}

std::string CachingProvider::key(ChatRequest const& request) const
{
    return detail::cache_key(options_.scope, request);
}

std::string CachingProvider::key(CompletionRequest const& request) const
{
    return detail::cache_key(options_.scope, request);
}

std::string CachingProvider::key(EmbeddingRequest const& request) const
{
    return detail::cache_key(options_.scope, request);
}

bool CachingProvider::deterministic(std::optional<double> temperature, std::optional<std::int64_t> seed,
                                    CacheControl const& control) const noexcept
{
    if (control.bypass || options_.mode == CacheMode::off)
        return false;
    if (options_.mode == CacheMode::always)
        return true;
    return (temperature && *temperature == 0.0) || seed.has_value();
}

bool CachingProvider::cacheable(ChatRequest const& request, CacheControl const& control) const noexcept
{
    return deterministic(request.temperature, request.seed, control);
}

bool CachingProvider::cacheable(CompletionRequest const& request, CacheControl const& control) const noexcept
{
    return deterministic(request.temperature, request.seed, control);
}

bool CachingProvider::cacheable(EmbeddingRequest const&, CacheControl const& control) const noexcept
{
    // An embedding does not sample: the same input always gives the same vector.
    return !control.bypass && options_.mode != CacheMode::off;
}

// An answer from the cache, as a request of its own in the metrics (the upstream saw none).
void CachingProvider::record_cached(std::string_view model, Operation operation,
                                    std::chrono::steady_clock::time_point started) const noexcept
{
    RequestRecord r;
    r.provider = name();
    r.model = model;
    r.operation = operation;
    r.cached = true;
    r.total = options_.metrics->now() - started;
    options_.metrics->record(r);
}

std::chrono::seconds CachingProvider::ttl_of(CacheControl const& control) const noexcept
{
    return control.ttl.value_or(options_.ttl);
}

void CachingProvider::finish(Flight& flight, std::shared_ptr<std::string const> bytes, std::exception_ptr error)
{
    std::lock_guard lock(mutex_);
    if (auto it = flights_.find(flight.key); it != flights_.end() && it->second.get() == &flight)
        flights_.erase(it);
    ++flights_finished_;
    flight.done = true;
    flight.bytes = std::move(bytes);
    flight.error = std::move(error);
    for (auto const& waiter : flight.waiters)
        waiter->wake.try_send(boost::system::error_code{});
    flight.waiters.clear();
}

asio::awaitable<void> CachingProvider::store_answer(std::string key, std::shared_ptr<std::string const> bytes,
                                                    std::chrono::seconds ttl)
{
    if (bytes->size() > options_.max_entry_bytes)
        co_return;
    try {
        co_await options_.store->put(std::move(key), *bytes, ttl);
        ++counters_.stored;
    } catch (std::exception const&) {
        ++counters_.store_errors; // the answer is still the caller's
    }
}

// A hit from the store, else the flight of an identical call to wait for, else a new flight
// this caller leads. The only suspension points are the store's get and the wait.
asio::awaitable<CachingProvider::Ticket> CachingProvider::acquire(std::string key, bool refresh)
{
    auto const executor = co_await asio::this_coro::executor;
    auto const cancellation = co_await asio::this_coro::cancellation_state;
    // Bounded: each pass either returns, or follows a flight that ended without an answer
    // (every flight is bounded by its upstream call), or is the one second look below.
    bool looked_again = false;
    for (;;) {
        std::uint64_t finished_before = 0;
        if (!refresh) {
            {
                std::lock_guard lock(mutex_);
                finished_before = flights_finished_;
            }
            std::optional<std::string> found;
            try {
                found = co_await options_.store->get(key);
            } catch (std::exception const&) {
                ++counters_.store_errors;
            }
            if (cancellation.cancelled() != asio::cancellation_type::none)
                throw_error(errc::cancelled, "cancelled while reading the response cache");
            if (found) {
                ++counters_.hits;
                Ticket hit;
                hit.bytes = std::make_shared<std::string const>(std::move(*found));
                co_return hit;
            }
        }
        std::shared_ptr<Flight> flight;
        std::shared_ptr<Waiter> waiter;
        {
            std::lock_guard lock(mutex_);
            auto const it = flights_.find(key);
            // An identical call that finished while the store was read may have stored its
            // answer after the read (on another thread): look once more before calling.
            if (it == flights_.end() && !refresh && !looked_again && flights_finished_ != finished_before) {
                looked_again = true;
                continue;
            }
            if (it == flights_.end()) {
                flight = std::make_shared<Flight>(key);
                flights_.emplace(key, flight);
            } else if (!refresh) {
                flight = it->second;
                waiter = std::make_shared<Waiter>(executor);
                flight->waiters.push_back(waiter);
            }
            // else: a refresh does not take another call's answer, and goes alone.
        }
        if (!waiter) {
            ++counters_.misses;
            Ticket miss;
            if (flight)
                miss.lease = Lease(this, std::move(flight));
            co_return miss;
        }
        try {
            // Completes when woken, or early when the awaiting coroutine is cancelled.
            co_await waiter->wake.async_receive(asio::as_tuple(asio::use_awaitable));
        } catch (...) {
            // Already cancelled before the wait began (asio's throw_if_cancelled).
        }
        std::shared_ptr<std::string const> bytes;
        std::exception_ptr error;
        bool done = false;
        {
            std::lock_guard lock(mutex_);
            done = flight->done;
            if (done) {
                bytes = flight->bytes;
                error = flight->error;
            } else {
                auto& waiters = flight->waiters;
                waiters.erase(std::remove(waiters.begin(), waiters.end(), waiter), waiters.end());
            }
        }
        if (!done)
            throw_error(errc::cancelled, "cancelled while waiting for an identical request");
        if (bytes) {
            ++counters_.shared;
            Ticket hit;
            hit.bytes = std::move(bytes);
            co_return hit;
        }
        if (error)
            std::rethrow_exception(error);
        // The leader gave up without an answer: start over.
        if (cancellation.cancelled() != asio::cancellation_type::none)
            throw_error(errc::cancelled, "cancelled while waiting for an identical request");
    }
}

// A whole answer through the cache: a hit decoded, else one upstream call (shared by the
// identical calls in flight) whose answer is stored.
template <class Response, class Request>
asio::awaitable<Response> CachingProvider::cached_call(Request request, CallOptions options, Operation operation,
                                                       UpstreamCall<Response, Request> call,
                                                       Response (*decode)(std::string_view))
{
    if (!cacheable(request, options.cache)) {
        ++counters_.uncached;
        co_return co_await (upstream_.get()->*call)(std::move(request), options);
    }
    auto const started = options_.metrics ? options_.metrics->now() : std::chrono::steady_clock::time_point{};
    std::string const k = key(request);
    auto const ttl = ttl_of(options.cache);
    auto ticket = co_await acquire(k, options.cache.refresh);
    if (ticket.bytes) {
        auto answer = decode(*ticket.bytes);
        answer.cached = true;
        if (options_.metrics)
            record_cached(request.model, operation, started);
        co_return answer;
    }
    std::exception_ptr failure;
    try {
        auto answer = co_await (upstream_.get()->*call)(std::move(request), options);
        auto bytes = std::make_shared<std::string const>(detail::encode_entry(answer));
        co_await store_answer(k, bytes, ttl);
        ticket.lease.settle(std::move(bytes), nullptr);
        co_return answer;
    } catch (...) {
        failure = std::current_exception();
    }
    // An error is the followers' too; a cancellation is not (they start over).
    ticket.lease.settle(nullptr, is_cancellation(failure) ? nullptr : failure);
    std::rethrow_exception(failure);
}

asio::awaitable<ChatResponse> CachingProvider::do_chat(ChatRequest request, CallOptions options)
{
    return cached_call<ChatResponse, ChatRequest>(std::move(request), std::move(options), Operation::chat,
                                                  &ModelProvider::chat, &detail::decode_chat);
}

asio::awaitable<ChatStream> CachingProvider::do_chat_stream(ChatRequest request, CallOptions options)
{
    if (!cacheable(request, options.cache)) {
        ++counters_.uncached;
        co_return co_await upstream_->chat_stream(std::move(request), options);
    }
    auto const started = options_.metrics ? options_.metrics->now() : std::chrono::steady_clock::time_point{};
    std::string k = key(request);
    auto const ttl = ttl_of(options.cache);
    auto ticket = co_await acquire(k, options.cache.refresh);
    if (ticket.bytes) {
        auto chunks = detail::decode_chat_chunks(*ticket.bytes);
        if (options_.metrics)
            record_cached(request.model, Operation::chat_stream, started);
        co_return ChatStream(std::make_unique<ReplaySource>(std::move(chunks)));
    }
    std::exception_ptr failure;
    try {
        auto inner = co_await upstream_->chat_stream(std::move(request), options);
        auto source = std::make_unique<RecordingSource>(*this, std::move(inner), std::move(ticket.lease),
                                                        std::move(k), ttl);
        co_return ChatStream(std::move(source));
    } catch (...) {
        failure = std::current_exception();
    }
    ticket.lease.settle(nullptr, is_cancellation(failure) ? nullptr : failure);
    std::rethrow_exception(failure);
}

asio::awaitable<CompletionResponse> CachingProvider::do_complete(CompletionRequest request, CallOptions options)
{
    return cached_call<CompletionResponse, CompletionRequest>(std::move(request), std::move(options),
                                                              Operation::complete, &ModelProvider::complete,
                                                              &detail::decode_completion);
}

asio::awaitable<EmbeddingResponse> CachingProvider::do_embed(EmbeddingRequest request, CallOptions options)
{
    return cached_call<EmbeddingResponse, EmbeddingRequest>(std::move(request), std::move(options),
                                                            Operation::embed, &ModelProvider::embed,
                                                            &detail::decode_embedding);
}

asio::awaitable<CompletionStream> CachingProvider::do_complete_stream(CompletionRequest request, CallOptions options)
{
    // Not cached: streamed completions pass through.
    co_return co_await upstream_->complete_stream(std::move(request), options);
}

asio::awaitable<std::vector<ModelInfo>> CachingProvider::do_list_models()
{
    co_return co_await upstream_->list_models();
}

asio::awaitable<bool> CachingProvider::do_supports_model(std::string model)
{
    co_return co_await upstream_->supports_model(std::move(model));
}

asio::awaitable<std::optional<ModelCapabilities>> CachingProvider::do_model_capabilities(std::string model)
{
    co_return co_await upstream_->model_capabilities(std::move(model));
}

asio::awaitable<HealthStatus> CachingProvider::do_health()
{
    co_return co_await upstream_->health();
}

asio::awaitable<ServerInfo> CachingProvider::do_info()
{
    co_return co_await upstream_->info();
}

} // namespace llmio

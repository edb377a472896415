#include <llmio/model_cache.hpp>

#include <llmio/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <deque>
#include <mutex>
#include <unordered_map>

namespace llmio {

namespace asio = boost::asio;

struct ModelCache::Snapshot {
    std::vector<ModelInfo> models;
    std::unordered_map<std::string, std::size_t> index; // key -> first position in `models`
    std::chrono::steady_clock::time_point fetched_at;
};

// One caller waiting for a refresh. Woken exactly once, by the refresh's outcome or by a
// promotion, through a one-slot thread-safe channel: a wake-up sent before the waiter started
// receiving is kept, and the receive completes on the waiter's own executor (never inline).
struct ModelCache::Waiter {
    explicit Waiter(asio::any_io_executor executor) : wake(std::move(executor), 1) {}
    asio::experimental::concurrent_channel<void(boost::system::error_code)> wake;
    bool promoted = false; // guarded by the cache's mutex
};

// One refresh. All fields are guarded by the cache's mutex.
struct ModelCache::Flight {
    std::deque<std::shared_ptr<Waiter>> waiters; // oldest first
    bool done = false;
    std::shared_ptr<Snapshot const> result;
    std::exception_ptr error;
};

ModelCache::ModelCache(Fetch fetch) : ModelCache(std::move(fetch), Options{}) {}

ModelCache::ModelCache(Fetch fetch, Options options)
    : fetch_(std::move(fetch)), options_(std::move(options))
{
    if (!fetch_)
        throw_error(errc::invalid_request, "ModelCache needs a function that lists the models");
    if (options_.ttl < std::chrono::steady_clock::duration::zero())
        throw_error(errc::invalid_request, "ModelCache ttl must not be negative");
}

ModelCache::~ModelCache() = default;

std::chrono::steady_clock::time_point ModelCache::now() const
{
    return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

std::string ModelCache::key_of(std::string_view id) const
{
    return options_.key ? options_.key(id) : std::string(id);
}

bool ModelCache::is_fresh(Snapshot const& snapshot) const
{
    // Subtracting (not adding ttl to fetched_at) cannot overflow for a huge ttl.
    return now() - snapshot.fetched_at < options_.ttl;
}

std::shared_ptr<ModelCache::Snapshot const> ModelCache::fresh_snapshot() const
{
    std::shared_lock lock(mutex_);
    if (snapshot_ && is_fresh(*snapshot_))
        return snapshot_;
    return nullptr;
}

bool ModelCache::fresh() const
{
    return fresh_snapshot() != nullptr;
}

std::shared_ptr<ModelCache::Snapshot const>
ModelCache::make_snapshot(std::vector<ModelInfo> models,
                          std::chrono::steady_clock::time_point started) const
{
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->models = std::move(models);
    snapshot->fetched_at = started;
    snapshot->index.reserve(snapshot->models.size());
    for (std::size_t i = 0; i < snapshot->models.size(); ++i)
        snapshot->index.try_emplace(key_of(snapshot->models[i].id), i);
    return snapshot;
}

ModelInfo const* ModelCache::lookup(Snapshot const& snapshot, std::string const& key)
{
    auto const it = snapshot.index.find(key);
    return it == snapshot.index.end() ? nullptr : &snapshot.models[it->second];
}

std::optional<ModelInfo> ModelCache::peek(std::string_view id) const
{
    if (auto const snapshot = fresh_snapshot())
        if (auto const* model = lookup(*snapshot, key_of(id)))
            return *model;
    return std::nullopt;
}

void ModelCache::invalidate() noexcept
{
    std::lock_guard lock(mutex_);
    snapshot_.reset();
    // Detach the refresh in flight: its waiters still get its outcome, new callers start anew.
    flight_.reset();
}

asio::awaitable<std::vector<ModelInfo>> ModelCache::models()
{
    auto snapshot = fresh_snapshot();
    if (!snapshot)
        snapshot = co_await refresh(nullptr);
    co_return snapshot->models;
}

asio::awaitable<std::optional<ModelInfo>> ModelCache::find(std::string id)
{
    auto const key = key_of(id);
    auto snapshot = fresh_snapshot();
    if (snapshot)
        if (auto const* model = lookup(*snapshot, key))
            co_return *model;
    snapshot = co_await refresh(std::move(snapshot));
    if (auto const* model = lookup(*snapshot, key))
        co_return *model;
    co_return std::nullopt;
}

// `seen`: the fresh list the caller already looked at (and missed in), or null.
//
// The only suspension points are the fetch and the wake-up wait, each inside a try block: a
// caller registered as leader or waiter always reaches the code that settles its part, even
// when asio throws on a co_await because the caller was already cancelled.
asio::awaitable<std::shared_ptr<ModelCache::Snapshot const>>
ModelCache::refresh(std::shared_ptr<Snapshot const> seen)
{
    auto const executor = co_await asio::this_coro::executor;
    auto const cancellation = co_await asio::this_coro::cancellation_state;
    // A caller cancelled already (possible with throw_if_cancelled(false)) neither starts a
    // fetch nor waits for one.
    if (cancellation.cancelled() != asio::cancellation_type::none)
        throw_error(errc::cancelled, "cancelled before the model list was refreshed");
    std::shared_ptr<Snapshot const> current;
    std::shared_ptr<Flight> flight;
    std::shared_ptr<Waiter> waiter;
    {
        std::lock_guard lock(mutex_);
        if (snapshot_ && snapshot_ != seen && is_fresh(*snapshot_)) {
            // A refresh finished since the caller looked: that list is new enough.
            current = snapshot_;
        } else if (flight_) {
            flight = flight_;
            waiter = std::make_shared<Waiter>(executor);
            flight->waiters.push_back(waiter);
        } else {
            flight = flight_ = std::make_shared<Flight>();
        }
    }
    if (current)
        co_return current;

    if (waiter) {
        try {
            // Completes when woken, or early when the awaiting coroutine is cancelled.
            co_await waiter->wake.async_receive(asio::as_tuple(asio::use_awaitable));
        } catch (...) {
            // Already cancelled before the wait began (asio's throw_if_cancelled).
        }
        if (auto outcome = settle_waiter(flight, waiter, cancellation.cancelled()))
            co_return std::move(*outcome);
        // Promoted: the caller that ran the fetch was cancelled; this one takes over.
    }

    auto const started = now();
    std::shared_ptr<Snapshot const> result;
    std::exception_ptr error;
    try {
        result = make_snapshot(co_await fetch_(), started);
    } catch (...) {
        error = std::current_exception();
    }

    if (error && cancellation.cancelled() != asio::cancellation_type::none) {
        // Our own caller gave up. Its CancelledError is not the others' outcome: hand the
        // refresh to the oldest waiter instead.
        {
            std::lock_guard lock(mutex_);
            hand_over_locked(flight);
        }
        try {
            std::rethrow_exception(error);
        } catch (CancelledError const&) {
            throw;
        } catch (...) {
            throw_error(errc::cancelled, "cancelled while refreshing the model list");
        }
    }
    complete(flight, result, error);
    if (error)
        std::rethrow_exception(error);
    co_return result;
}

// After a waiter woke: returns the refresh's list, throws its error (or CancelledError when the
// waiter itself was cancelled first), or returns nullopt when the waiter was promoted to run
// the fetch itself.
std::optional<std::shared_ptr<ModelCache::Snapshot const>>
ModelCache::settle_waiter(std::shared_ptr<Flight> const& flight,
                          std::shared_ptr<Waiter> const& waiter, asio::cancellation_type cancelled)
{
    std::unique_lock lock(mutex_);
    if (waiter->promoted) {
        if (cancelled == asio::cancellation_type::none)
            return std::nullopt;
        // Cancelled as well: pass the refresh on.
        waiter->promoted = false;
        hand_over_locked(flight);
    } else if (flight->done) {
        // The outcome wins over a cancellation that raced with it: nothing is lost.
        if (flight->error) {
            auto error = flight->error;
            lock.unlock();
            std::rethrow_exception(error);
        }
        return flight->result;
    } else {
        auto& waiters = flight->waiters;
        waiters.erase(std::remove(waiters.begin(), waiters.end(), waiter), waiters.end());
    }
    lock.unlock();
    throw_error(errc::cancelled, "cancelled while waiting for the model list");
}

void ModelCache::complete(std::shared_ptr<Flight> const& flight,
                          std::shared_ptr<Snapshot const> result, std::exception_ptr error)
{
    std::lock_guard lock(mutex_);
    // Only a refresh still attached may store its list: invalidate() detaches the one in flight.
    if (flight_ == flight) {
        flight_.reset();
        if (result)
            snapshot_ = result;
    }
    flight->done = true;
    flight->result = std::move(result);
    flight->error = std::move(error);
    for (auto const& waiter : flight->waiters)
        waiter->wake.try_send(boost::system::error_code{});
    flight->waiters.clear();
}

void ModelCache::hand_over_locked(std::shared_ptr<Flight> const& flight)
{
    // Bounded by the number of waiters; each is woken at most once.
    while (!flight->waiters.empty()) {
        auto next = std::move(flight->waiters.front());
        flight->waiters.pop_front();
        next->promoted = true;
        if (next->wake.try_send(boost::system::error_code{}))
            return;
        next->promoted = false; // cannot happen: its one-slot channel was empty
    }
    // Nobody is waiting: the refresh ends without an outcome and the next caller starts anew.
    if (flight_ == flight)
        flight_.reset();
}

} // namespace llmio

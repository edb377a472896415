#ifndef LLMIO_MODEL_CACHE_HPP
#define LLMIO_MODEL_CACHE_HPP

// The list of models a server offers, cached for `supports_model` and `model_capabilities`.
// Every provider owns one and gives it the function that lists the server's models.
//
// Freshness: a fetched list serves callers until `ttl` has passed since its fetch began
// (default 5 minutes; 0 = never serve from the cache, every call refreshes). `invalidate()`
// forgets it at once; providers call it after they load or unload a model and when the server
// answers ModelNotFoundError.
//
// Single flight: at most one fetch is in flight per cache. Callers that need a refresh while one
// runs wait for it and receive its outcome: the same list, or the same exception object. This
// holds across coroutines and threads (the waiters may run on any executors).
//
// Cancellation (terminal, from the awaiting coroutine's cancellation slot):
// - A waiting caller that is cancelled stops waiting and throws CancelledError; the refresh goes
//   on for the others.
// - The caller that runs the fetch passes its own cancellation on to the fetch (the HTTP request
//   is abandoned and throws CancelledError). The oldest waiter, if there is one, then takes
//   over and runs the fetch again for everyone still waiting; so no waiter is left hanging and
//   no waiter receives someone else's CancelledError. Without waiters the refresh just ends.
// Every wait is bounded by the fetch it waits for, which is bounded by the HTTP timeouts.
//
// Hits: `models()`, `find()` and `peek()` answer from a fresh list under a shared lock without
// suspending. An awaiting coroutine resumes directly; `co_spawn(ex, cache.find(id), handler)`
// still never calls `handler` inline (co_spawn posts it when nothing was awaited).
//
// Model ids match exactly (case-sensitive): LM Studio keys, Hugging Face repository ids and
// Ollama tags are case-sensitive on at least one server, and a case-insensitive "yes" would
// promise a model the server then rejects. A provider whose server accepts other spellings of
// the same id sets `Options::key` (Ollama: `llama3` means `llama3:latest`).
//
// Thread safety: all members may be called concurrently. Lifetime: the cache must outlive every
// operation on it (it is a member of its provider, which must outlive its operations).

#include <llmio/models.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_type.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace llmio {

class ModelCache {
public:
    /// Lists the server's models (one HTTP request). Runs on the executor of the caller that
    /// triggers the refresh and inherits that caller's cancellation.
    using Fetch = std::function<boost::asio::awaitable<std::vector<ModelInfo>>()>;
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    /// Maps a model id to the key it is looked up by; applied to listed ids and to queries.
    using KeyFunction = std::function<std::string(std::string_view id)>;

    struct Options {
        /// How long a fetched list stays fresh, counted from the start of its fetch.
        std::chrono::steady_clock::duration ttl = std::chrono::minutes(5);
        /// Where "now" comes from; empty = std::chrono::steady_clock::now. Tests inject one.
        Clock clock;
        /// Empty = the id itself (exact, case-sensitive matching).
        KeyFunction key;
    };

    /// Throws InvalidRequestError when `fetch` is empty or `ttl` is negative.
    explicit ModelCache(Fetch fetch);
    ModelCache(Fetch fetch, Options options);
    ~ModelCache();

    ModelCache(ModelCache const&) = delete;
    ModelCache& operator=(ModelCache const&) = delete;

    /// The models as the server listed them (order kept): from the cache when fresh, else after
    /// one refresh. Throws whatever the fetch throws, and CancelledError when cancelled.
    boost::asio::awaitable<std::vector<ModelInfo>> models();

    /// The model with this id: from the cache when fresh and present; otherwise after one
    /// refresh (a miss refreshes before answering "no"). nullopt when the refreshed list lacks
    /// it. When the server lists an id twice, the first entry answers. Throws as `models()`.
    boost::asio::awaitable<std::optional<ModelInfo>> find(std::string id);

    /// The model from the fresh cache, without any I/O; nullopt when the cache is empty,
    /// expired or lacks the id.
    std::optional<ModelInfo> peek(std::string_view id) const;

    /// Forgets the cached list. A refresh in flight still answers the callers already waiting
    /// for it, but its list is not stored: the next caller fetches anew, so every call that
    /// starts after `invalidate()` returns sees a list fetched after it.
    void invalidate() noexcept;

    /// Whether a fresh list is cached now.
    bool fresh() const;

private:
    struct Snapshot;
    struct Waiter;
    struct Flight;

    std::chrono::steady_clock::time_point now() const;
    std::string key_of(std::string_view id) const;
    std::shared_ptr<Snapshot const> fresh_snapshot() const;
    std::shared_ptr<Snapshot const> make_snapshot(std::vector<ModelInfo> models,
                                                  std::chrono::steady_clock::time_point started) const;
    static ModelInfo const* lookup(Snapshot const& snapshot, std::string const& key);

    bool is_fresh(Snapshot const& snapshot) const;
    boost::asio::awaitable<std::shared_ptr<Snapshot const>> refresh(std::shared_ptr<Snapshot const> seen);
    std::optional<std::shared_ptr<Snapshot const>>
    settle_waiter(std::shared_ptr<Flight> const& flight, std::shared_ptr<Waiter> const& waiter,
                  boost::asio::cancellation_type cancelled);
    void complete(std::shared_ptr<Flight> const& flight, std::shared_ptr<Snapshot const> result,
                  std::exception_ptr error);
    void hand_over_locked(std::shared_ptr<Flight> const& flight);

    Fetch fetch_;
    Options options_;
    mutable std::shared_mutex mutex_;
    std::shared_ptr<Snapshot const> snapshot_; // guarded by mutex_
    std::shared_ptr<Flight> flight_;           // the refresh new callers join; guarded by mutex_
};

} // namespace llmio

#endif // LLMIO_MODEL_CACHE_HPP

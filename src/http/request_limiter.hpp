#ifndef LLMIO_SRC_HTTP_REQUEST_LIMITER_HPP
#define LLMIO_SRC_HTTP_REQUEST_LIMITER_HPP

// A counting semaphore for coroutines: at most `limit` holders, waiters served first in, first
// out, each wait bounded by a queue timeout. Thread-safe.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

namespace llmio::http::detail {

class RequestLimiter : public std::enable_shared_from_this<RequestLimiter> {
public:
    /// Returned by acquire(); gives the slot back when destroyed.
    class Permit {
    public:
        Permit() = default;
        explicit Permit(std::shared_ptr<RequestLimiter> owner) : owner_(std::move(owner)) {}
        Permit(Permit&&) noexcept = default;
        Permit& operator=(Permit&& other) noexcept;
        ~Permit() { release(); }
        void release() noexcept;

    private:
        std::shared_ptr<RequestLimiter> owner_;
    };

    /// `limit` 0 means unlimited.
    explicit RequestLimiter(std::size_t limit) : limit_(limit) {}

    /// A slot if one is free and nobody waits for one (first in, first out), without
    /// suspending: the common case needs no coroutine frame. Else an empty optional.
    std::optional<Permit> try_acquire();

    /// Waits for a slot. Throws TimeoutError (errc::queue_timeout) after `queue_timeout` (zero:
    /// no limit) and CancelledError when the awaiting coroutine is cancelled.
    boost::asio::awaitable<Permit> acquire(std::chrono::steady_clock::duration queue_timeout);

    std::size_t in_use() const;

private:
    struct Waiter {
        explicit Waiter(boost::asio::any_io_executor ex) : wake(std::move(ex), 1) {}
        boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> wake;
        bool granted = false; // guarded by the limiter's mutex
    };

    void release_one() noexcept;

    std::size_t const limit_;
    mutable std::mutex mutex_;
    std::size_t in_use_ = 0;
    std::deque<std::shared_ptr<Waiter>> waiters_;
};

} // namespace llmio::http::detail

#endif

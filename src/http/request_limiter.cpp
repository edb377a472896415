#include "request_limiter.hpp"

#include <llmio/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <optional>

namespace llmio::http::detail {

namespace asio = boost::asio;

RequestLimiter::Permit& RequestLimiter::Permit::operator=(Permit&& other) noexcept
{
    if (this != &other) {
        release();
        owner_ = std::move(other.owner_);
    }
    return *this;
}

void RequestLimiter::Permit::release() noexcept
{
    if (auto owner = std::move(owner_))
        owner->release_one();
}

std::optional<RequestLimiter::Permit> RequestLimiter::try_acquire()
{
    if (limit_ == 0)
        return Permit(shared_from_this());
    std::lock_guard lock(mutex_);
    if (in_use_ < limit_ && waiters_.empty()) {
        ++in_use_;
        return Permit(shared_from_this());
    }
    return std::nullopt;
}

asio::awaitable<RequestLimiter::Permit>
RequestLimiter::acquire(std::chrono::steady_clock::duration queue_timeout)
{
    if (limit_ == 0)
        co_return Permit(shared_from_this());

    auto const executor = co_await asio::this_coro::executor;
    auto waiter = std::make_shared<Waiter>(executor);
    {
        std::lock_guard lock(mutex_);
        if (in_use_ < limit_ && waiters_.empty()) {
            ++in_use_;
            co_return Permit(shared_from_this());
        }
        waiters_.push_back(waiter);
    }

    // Leaves the queue however this coroutine exits (timeout, cancellation, or an exception
    // thrown by co_await itself when the caller was cancelled before the wait began).
    struct QueueExit {
        RequestLimiter& self;
        std::shared_ptr<Waiter> const& waiter;
        bool keep_slot = false;
        ~QueueExit()
        {
            std::unique_lock lock(self.mutex_);
            if (!waiter->granted) {
                self.waiters_.erase(std::find(self.waiters_.begin(), self.waiters_.end(), waiter));
            } else if (!keep_slot) {
                lock.unlock();
                self.release_one();
            }
        }
    } exit{*this, waiter};

    // The grant arrives through the thread-safe channel (kept if sent before the wait began);
    // the queue timeout sends into the same channel from its timer's handler, whatever thread
    // runs it. (Not an awaitable `||` of the two waits: on a multi-threaded io_context its
    // cancellation of the loser races with the loser's completion.) Only this coroutine
    // touches the timer object itself.
    constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
    std::optional<asio::steady_timer> timeout;
    if (queue_timeout != std::chrono::steady_clock::duration::zero()) {
        timeout.emplace(executor, queue_timeout);
        timeout->async_wait([waiter](boost::system::error_code ec) {
            if (!ec)
                waiter->wake.try_send(boost::system::error_code(asio::error::timed_out));
        });
    }
    co_await waiter->wake.async_receive(use_tuple);
    if (timeout)
        timeout->cancel();
    {
        std::lock_guard lock(mutex_);
        // A grant that raced with the timeout or a cancellation still counts: the slot is ours.
        if (waiter->granted) {
            exit.keep_slot = true;
            co_return Permit(shared_from_this());
        }
    }
    auto const cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none)
        throw_error(errc::cancelled, "cancelled while waiting for a free request slot");
    throw_error(errc::queue_timeout, "all " + std::to_string(limit_) + " request slots stayed busy");
}

void RequestLimiter::release_one() noexcept
{
    std::lock_guard lock(mutex_);
    if (waiters_.empty()) {
        --in_use_;
        return;
    }
    // Hand the slot straight to the oldest waiter, so a newcomer cannot overtake it.
    auto next = std::move(waiters_.front());
    waiters_.pop_front();
    next->granted = true;
    // Thread-safe; the receive completes on the waiter's own executor.
    next->wake.try_send(boost::system::error_code{});
}

std::size_t RequestLimiter::in_use() const
{
    std::lock_guard lock(mutex_);
    return in_use_;
}

} // namespace llmio::http::detail

#include <llmio/testing/emulators/connection.hpp>

#include <array>

namespace llmio::emulators {

void ServerStats::note_client_close()
{
    {
        std::lock_guard lock(mutex_);
        ++client_closes_;
    }
    cv_.notify_all();
}

void ServerStats::note_request()
{
    {
        std::lock_guard lock(mutex_);
        ++requests_served;
    }
    cv_.notify_all();
}

bool ServerStats::wait_for_requests(std::uint64_t n, std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return requests_served.load() >= n; });
}

std::uint64_t ServerStats::observed_client_closes() const
{
    std::lock_guard lock(mutex_);
    return client_closes_;
}

bool ServerStats::wait_for_client_closes(std::uint64_t n, std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return client_closes_ >= n; });
}

void ServerStats::note_connection_ended()
{
    {
        std::lock_guard lock(mutex_);
        --open_connections;
    }
    cv_.notify_all();
}

bool ServerStats::wait_for_open_connections_at_most(std::uint64_t n, std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return open_connections.load() <= n; });
}

namespace detail {

namespace asio = boost::asio;

Connection::Connection(asio::ip::tcp::socket socket, std::uint64_t id, ServerStats& stats)
    : stream_(std::move(socket)), timer_(stream_.get_executor()), id_(id), stats_(stats)
{
}

asio::awaitable<bool> Connection::sleep(std::chrono::steady_clock::duration d)
{
    if (!open_)
        co_return false;
    timer_.expires_after(d);
    auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
    co_return open_;
}

asio::awaitable<void> Connection::wait_for_client_close()
{
    // A client that keeps sending while we stall is not closing; after this much, give up.
    constexpr std::size_t kMaxDiscarded = 1 << 20;
    std::array<char, 4096> scratch{};
    std::size_t discarded = 0;
    while (open_ && discarded < kMaxDiscarded) {
        auto [ec, n] = co_await stream_.async_read_some(asio::buffer(scratch),
                                                        asio::as_tuple(asio::use_awaitable));
        if (ec) {
            // Our own close() (stop, or a drop) is not the client going away.
            if (open_)
                stats_.note_client_close();
            break;
        }
        discarded += n;
    }
    close();
}

void Connection::close() noexcept
{
    if (!open_)
        return;
    open_ = false;
    boost::system::error_code ec;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    stream_.close(); // also cancels the stream's own expiry timer
    timer_.cancel();
}

} // namespace detail
} // namespace llmio::emulators

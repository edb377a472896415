#ifndef LLMIO_TESTING_EMULATORS_CONNECTION_HPP
#define LLMIO_TESTING_EMULATORS_CONNECTION_HPP

// One accepted TCP connection of an emulator, as the response writer sees it: raw writes,
// sleeps that the server's stop() interrupts, and "wait until the client goes away".
// Every member runs on the server's single I/O thread, except the counters in ServerStats.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace llmio::emulators {

/// Counters shared between the I/O thread (writer) and test threads (readers).
class ServerStats {
public:
    std::atomic<std::uint64_t> accepted_connections{0};
    std::atomic<std::uint64_t> requests_served{0};
    std::atomic<std::uint64_t> open_connections{0};

    /// Called by the I/O thread when a request is dispatched (increments requests_served).
    void note_request();
    /// Blocks until at least `n` requests were dispatched, or `timeout` passes.
    bool wait_for_requests(std::uint64_t n, std::chrono::milliseconds timeout) const;

    /// Called when a stalled response saw its client close the connection.
    void note_client_close();
    std::uint64_t observed_client_closes() const;
    /// Blocks until at least `n` client closes were observed, or `timeout` passes.
    bool wait_for_client_closes(std::uint64_t n, std::chrono::milliseconds timeout) const;
    /// Called by the I/O thread when a connection ended (decrements open_connections).
    void note_connection_ended();
    /// Blocks until at most `n` connections are open, or `timeout` passes.
    bool wait_for_open_connections_at_most(std::uint64_t n, std::chrono::milliseconds timeout) const;

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    std::uint64_t client_closes_ = 0;
};

namespace detail {

class Connection {
public:
    Connection(boost::asio::ip::tcp::socket socket, std::uint64_t id, ServerStats& stats);

    Connection(Connection const&) = delete;
    Connection& operator=(Connection const&) = delete;

    std::uint64_t id() const noexcept { return id_; }
    bool open() const noexcept { return open_; }
    boost::beast::tcp_stream& stream() noexcept { return stream_; }

    /// Writes all of `buffers`; false (and the connection closed) on any error.
    template <class ConstBufferSequence>
    boost::asio::awaitable<bool> write(ConstBufferSequence const& buffers)
    {
        if (!open_)
            co_return false;
        auto [ec, n] = co_await boost::asio::async_write(
            stream_, buffers, boost::asio::as_tuple(boost::asio::use_awaitable));
        (void)n;
        if (ec) {
            close();
            co_return false;
        }
        co_return open_;
    }

    /// Sleeps for `d`; false when the connection was closed meanwhile (e.g. by stop()).
    boost::asio::awaitable<bool> sleep(std::chrono::steady_clock::duration d);

    /// Returns once the client closed its end (recorded in ServerStats) or the server closed
    /// this connection. Discards whatever the client sends meanwhile (bounded).
    boost::asio::awaitable<void> wait_for_client_close();

    /// Closes the socket now (FIN to the client) and cancels pending operations. Idempotent.
    void close() noexcept;

private:
    boost::beast::tcp_stream stream_;
    boost::asio::steady_timer timer_;
    std::uint64_t id_;
    ServerStats& stats_;
    bool open_ = true;
};

} // namespace detail
} // namespace llmio::emulators

#endif // LLMIO_TESTING_EMULATORS_CONNECTION_HPP

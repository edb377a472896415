#ifndef LLMIO_SRC_HTTP_CONNECTION_HPP
#define LLMIO_SRC_HTTP_CONNECTION_HPP

// One client connection, plain TCP or TLS, with one deadline timer per request. The HTTP client
// drives it; the pool keeps it between requests.

#include "append_body.hpp"

#include <llmio/http/endpoint.hpp>
#include <llmio/http/host_policy.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <tuple>

namespace llmio::http::detail {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Request = boost::beast::http::request<boost::beast::http::string_body>;
using ResponseParser = boost::beast::http::response_parser<AppendBody>;
using IoResult = std::tuple<boost::system::error_code, std::size_t>;

/// The earliest of a stage deadline and the total deadline; TimePoint::max() means none.
struct Deadline {
    TimePoint stage = TimePoint::max();
    TimePoint total = TimePoint::max();

    TimePoint earliest() const noexcept { return stage < total ? stage : total; }
    bool total_expired(TimePoint now) const noexcept { return total != TimePoint::max() && now >= total; }
};

/// `now + d`, or TimePoint::max() when `d` is zero (the timeout is off).
TimePoint deadline_after(Clock::duration d, TimePoint now = Clock::now()) noexcept;

class Connection {
public:
    static constexpr std::size_t kInitialReadSize = 2 * 1024;

    Connection(boost::asio::any_io_executor executor, std::string origin_key);
    ~Connection();
    Connection(Connection const&) = delete;
    Connection& operator=(Connection const&) = delete;

    /// Resolves, connects and (for https) performs the TLS handshake with SNI and host-name
    /// verification. Returns the failure, if any; boost::beast::error::timeout when `deadline`
    /// passed. Throws InvalidRequestError when `policy` refuses every resolved address (before
    /// any connection attempt).
    boost::asio::awaitable<boost::system::error_code>
    connect(Endpoint const& endpoint, boost::asio::ssl::context* tls, Deadline deadline,
            HostPolicy const& policy);

    /// The request's I/O below fails with boost::beast::error::timeout once `deadline` passed.
    /// Writes a serialised request head and its body (both must live until it completes).
    boost::asio::awaitable<IoResult> write(std::string const& head, std::string_view body, Deadline deadline);
    boost::asio::awaitable<IoResult> read_header(ResponseParser& parser, Deadline deadline);
    /// Reads what the socket has, at least one byte and at most `max_bytes`, into `buffer()`.
    /// The body is parsed from there by the caller, without another asynchronous step.
    boost::asio::awaitable<IoResult> read_more(std::size_t max_bytes, Deadline deadline);

    /// For a connection that sat idle in the pool: false if the server closed it (or sent
    /// anything unexpected). Never blocks; one system call.
    bool still_open() noexcept;
    /// What `still_open` knows without asking the kernel: the socket is open and nothing
    /// unread is buffered.
    bool looks_reusable() const noexcept;

    /// The request is over: stops watching its deadline (a connection in the pool must not
    /// hold a pending timer, which would keep its io_context running).
    void end_request() noexcept;

    void close() noexcept;

    std::string const& origin_key() const noexcept { return origin_key_; }
    boost::beast::flat_buffer& buffer() noexcept { return buffer_; }

    TimePoint idle_since{};
    bool reused = false;

private:
    struct Watch;
    void watch(Deadline const& deadline);
    /// Closes the socket (if open) and opens it for `protocol`, serialised with the watch.
    boost::system::error_code reopen(boost::asio::ip::tcp const& protocol) noexcept;
    IoResult timed(IoResult result) const noexcept;

    std::string origin_key_;
    boost::beast::tcp_stream tcp_;
    // One timer per request instead of one per operation, safe against the coroutine running
    // on another thread (see connection.cpp).
    std::shared_ptr<Watch> watch_;
    std::unique_ptr<boost::asio::ssl::stream<boost::beast::tcp_stream&>> tls_;
    boost::beast::flat_buffer buffer_;
};

} // namespace llmio::http::detail

#endif

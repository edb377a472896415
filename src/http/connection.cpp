#include "connection.hpp"
#include "host_policy_check.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

#include <sys/socket.h>

namespace llmio::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Resolving a name can block in getaddrinfo for long; race it against the connect deadline.
asio::awaitable<std::tuple<error_code, tcp::resolver::results_type>>
resolve(Endpoint const& endpoint, TimePoint deadline)
{
    using namespace asio::experimental::awaitable_operators;
    auto executor = co_await asio::this_coro::executor;
    tcp::resolver resolver(executor);
    auto const service = std::to_string(endpoint.port());
    if (deadline == TimePoint::max())
        co_return co_await resolver.async_resolve(endpoint.connect_host(), service, use_tuple);
    asio::steady_timer timer(executor, deadline);
    auto result = co_await (resolver.async_resolve(endpoint.connect_host(), service, use_tuple) ||
                            timer.async_wait(use_tuple));
    if (result.index() == 1)
        co_return std::tuple{error_code(beast::error::timeout), tcp::resolver::results_type{}};
    co_return std::get<0>(std::move(result));
}
} // namespace

// Deadlines of a request's writes and reads. Beast's tcp_stream arms a timer per operation: a
// timerfd_settime system call per read, i.e. per token of a slow stream. Here one timer watches
// the current deadline: moving the deadline later (the next read's idle deadline) costs
// nothing, since the timer, when it fires early, waits again until the deadline; only an
// earlier deadline restarts it. When the deadline has passed, the socket's operations are
// cancelled and the one in progress reports a timeout.
struct Connection::Watch {
    explicit Watch(asio::any_io_executor ex) : timer(std::move(ex)) {}

    asio::steady_timer timer;
    tcp::socket* socket = nullptr;          // null once the connection is gone
    TimePoint deadline = TimePoint::max();  // of the operation in progress
    TimePoint timer_at = TimePoint::max();  // when the pending wait fires; max: none pending
    std::uint64_t generation = 0;           // tells a superseded wait from the current one
    bool expired = false;

    static void start(std::shared_ptr<Watch> const& w, TimePoint at)
    {
        auto const generation = ++w->generation;
        w->timer_at = at;
        w->timer.expires_at(at);
        w->timer.async_wait([w, generation](error_code ec) { fired(w, ec, generation); });
    }

    static void fired(std::shared_ptr<Watch> const& w, error_code ec, std::uint64_t which)
    {
        if (ec || which != w->generation || w->socket == nullptr)
            return; // cancelled, superseded or orphaned
        w->timer_at = TimePoint::max();
        if (w->deadline == TimePoint::max())
            return;
        if (Clock::now() < w->deadline) {
            start(w, w->deadline); // the deadline moved later meanwhile
            return;
        }
        w->expired = true;
        error_code ignored;
        w->socket->cancel(ignored);
    }

    void stop() noexcept
    {
        deadline = TimePoint::max();
        if (timer_at != TimePoint::max()) {
            ++generation;
            timer_at = TimePoint::max();
            timer.cancel();
        }
    }
};

TimePoint deadline_after(Clock::duration d, TimePoint now) noexcept
{
    return d == Clock::duration::zero() ? TimePoint::max() : now + d;
}

Connection::Connection(asio::any_io_executor executor, std::string origin_key)
    : origin_key_(std::move(origin_key))
    , tcp_(executor)
    , watch_(std::make_shared<Watch>(executor))
{
    watch_->socket = &tcp_.socket();
    // Beast reads the response head in slices of the buffer's free space (512 bytes when it is
    // empty); a typical non-streamed answer fits in this whole.
    buffer_.reserve(kInitialReadSize);
}

Connection::~Connection()
{
    watch_->socket = nullptr;
    watch_->stop();
}

void Connection::watch(Deadline const& deadline)
{
    auto& w = *watch_;
    w.deadline = deadline.earliest();
    w.expired = false;
    if (w.deadline == TimePoint::max())
        w.stop();
    else if (w.deadline < w.timer_at)
        Watch::start(watch_, w.deadline);
}

IoResult Connection::timed(IoResult result) const noexcept
{
    if (watch_->expired && std::get<0>(result))
        std::get<0>(result) = beast::error::timeout;
    return result;
}

void Connection::end_request() noexcept { watch_->stop(); }

void Connection::arm(Deadline const& deadline)
{
    auto const when = deadline.earliest();
    if (when == TimePoint::max())
        tcp_.expires_never();
    else
        tcp_.expires_at(when);
}

asio::awaitable<error_code> Connection::connect(Endpoint const& endpoint, asio::ssl::context* tls,
                                                Deadline deadline, HostPolicy const& policy)
{
    tcp::resolver::results_type addresses;
    error_code ec;
    boost::system::error_code parse_ec;
    auto const literal = asio::ip::make_address(endpoint.connect_host(), parse_ec);
    if (!parse_ec) {
        addresses = tcp::resolver::results_type::create(tcp::endpoint(literal, endpoint.port()),
                                                        endpoint.connect_host(),
                                                        std::to_string(endpoint.port()));
    } else {
        std::tie(ec, addresses) = co_await resolve(endpoint, deadline.earliest());
        if (ec)
            co_return ec;
    }
    addresses = allowed_addresses(policy, endpoint.host(), addresses); // throws when none is allowed

    arm(deadline);
    std::tie(ec, std::ignore) = co_await tcp_.async_connect(addresses, use_tuple);
    if (ec)
        co_return ec;
    tcp_.socket().set_option(tcp::no_delay(true), ec);

    if (endpoint.tls()) {
        if (tls == nullptr)
            co_return error_code(asio::error::operation_not_supported);
        tls_ = std::make_unique<asio::ssl::stream<beast::tcp_stream&>>(tcp_, *tls);
        // SNI: servers hosting several names pick the certificate by it. Not for IP literals.
        // (SSL_set_tlsext_host_name is a macro with a C cast; call what it expands to.)
        if (parse_ec && !SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                                  TLSEXT_NAMETYPE_host_name,
                                  const_cast<char*>(endpoint.host().c_str())))
            co_return error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
        tls_->set_verify_callback(asio::ssl::host_name_verification(endpoint.host()));
        arm(deadline);
        std::tie(ec) = co_await tls_->async_handshake(asio::ssl::stream_base::client, use_tuple);
    }
    // From here on the request's deadlines are watched by watch_, not by the stream.
    tcp_.expires_never();
    co_return ec;
}

asio::awaitable<IoResult> Connection::write(Request& request, Deadline deadline)
{
    watch(deadline);
    auto const result = tls_ ? co_await beast::http::async_write(*tls_, request, use_tuple)
                             : co_await beast::http::async_write(tcp_, request, use_tuple);
    co_return timed(result);
}

asio::awaitable<IoResult> Connection::read_header(ResponseParser& parser, Deadline deadline)
{
    watch(deadline);
    auto const result = tls_ ? co_await beast::http::async_read_header(*tls_, buffer_, parser, use_tuple)
                             : co_await beast::http::async_read_header(tcp_, buffer_, parser, use_tuple);
    co_return timed(result);
}

asio::awaitable<IoResult> Connection::read_more(std::size_t max_bytes, Deadline deadline)
{
    watch(deadline);
    auto const space = buffer_.prepare(max_bytes);
    auto const result = tls_ ? co_await tls_->async_read_some(space, use_tuple)
                             : co_await tcp_.async_read_some(space, use_tuple);
    buffer_.commit(std::get<1>(result));
    co_return timed(result);
}

bool Connection::still_open() noexcept
{
    if (!tcp_.socket().is_open() || buffer_.size() != 0)
        return false;
    // An idle keep-alive connection has nothing to read. EOF (0) means the server closed it;
    // data means it sent something we did not ask for (a TLS close_notify, a stray response).
    char probe;
    auto const n = ::recv(tcp_.socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void Connection::close() noexcept
{
    watch_->stop();
    error_code ignored;
    tcp_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_.socket().close(ignored);
}

} // namespace llmio::http::detail

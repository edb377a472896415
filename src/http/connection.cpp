#include "connection.hpp"
#include "host_policy_check.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/asio/write.hpp>

#include <array>

#include <openssl/ssl.h>

#include <mutex>

#include <sys/socket.h>

namespace llmio::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Resolving a name can block in getaddrinfo for long; the connect deadline bounds the wait.
// The result and the deadline meet in a thread-safe channel, whichever comes first, from
// whatever thread runs their handlers (an awaitable `||` would cancel the loser from the
// winner's thread, a race on a multi-threaded io_context). A resolve that outlives the wait
// keeps its resolver alive until getaddrinfo returns.
asio::awaitable<std::tuple<error_code, tcp::resolver::results_type>>
resolve(Endpoint const& endpoint, TimePoint deadline)
{
    auto executor = co_await asio::this_coro::executor;
    auto const service = std::to_string(endpoint.port());
    if (deadline == TimePoint::max()) {
        tcp::resolver resolver(executor);
        co_return co_await resolver.async_resolve(endpoint.connect_host(), service, use_tuple);
    }
    using Outcome = asio::experimental::concurrent_channel<void(error_code, tcp::resolver::results_type)>;
    auto outcome = std::make_shared<Outcome>(executor, 1);
    auto resolver = std::make_shared<tcp::resolver>(executor);
    resolver->async_resolve(endpoint.connect_host(), service,
                            [outcome, resolver](error_code ec, tcp::resolver::results_type results) {
                                outcome->try_send(ec, std::move(results));
                            });
    asio::steady_timer timer(executor, deadline);
    timer.async_wait([outcome](error_code ec) {
        if (!ec)
            outcome->try_send(error_code(beast::error::timeout), tcp::resolver::results_type{});
    });
    auto result = co_await outcome->async_receive(use_tuple);
    timer.cancel();
    co_return result;
}
} // namespace

// Deadlines of a request's writes and reads. Beast's tcp_stream arms a timer per operation: a
// timerfd_settime system call per read, i.e. per token of a slow stream. Here one timer watches
// the current deadline: moving the deadline later (the next read's idle deadline) costs
// nothing, since the timer, when it fires early, waits again until the deadline; only an
// earlier deadline restarts it. When the deadline has passed, the socket's operations are
// cancelled and the one in progress reports a timeout.
//
// Threads: the timer's handler runs on the client's executor, the request's coroutine on the
// caller's; on a multi-threaded io_context they may run at once. A mutex serialises the
// handler with everything the coroutine does to the watch and to the socket's lifetime (open,
// close, destruction), so the handler's socket.cancel() never meets a close. (A strand would
// not do: the coroutine's operations complete on the caller's executor, which llmio does not
// choose, and hopping to a strand per read would cost a dispatch per token.) The lock is held
// for a few instructions, never across a wait. Beast's own per-operation timers are not used
// at all, as their handlers would race the same way.
struct Connection::Watch {
    explicit Watch(asio::any_io_executor ex) : timer(std::move(ex)) {}

    std::mutex mutex;                       // guards everything below
    asio::steady_timer timer;
    tcp::socket* socket = nullptr;          // null once the connection is gone
    TimePoint deadline = TimePoint::max();  // of the operation in progress
    TimePoint timer_at = TimePoint::max();  // when the pending wait fires; max: none pending
    std::uint64_t generation = 0;           // tells a superseded wait from the current one
    bool expired = false;

    // Both with `mutex` held.
    static void start(std::shared_ptr<Watch> const& w, TimePoint at)
    {
        auto const generation = ++w->generation;
        w->timer_at = at;
        w->timer.expires_at(at);
        w->timer.async_wait([w, generation](error_code ec) { fired(w, ec, generation); });
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

    static void fired(std::shared_ptr<Watch> const& w, error_code ec, std::uint64_t which)
    {
        std::lock_guard lock(w->mutex);
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
    std::lock_guard lock(watch_->mutex);
    watch_->socket = nullptr;
    watch_->stop();
}

void Connection::watch(Deadline const& deadline)
{
    std::lock_guard lock(watch_->mutex);
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
    if (!std::get<0>(result))
        return result; // a success stays one, whatever the watch did meanwhile: no lock needed
    std::lock_guard lock(watch_->mutex);
    if (watch_->expired && std::get<0>(result))
        std::get<0>(result) = beast::error::timeout;
    return result;
}

void Connection::end_request() noexcept
{
    std::lock_guard lock(watch_->mutex);
    watch_->stop();
}

error_code Connection::reopen(tcp const& protocol) noexcept
{
    std::lock_guard lock(watch_->mutex);
    error_code ec;
    tcp_.socket().close(ec);
    tcp_.socket().open(protocol, ec);
    return ec;
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

    // One address after the other, each attempt bounded by the same deadline.
    ec = asio::error::host_not_found;
    for (auto const& entry : addresses) {
        if (Clock::now() >= deadline.earliest()) {
            ec = beast::error::timeout;
            break;
        }
        ec = reopen(entry.endpoint().protocol());
        if (ec)
            break;
        watch(deadline);
        auto [connect_ec] = co_await tcp_.socket().async_connect(entry.endpoint(), use_tuple);
        ec = std::get<0>(timed(IoResult{connect_ec, 0}));
        if (!ec || ec == beast::error::timeout || ec == asio::error::operation_aborted)
            break;
    }
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
        watch(deadline);
        auto [handshake_ec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, use_tuple);
        ec = std::get<0>(timed(IoResult{handshake_ec, 0}));
    }
    co_return ec;
}

asio::awaitable<IoResult> Connection::write(std::string const& head, std::string_view body,
                                            Deadline deadline)
{
    watch(deadline);
    std::array<asio::const_buffer, 2> const buffers{asio::buffer(head), asio::buffer(body.data(), body.size())};
    auto const result = tls_ ? co_await asio::async_write(*tls_, buffers, use_tuple)
                             : co_await asio::async_write(tcp_, buffers, use_tuple);
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

bool Connection::looks_reusable() const noexcept
{
    return tcp_.socket().is_open() && buffer_.size() == 0;
}

bool Connection::still_open() noexcept
{
    if (!looks_reusable())
        return false;
    // An idle keep-alive connection has nothing to read. EOF (0) means the server closed it;
    // data means it sent something we did not ask for (a TLS close_notify, a stray response).
    char probe;
    auto const n = ::recv(tcp_.socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void Connection::close() noexcept
{
    std::lock_guard lock(watch_->mutex);
    watch_->stop();
    error_code ignored;
    tcp_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_.socket().close(ignored);
}

} // namespace llmio::http::detail

#include <llmio/testing/emulators/emulator_server.hpp>

#include <llmio/testing/emulators/connection.hpp>
#include <llmio/testing/emulators/json_text.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace llmio::emulators {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string Dialect::framework_error_body(int status, std::string_view message) const
{
    return "{\"error\":{\"code\":" + std::to_string(status) +
           ",\"message\":" + quoted(message) + "}}";
}

std::optional<std::string_view> Request::header(std::string_view name) const
{
    auto const it = message.find(beast::string_view(name.data(), name.size()));
    if (it == message.end())
        return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
}

std::optional<std::string> Request::param(std::string_view name) const
{
    for (auto const& [n, v] : params)
        if (n == name)
            return v;
    return std::nullopt;
}

namespace {

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
                   hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

} // namespace

std::optional<std::string> Request::query_param(std::string_view name) const
{
    std::size_t start = 0;
    while (start < query.size()) {
        auto end = query.find('&', start);
        if (end == std::string_view::npos)
            end = query.size();
        auto const pair = query.substr(start, end - start);
        auto const eq = pair.find('=');
        if (percent_decode(pair.substr(0, eq)) == name)
            return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
        start = end + 1;
    }
    return std::nullopt;
}

struct EmulatorServer::Impl {
    Impl(std::shared_ptr<Dialect> d, ServerOptions o)
        : dialect(std::move(d)), options(std::move(o)), log(options.log_capacity, options.log_max_body)
    {
    }

    std::shared_ptr<Dialect> dialect;
    ServerOptions options;
    ServerStats stats;
    FaultSet faults;
    RequestLog log;
    std::atomic<std::uint64_t> next_sequence{0};
    unsigned short bound_port = 0;

    // I/O thread only.
    std::unordered_set<detail::Connection*> connections;
    std::uint64_t next_connection = 0;
    bool stopping = false;

    std::thread thread;
    bool started = false;
    std::atomic<bool> running{false};
    std::mutex done_mutex;
    std::condition_variable done_cv;
    bool done = false;

    // Declared last: destroyed first, while everything a coroutine frame could touch is alive.
    asio::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    asio::steady_timer accept_backoff{ioc};

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> session(std::shared_ptr<detail::Connection> conn);
    asio::awaitable<void> serve(detail::Connection& conn);
    asio::awaitable<bool> handle(detail::Connection& conn,
                                 http::request<http::string_body> const& message);
    asio::awaitable<void> reject(detail::Connection& conn, int status, std::string_view message);
    void close_all();
};

asio::awaitable<void> EmulatorServer::Impl::accept_loop()
{
    while (!stopping) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (stopping || ec == asio::error::operation_aborted || !acceptor.is_open())
            co_return;
        if (ec) {
            // e.g. out of file descriptors: back off instead of spinning.
            accept_backoff.expires_after(std::chrono::milliseconds(20));
            co_await accept_backoff.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        ++stats.accepted_connections;
        ++stats.open_connections;
        auto conn = std::make_shared<detail::Connection>(std::move(socket), ++next_connection, stats);
        connections.insert(conn.get());
        asio::co_spawn(ioc, session(std::move(conn)), asio::detached);
    }
}

asio::awaitable<void> EmulatorServer::Impl::session(std::shared_ptr<detail::Connection> conn)
{
    try {
        co_await serve(*conn);
    } catch (std::exception const&) {
        // A handler bug must not take the server down; the connection just closes.
    }
    conn->close();
    connections.erase(conn.get());
    stats.note_connection_ended();
}

asio::awaitable<void> EmulatorServer::Impl::reject(detail::Connection& conn, int status,
                                                   std::string_view message)
{
    // The request could not be parsed: answer on a closing connection.
    http::request<http::string_body> dummy{http::verb::get, "/", 11};
    dummy.keep_alive(false);
    Request request{dummy, "/", {}, 0, conn.id(), nullptr, {}};
    ResponseWriter writer(conn, request, dialect->base_headers());
    co_await writer.send(status, dialect->framework_error_body(status, message));
}

asio::awaitable<void> EmulatorServer::Impl::serve(detail::Connection& conn)
{
    beast::flat_buffer buffer;
    for (std::size_t n = 0; conn.open() && !stopping && n < options.max_requests_per_connection; ++n) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(options.body_limit);
        conn.stream().expires_after(options.idle_timeout);
        auto [ec, bytes] = co_await http::async_read_header(conn.stream(), buffer, parser,
                                                            asio::as_tuple(asio::use_awaitable));
        (void)bytes;
        if (ec == http::error::body_limit) {
            co_await reject(conn, 413, "request body too large");
            co_return;
        }
        if (ec == http::error::header_limit) {
            co_await reject(conn, 431, "request header fields too large");
            co_return;
        }
        if (ec) {
            // EOF between requests, idle timeout, or our own close: end quietly. Anything
            // else is a malformed request.
            bool const quiet = ec == http::error::end_of_stream || ec == asio::error::eof ||
                               ec == beast::error::timeout || ec == asio::error::operation_aborted ||
                               ec == asio::error::connection_reset || ec == asio::error::bad_descriptor ||
                               ec == http::error::partial_message;
            if (!quiet && conn.open())
                co_await reject(conn, 400, "malformed HTTP request: " + ec.message());
            co_return;
        }
        auto const expect = parser.get()[http::field::expect];
        if (beast::iequals(expect, "100-continue")) {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            if (!co_await conn.write(asio::buffer(kContinue.data(), kContinue.size())))
                co_return;
        }
        if (!parser.is_done()) {
            auto [body_ec, body_bytes] = co_await http::async_read(
                conn.stream(), buffer, parser, asio::as_tuple(asio::use_awaitable));
            (void)body_bytes;
            if (body_ec == http::error::body_limit) {
                co_await reject(conn, 413, "request body too large");
                co_return;
            }
            if (body_ec)
                co_return;
        }
        conn.stream().expires_never();
        auto const message = parser.release();
        // Counted at dispatch, so a client that has its answer also sees it counted.
        stats.note_request();
        bool const keep = co_await handle(conn, message);
        if (!keep)
            co_return;
    }
}

asio::awaitable<bool> EmulatorServer::Impl::handle(detail::Connection& conn,
                                                   http::request<http::string_body> const& message)
{
    std::string_view const target(message.target().data(), message.target().size());
    auto const qmark = target.find('?');
    Request request{message,
                    target.substr(0, qmark),
                    qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1),
                    ++next_sequence,
                    conn.id(),
                    nullptr,
                    {}};

    RecordedRequest record;
    record.sequence = request.sequence;
    record.connection = conn.id();
    record.method = std::string(message.method_string());
    record.target = std::string(target);
    for (auto const& field : message) {
        std::string_view const name(field.name_string().data(), field.name_string().size());
        std::string_view const value(field.value().data(), field.value().size());
        record.headers.emplace_back(std::string(name), redact_header(name, value));
    }
    record.body = message.body().substr(0, log.max_body() + 1);
    log.record(std::move(record));

    auto const fault = faults.take(request.path);
    request.fault = fault ? &*fault : nullptr;
    ResponseWriter writer(conn, request, dialect->base_headers());

    if (fault) {
        if (fault->drop_before_response) {
            writer.drop();
            co_return false;
        }
        if (fault->stall_before_headers) {
            co_await conn.wait_for_client_close();
            co_return false;
        }
        if (fault->delay_before_headers.count() > 0 && !co_await conn.sleep(fault->delay_before_headers))
            co_return false;
        if (fault->status) {
            co_await writer.send(*fault->status, fault->body);
            co_return writer.keep_alive();
        }
    }

    bool failed = false;
    try {
        co_await dialect->handle(request, writer);
    } catch (std::exception const&) {
        failed = true;
    }
    if ((failed || !writer.started()) && conn.open()) {
        if (writer.started()) {
            writer.drop();
            co_return false;
        }
        co_await writer.send(500, dialect->framework_error_body(500, "emulator handler failed"));
    }
    co_return writer.keep_alive();
}

void EmulatorServer::Impl::close_all()
{
    stopping = true;
    boost::system::error_code ec;
    acceptor.close(ec);
    accept_backoff.cancel();
    for (auto* conn : connections)
        conn->close();
}

EmulatorServer::EmulatorServer(std::shared_ptr<Dialect> dialect, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(dialect), std::move(options)))
{
}

EmulatorServer::~EmulatorServer()
{
    stop();
}

void EmulatorServer::start()
{
    auto& im = *impl_;
    if (im.started)
        return;
    tcp::resolver resolver(im.ioc);
    auto const results = resolver.resolve(im.options.host, std::to_string(im.options.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service);
    tcp::endpoint const endpoint = *results.begin();
    im.acceptor.open(endpoint.protocol());
    im.acceptor.set_option(tcp::acceptor::reuse_address(true));
    im.acceptor.bind(endpoint);
    im.acceptor.listen(asio::socket_base::max_listen_connections);
    im.bound_port = im.acceptor.local_endpoint().port();
    im.started = true;
    im.running = true;
    asio::co_spawn(im.ioc, im.accept_loop(), asio::detached);
    im.thread = std::thread([&im] {
        for (int guard = 0; guard < 1000; ++guard) {
            try {
                im.ioc.run();
                break;
            } catch (std::exception const&) {
                // Keep serving: one failed handler must not stop the others.
            }
        }
        {
            std::lock_guard lock(im.done_mutex);
            im.done = true;
        }
        im.done_cv.notify_all();
    });
}

void EmulatorServer::stop()
{
    auto& im = *impl_;
    if (!im.running.exchange(false))
        return;
    asio::post(im.ioc, [&im] { im.close_all(); });
    {
        std::unique_lock lock(im.done_mutex);
        if (!im.done_cv.wait_for(lock, std::chrono::seconds(1), [&] { return im.done; }))
            im.ioc.stop(); // something did not honour the close: abandon it
    }
    im.thread.join();
}

unsigned short EmulatorServer::port() const noexcept
{
    return impl_->bound_port;
}

std::string const& EmulatorServer::host() const noexcept
{
    return impl_->options.host;
}

std::string EmulatorServer::base_url() const
{
    auto const& h = impl_->options.host;
    bool const v6 = h.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + h + "]" : h) + ":" + std::to_string(port());
}

FaultSet& EmulatorServer::faults() noexcept
{
    return impl_->faults;
}

Dialect& EmulatorServer::dialect() noexcept
{
    return *impl_->dialect;
}

std::uint64_t EmulatorServer::accepted_connections() const noexcept
{
    return impl_->stats.accepted_connections.load();
}

std::uint64_t EmulatorServer::requests_served() const noexcept
{
    return impl_->stats.requests_served.load();
}

std::uint64_t EmulatorServer::open_connections() const noexcept
{
    return impl_->stats.open_connections.load();
}

std::uint64_t EmulatorServer::observed_client_closes() const
{
    return impl_->stats.observed_client_closes();
}

bool EmulatorServer::wait_for_requests(std::uint64_t n, std::chrono::milliseconds timeout) const
{
    return impl_->stats.wait_for_requests(n, timeout);
}

bool EmulatorServer::wait_for_client_closes(std::uint64_t n, std::chrono::milliseconds timeout) const
{
    return impl_->stats.wait_for_client_closes(n, timeout);
}

bool EmulatorServer::wait_for_open_connections_at_most(std::uint64_t n, std::chrono::milliseconds timeout) const
{
    return impl_->stats.wait_for_open_connections_at_most(n, timeout);
}

std::vector<RecordedRequest> EmulatorServer::requests() const
{
    return impl_->log.entries();
}

std::optional<RecordedRequest> EmulatorServer::last_request() const
{
    return impl_->log.last();
}

void EmulatorServer::clear_requests()
{
    impl_->log.clear();
}

} // namespace llmio::emulators

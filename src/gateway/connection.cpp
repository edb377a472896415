#include "connection.hpp"

#include "api_error.hpp"
#include "server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

namespace llmio::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// How much the watcher reads ahead while a request is handled: a pipelined request's start.
// Reading stops there, so a client cannot make the gateway buffer more.
constexpr std::size_t kReadAhead = 4096;
// How long and how much a closing connection reads on (see linger_close).
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::size_t kLingerBytes = 256 * 1024;

} // namespace

Connection::Connection(Server& server, asio::ip::tcp::socket socket, asio::ip::address client)
    : server_(server), stream_(std::move(socket)), client_(std::move(client)), watch_ended_(stream_.get_executor())
{
}

Connection::~Connection()
{
    server_.forget(this, client_);
}

asio::awaitable<void> Connection::run()
{
    try {
        while (!closing_ && !server_.stopping()) {
            bool const got = co_await read_request();
            if (!got)
                break;
            auto const& request = parser_->get();
            if (!request.keep_alive() || server_.stopping())
                closing_ = true;
            Exchange exchange(request, server_.services(), *this, out_);
            co_await handle(exchange);
            if (!exchange.finished())
                break; // a stream cut short: the client must see the connection end
        }
    } catch (std::exception const&) {
        // A broken or timed-out connection: nobody is left to answer.
    }
    // After a cancellation every co_await would throw at once: lingering must still wait.
    co_await asio::this_coro::reset_cancellation_state();
    co_await linger_close();
}

asio::awaitable<void> Connection::linger_close()
{
    boost::system::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    if (!forced_) {
        // Closing with unread bytes (a refused request's body) would reset the connection and
        // could destroy the answer before the client read it: read on until the client closes,
        // for a bounded time and amount.
        stream_.expires_after(kLingerTime);
        char sink[4096];
        for (std::size_t total = 0; total < kLingerBytes;) {
            auto [error, n] = co_await stream_.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
            if (error)
                break;
            total += n;
        }
    }
    stream_.close();
}

asio::awaitable<void> Connection::refuse()
{
    closing_ = true;
    try {
        co_await reply_error(Status::service_unavailable, "too many connections", "too_many_connections");
    } catch (std::exception const&) {
        // The client is gone already.
    }
    co_await linger_close();
}

void Connection::on_stop()
{
    closing_ = true;
    if (idle_) {
        forced_ = true; // nothing unread to linger for
        stream_.cancel();
    }
}

void Connection::force_close()
{
    closing_ = true;
    forced_ = true;
    cancel_watched();
    stream_.close();
}

asio::awaitable<void> Connection::write(std::string_view bytes)
{
    stream_.expires_after(server_.services().options().limits.idle_timeout);
    co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), asio::use_awaitable);
}

asio::awaitable<bool> Connection::read_request()
{
    auto const& limits = server_.services().options().limits;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits.header_bytes));
    parser_->body_limit(limits.body_bytes);

    idle_ = buffer_.size() == 0;
    stream_.expires_after(limits.idle_timeout);
    auto [header_error, header_bytes] =
        co_await http::async_read_header(stream_, buffer_, *parser_, asio::as_tuple(asio::use_awaitable));
    idle_ = false;
    (void)header_bytes;
    if (header_error) {
        co_await refuse_request(header_error);
        co_return false;
    }
    if (parser_->get()[http::field::expect] == "100-continue")
        co_await write("HTTP/1.1 100 Continue\r\n\r\n");

    stream_.expires_after(limits.request_timeout);
    auto [body_error, body_bytes] =
        co_await http::async_read(stream_, buffer_, *parser_, asio::as_tuple(asio::use_awaitable));
    (void)body_bytes;
    if (body_error) {
        co_await refuse_request(body_error);
        co_return false;
    }
    stream_.expires_never();
    co_return true;
}

asio::awaitable<void> Connection::refuse_request(boost::system::error_code error)
{
    closing_ = true;
    if (error == http::error::header_limit) {
        co_await reply_error(Status::request_header_fields_too_large, "the request's header block is too large",
                             "header_too_large");
    } else if (error == http::error::body_limit) {
        co_await reply_error(Status::payload_too_large, "the request body is too large", "body_too_large");
    } else if (error.category() == http::make_error_code(http::error::bad_target).category() &&
               error != http::error::end_of_stream && error != http::error::partial_message) {
        co_await reply_error(Status::bad_request, "malformed HTTP request: " + error.message(), "bad_http");
    }
    // Anything else (the client left, a timeout): close without a word.
}

asio::awaitable<void> Connection::reply_error(Status status, std::string_view message, std::string_view code)
{
    ApiError error;
    error.status = status;
    error.message = message;
    error.type = "invalid_request_error";
    error.code = code;
    auto const body = error_body(error);
    static Request const no_request;
    Exchange exchange(no_request, server_.services(), *this, out_);
    co_await exchange.reply(status, "application/json", body);
}

asio::awaitable<void> Connection::handle(Exchange& exchange)
{
    watch_client(exchange);
    co_await dispatch(exchange);
    if (exchange.client_gone())
        co_await asio::this_coro::reset_cancellation_state(); // so that stop_watching can wait
    co_await stop_watching();
}

asio::awaitable<void> Connection::dispatch(Exchange& exchange)
{
    std::exception_ptr failure;
    try {
        bool answered = false;
        for (auto const& middleware : server_.routes().middleware()) {
            bool const go_on = co_await middleware(exchange);
            if (!go_on) {
                answered = true;
                break;
            }
        }
        if (!answered) {
            auto const match = server_.routes().find(exchange.method(), exchange.path());
            if (match.handler) {
                co_await (*match.handler)(exchange);
            } else if (match.path_known) {
                ApiError error = invalid_request("method " + std::string(http::to_string(exchange.method())) +
                                                 " is not allowed on " + std::string(exchange.path()));
                error.status = Status::method_not_allowed;
                auto const body = error_body(error);
                Header const allow[] = {{"Allow", match.allow}};
                co_await exchange.reply(error.status, "application/json", body, allow);
            } else {
                ApiError error = invalid_request("no such endpoint: " + std::string(exchange.path()));
                error.status = Status::not_found;
                co_await gateway::reply_error(exchange, error);
            }
        }
    } catch (std::exception const&) {
        failure = std::current_exception();
    }
    if (exchange.client_gone())
        co_return;
    if (!exchange.started()) {
        // A handler that failed before answering (or forgot to).
        auto error = failure ? api_error_from(failure) : api_error_from(nullptr);
        if (!failure)
            error.message = "internal error: the endpoint gave no answer";
        co_await gateway::reply_error(exchange, error);
    } else if (!exchange.finished()) {
        closing_ = true; // a stream cut short by an error: ending the connection says so
    }
}

void Connection::watch_client(Exchange& exchange)
{
    watched_ = &exchange;
    // Bytes read ahead already are the client's next request: keep them for later; whether
    // the client left shows when that request is read.
    if (buffer_.size() != 0)
        return;
    // Nothing read ahead: reading now sees the client leave (end of stream or reset). Reading
    // stops after one read, so a client cannot make the gateway buffer more than kReadAhead.
    watch_pending_ = true;
    stream_.socket().async_read_some(buffer_.prepare(kReadAhead),
                                     [self = shared_from_this()](boost::system::error_code error, std::size_t n) {
                                         self->on_watch_read(error, n);
                                     });
}

void Connection::on_watch_read(boost::system::error_code error, std::size_t bytes)
{
    watch_pending_ = false;
    watch_ended_.cancel();
    if (!error) {
        buffer_.commit(bytes);
        return;
    }
    if (error == asio::error::operation_aborted && !forced_)
        return; // stop_watching: the handler finished first
    closing_ = true;
    cancel_watched();
}

void Connection::cancel_watched()
{
    if (watched_ == nullptr)
        return;
    watched_->mark_client_gone();
    watched_ = nullptr;
    cancel_handler_.emit(asio::cancellation_type::terminal);
}

asio::awaitable<void> Connection::stop_watching()
{
    watched_ = nullptr;
    if (!watch_pending_)
        co_return;
    boost::system::error_code ignored;
    stream_.socket().cancel(ignored);
    watch_ended_.expires_at(asio::steady_timer::time_point::max());
    while (watch_pending_)
        co_await watch_ended_.async_wait(asio::as_tuple(asio::use_awaitable));
}

} // namespace llmio::gateway

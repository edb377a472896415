#ifndef LLMIO_GATEWAY_CONNECTION_HPP
#define LLMIO_GATEWAY_CONNECTION_HPP

// One client connection: reads requests one at a time (so pipelined requests are answered in
// order), runs the middleware and the handler each selects, and watches the socket meanwhile so
// that a client that goes away cancels its request upstream.
//
// The watch is one plain read on the socket beside the handler, not a second coroutine joined
// with `||`: that cost two coroutine frames and a parallel group per request. A client that
// leaves ends the read with an error, and the read's handler cancels the request through the
// connection's cancellation signal, which server.cpp binds to the coroutine running run().

#include "exchange.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include <memory>
#include <optional>
#include <string>

namespace llmio::gateway {

class Server;

class Connection : public std::enable_shared_from_this<Connection>, private ResponseSink {
public:
    Connection(Server& server, boost::asio::ip::tcp::socket socket, boost::asio::ip::address client);
    ~Connection() override;

    /// Serves requests until the client closes, a limit or timeout ends the connection, or the
    /// gateway stops.
    boost::asio::awaitable<void> run();
    /// Answers 503 and closes: the connection limit is reached.
    boost::asio::awaitable<void> refuse();

    /// The gateway stops: an idle connection closes now, a busy one after its response.
    void on_stop();
    /// The drain time is over: close now, cancelling what is under way.
    void force_close();

    boost::asio::any_io_executor get_executor() { return stream_.get_executor(); }
    /// To bind to the coroutine running run(): a client that leaves, or force_close(), emits a
    /// terminal cancellation there, which ends what the handler waits for (upstream too).
    boost::asio::cancellation_slot cancellation_slot() { return cancel_handler_.slot(); }

private:
    boost::asio::awaitable<void> write(std::string_view bytes) override;
    bool closing() const noexcept override { return closing_; }

    /// Reads one request into parser_; false when the connection is to close (answered or not).
    boost::asio::awaitable<bool> read_request();
    /// Answers what made a request unreadable (a limit, malformed HTTP) and marks the
    /// connection closing; silent when the client left or timed out.
    boost::asio::awaitable<void> refuse_request(boost::system::error_code error);
    boost::asio::awaitable<void> handle(Exchange& exchange);
    boost::asio::awaitable<void> dispatch(Exchange& exchange);
    /// Starts watching the socket while `exchange` is handled (see the top of this file).
    void watch_client(Exchange& exchange);
    void on_watch_read(boost::system::error_code error, std::size_t bytes);
    /// The handler finished: ends the watch and waits until its read has completed.
    boost::asio::awaitable<void> stop_watching();
    /// The client left (or the gateway closes): the watched exchange's handler is cancelled.
    void cancel_watched();
    /// Shuts the connection down politely (see connection.cpp), then closes it.
    boost::asio::awaitable<void> linger_close();
    /// An error answer outside any handler (parse errors, limits), then close.
    boost::asio::awaitable<void> reply_error(Status status, std::string_view message, std::string_view code);

    Server& server_;
    boost::beast::tcp_stream stream_;
    boost::asio::ip::address client_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::string out_;                  // the response being written, reused
    boost::asio::cancellation_signal cancel_handler_;
    Exchange* watched_ = nullptr;           // the exchange being handled, while watched
    bool watch_pending_ = false;            // the watch read has not completed yet
    boost::asio::steady_timer watch_ended_; // stop_watching() waits here for the read to end
    bool idle_ = true;    // waiting for a request's first byte
    bool closing_ = false;
    bool forced_ = false; // the gateway closes on its own: no lingering, a running handler is cancelled
};

} // namespace llmio::gateway

#endif

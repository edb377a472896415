#ifndef LLMIO_TESTS_SUPPORT_SCRIPTED_SERVER_HPP
#define LLMIO_TESTS_SUPPORT_SCRIPTED_SERVER_HPP

// A raw TCP server on 127.0.0.1 for transport tests: each accepted connection runs the test's
// coroutine, which reads requests and writes whatever bytes the test wants (valid or not), on a
// thread of its own. It counts connections and records when a client closed its side.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace llmio::test {

using ServerRequest = boost::beast::http::request<boost::beast::http::string_body>;

/// What a connection handler works with. Plain TCP; TLS servers get the same interface.
class ServerConnection {
public:
    virtual ~ServerConnection() = default;
    /// Reads one request; nullopt when the client closed the connection.
    virtual boost::asio::awaitable<std::optional<ServerRequest>> read_request() = 0;
    virtual boost::asio::awaitable<void> write(std::string_view bytes) = 0;
    /// Like write(), but says whether every byte went out (false once the client is gone).
    virtual boost::asio::awaitable<bool> try_write(std::string_view bytes) = 0;
    /// Waits until the client closes its side (returns true) or `limit` passes (false).
    virtual boost::asio::awaitable<bool> wait_for_client_close(std::chrono::milliseconds limit) = 0;
    virtual boost::asio::awaitable<void> sleep(std::chrono::milliseconds d) = 0;
    virtual void close() = 0;
    /// Aborts the connection: the client sees a reset (RST), not an orderly end (FIN).
    virtual void reset() = 0;
};

using ConnectionHandler = std::function<boost::asio::awaitable<void>(ServerConnection&)>;

class ScriptedServer {
public:
    /// Plain TCP server. `handler` runs once per accepted connection.
    explicit ScriptedServer(ConnectionHandler handler);
    /// TLS server with the given certificate chain and key (PEM files).
    ScriptedServer(ConnectionHandler handler, std::string const& cert_file, std::string const& key_file);
    ~ScriptedServer();

    std::uint16_t port() const { return port_; }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::size_t accepted() const { return accepted_.load(); }
    std::size_t client_closes_observed() const { return client_closes_.load(); }
    int in_flight() const { return in_flight_.load(); }
    int max_in_flight() const { return max_in_flight_.load(); }

    /// Helpers for handlers that track concurrency.
    void enter() { int now = ++in_flight_; int prev = max_in_flight_.load(); while (now > prev && !max_in_flight_.compare_exchange_weak(prev, now)) {} }
    void leave() { --in_flight_; }
    void note_client_close()
    {
        {
            std::lock_guard lock(closes_mutex_);
            ++client_closes_;
        }
        closes_cv_.notify_all();
    }
    /// Blocks until the server saw at least `n` client closes, or `limit` passes (false).
    bool wait_for_client_closes(std::size_t n, std::chrono::milliseconds limit)
    {
        std::unique_lock lock(closes_mutex_);
        return closes_cv_.wait_for(lock, limit, [&] { return client_closes_.load() >= n; });
    }

private:
    boost::asio::awaitable<void> accept_loop();

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
    ConnectionHandler handler_;
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> accepted_{0};
    std::atomic<std::size_t> client_closes_{0};
    std::mutex closes_mutex_;
    std::condition_variable closes_cv_;
    std::atomic<int> in_flight_{0};
    std::atomic<int> max_in_flight_{0};
    std::thread thread_;
};

/// "HTTP/1.1 200 OK" response with Content-Length and the given extra header lines.
std::string http_response(int status, std::string_view body,
                          std::string_view content_type = "application/json",
                          std::string_view extra_headers = "");

/// A port on 127.0.0.1 with nothing listening (bound once, then released).
std::uint16_t unused_port();

} // namespace llmio::test

#endif

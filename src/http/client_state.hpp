#ifndef LLMIO_SRC_HTTP_CLIENT_STATE_HPP
#define LLMIO_SRC_HTTP_CLIENT_STATE_HPP

// State shared by an HttpClient, its copies and the streams it opened: options, the keep-alive
// pool, the concurrency limiter and the TLS context.

#include "connection.hpp"
#include "request_limiter.hpp"

#include <llmio/http/http_options.hpp>

#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace llmio::http::detail {

struct ClientState {
    ClientState(boost::asio::any_io_executor ex, HttpOptions opts);
    ~ClientState();

    /// A pooled connection to `origin_key` that is still open and not expired, or nullptr.
    std::unique_ptr<Connection> take_idle(std::string const& origin_key);
    /// Pools a connection whose last response was read completely (or closes it).
    void give_back(std::unique_ptr<Connection> connection) noexcept;
    void close_idle() noexcept;
    std::size_t idle_count() const noexcept;

    /// Created on first use: loading the system CA store costs milliseconds.
    boost::asio::ssl::context& tls_context();

    void log(LogLevel level, std::string const& message) const;

    boost::asio::any_io_executor const executor;
    HttpOptions const options;
    std::shared_ptr<RequestLimiter> const limiter;
    std::atomic<std::size_t> opened{0};

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
};

} // namespace llmio::http::detail

#endif

#ifndef LLMIO_GATEWAY_SERVER_HPP
#define LLMIO_GATEWAY_SERVER_HPP

// The listening socket, the connections it accepted (counted in all and per client address)
// and the stop-and-drain sequence. Gateway (gateway.hpp) is its public face.

#include "route_table.hpp"
#include "services.hpp"

#include <llmio/gateway.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

namespace llmio::gateway {

class Connection;

class Server {
public:
    Server(boost::asio::any_io_executor executor, ProviderRegistry& registry, GatewayOptions options,
           std::shared_ptr<Metrics> metrics, std::optional<CachingOptions> cache);
    ~Server();

    void listen();
    boost::asio::ip::tcp::endpoint local_endpoint() const;
    boost::asio::awaitable<void> run();
    void stop(std::chrono::milliseconds drain);

    Services& services() noexcept { return services_; }
    RouteTable const& routes() const noexcept { return routes_; }
    bool stopping() const noexcept { return stopping_.load(std::memory_order_relaxed); }

    /// Called by a connection as it ends.
    void forget(Connection* connection, boost::asio::ip::address const& client);

private:
    boost::asio::awaitable<void> serve();
    /// Counts the connection in; false when it is over a limit (it is then refused).
    bool admit(std::shared_ptr<Connection> const& connection, boost::asio::ip::address const& client);
    /// Runs `action` on each live connection, on its own strand.
    template <class Action>
    void for_each_connection(Action action);

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    Services services_;
    RouteTable routes_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer all_closed_; // cancelled when the last connection ends
    boost::asio::steady_timer drain_timer_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::map<Connection*, std::weak_ptr<Connection>> connections_;
    std::map<boost::asio::ip::address, std::size_t> per_client_;
};

} // namespace llmio::gateway

#endif

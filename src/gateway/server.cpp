#include "server.hpp"

#include "access.hpp"

#include "connection.hpp"
#include "routes.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <vector>

namespace llmio::gateway {

namespace asio = boost::asio;
using asio::ip::tcp;

Server::Server(asio::any_io_executor executor, ProviderRegistry& registry, GatewayOptions options,
               std::shared_ptr<Metrics> metrics, std::optional<CachingOptions> cache)
    : strand_(asio::make_strand(executor)),
      services_(registry, std::move(options), std::move(metrics), std::move(cache)),
      acceptor_(strand_),
      all_closed_(strand_),
      drain_timer_(strand_)
{
    register_routes(routes_, services_);
}

Server::~Server() = default;

void Server::listen()
{
    auto const& options = services_.options();
    check_listen_allowed(options.host, !options.api_keys.empty(), options.insecure_no_auth);
    tcp::endpoint const endpoint(asio::ip::make_address(options.host), options.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
}

tcp::endpoint Server::local_endpoint() const
{
    return acceptor_.local_endpoint();
}

asio::awaitable<void> Server::run()
{
    if (!acceptor_.is_open())
        listen();
    co_await asio::co_spawn(strand_, serve(), asio::use_awaitable);
}

asio::awaitable<void> Server::serve()
{
    auto const io = strand_.get_inner_executor();
    // One thread needs no strand per connection (and a strand costs an allocation per
    // operation through any_io_executor).
    bool const one_thread = services_.options().threads == 1;
    while (!stopping()) {
        asio::any_io_executor const executor = one_thread ? io : asio::any_io_executor(asio::make_strand(io));
        auto [error, socket] = co_await acceptor_.async_accept(executor, asio::as_tuple(asio::use_awaitable));
        if (error == asio::error::operation_aborted || !acceptor_.is_open())
            break;
        if (error) {
            // Out of descriptors, or a connection reset before it was accepted: try again
            // shortly instead of spinning.
            drain_timer_.expires_after(std::chrono::milliseconds(50));
            co_await drain_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        boost::system::error_code ignored;
        auto const client = socket.remote_endpoint(ignored).address();
        socket.set_option(tcp::no_delay(true), ignored);
        auto connection = std::make_shared<Connection>(*this, std::move(socket), client);
        bool const admitted = admit(connection, client);
        asio::co_spawn(
            connection->get_executor(),
            [connection, admitted]() -> asio::awaitable<void> {
                if (admitted)
                    co_await connection->run();
                else
                    co_await connection->refuse();
            },
            asio::bind_cancellation_slot(connection->cancellation_slot(), asio::detached));
    }
    // Stopped: wait until every connection has ended (the drain timer cuts the slow ones).
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (connections_.empty())
                break;
        }
        all_closed_.expires_at(asio::steady_timer::time_point::max());
        co_await all_closed_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    drain_timer_.cancel();
}

bool Server::admit(std::shared_ptr<Connection> const& connection, asio::ip::address const& client)
{
    auto const& limits = services_.options().limits;
    std::lock_guard lock(mutex_);
    auto& from_client = per_client_[client];
    bool const within = connections_.size() < limits.connections && from_client < limits.connections_per_client;
    // Counted either way, so that forget() is the same for both and the gateway's run() waits
    // for refused connections too (they end as soon as the refusal is written).
    ++from_client;
    connections_.emplace(connection.get(), connection);
    return within;
}

void Server::forget(Connection* connection, asio::ip::address const& client)
{
    bool last = false;
    {
        std::lock_guard lock(mutex_);
        connections_.erase(connection);
        if (auto const it = per_client_.find(client); it != per_client_.end() && --it->second == 0)
            per_client_.erase(it);
        last = connections_.empty();
    }
    if (last && stopping())
        asio::post(strand_, [this] { all_closed_.cancel(); });
}

template <class Action>
void Server::for_each_connection(Action action)
{
    std::vector<std::shared_ptr<Connection>> live;
    {
        std::lock_guard lock(mutex_);
        for (auto const& [raw, weak] : connections_)
            if (auto connection = weak.lock())
                live.push_back(std::move(connection));
    }
    for (auto& connection : live) {
        auto const executor = connection->get_executor();
        asio::post(executor, [connection = std::move(connection), action] { action(*connection); });
    }
}

void Server::stop(std::chrono::milliseconds drain)
{
    if (stopping_.exchange(true))
        return;
    asio::post(strand_, [this, drain] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        drain_timer_.expires_after(drain);
        drain_timer_.async_wait([this](boost::system::error_code error) {
            if (!error)
                for_each_connection([](Connection& connection) { connection.force_close(); });
        });
        // Wake serve() if the last connection ended before it started waiting.
        all_closed_.cancel();
    });
    for_each_connection([](Connection& connection) { connection.on_stop(); });
}

} // namespace llmio::gateway

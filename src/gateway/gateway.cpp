#include <llmio/gateway.hpp>

#include "server.hpp"

namespace llmio::gateway {

Gateway::Gateway(boost::asio::any_io_executor executor, ProviderRegistry& registry, GatewayOptions options,
                 std::shared_ptr<Metrics> metrics, std::optional<CachingOptions> cache)
    : server_(std::make_unique<Server>(std::move(executor), registry, std::move(options), std::move(metrics),
                                       std::move(cache)))
{
}

Gateway::~Gateway() = default;

void Gateway::listen()
{
    server_->listen();
}

boost::asio::ip::tcp::endpoint Gateway::local_endpoint() const
{
    return server_->local_endpoint();
}

boost::asio::awaitable<void> Gateway::run()
{
    co_await server_->run();
}

void Gateway::stop(std::chrono::milliseconds drain)
{
    server_->stop(drain);
}

GatewayOptions const& Gateway::options() const noexcept
{
    return server_->services().options();
}

} // namespace llmio::gateway

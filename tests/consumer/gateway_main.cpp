// An application embedding llmio's gateway (llmio::gateway), through `find_package(llmio
// COMPONENTS gateway)` or `add_subdirectory(llmio)`: a gateway without providers listens on a
// free loopback port, is stopped, and its run() ends.

#include <llmio/gateway.hpp>
#include <llmio/registry.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <iostream>

int main()
{
    boost::asio::io_context io;
    llmio::ProviderRegistry registry;
    llmio::gateway::GatewayOptions options;
    options.port = 0;
    options.threads = 1;
    llmio::gateway::Gateway gateway(io.get_executor(), registry, options);
    gateway.listen();
    auto const port = gateway.local_endpoint().port();
    bool ended = false;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            co_await gateway.run();
            ended = true;
        },
        boost::asio::detached);
    gateway.stop(std::chrono::milliseconds(0));
    io.run(); // returns once run() has ended: nothing else is pending
    std::cout << "gateway listened on port " << port << '\n';
    return port != 0 && ended ? 0 : 1;
}

#ifndef LLMIO_TESTS_SUPPORT_RUN_ASYNC_HPP
#define LLMIO_TESTS_SUPPORT_RUN_ASYNC_HPP

// Runs a coroutine to completion on a fresh io_context and returns its result (or rethrows),
// with a watchdog so that a hung test fails instead of hanging CI.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <stdexcept>

namespace llmio::test {

/// `make` receives the io_context's executor and returns the awaitable to run.
template <class Make>
auto run_async(Make make, std::chrono::seconds watchdog = std::chrono::seconds(20))
{
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, make(io.get_executor()), boost::asio::use_future);
    io.run_for(watchdog);
    if (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        throw std::runtime_error("test coroutine did not finish within the watchdog time");
    return future.get();
}

} // namespace llmio::test

#endif

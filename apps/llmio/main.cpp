// The `llmio` program: the process's streams, environment and signals around llmio::cli::run.

#include "cli/run.hpp"

#include <boost/asio/io_context.hpp>

#include <iostream>
#include <span>

#include <unistd.h>

int main(int argc, char** argv)
{
    std::ios::sync_with_stdio(false);
    llmio::cli::Streams streams{std::cin, std::cout, std::cerr, false, false, {}};
    streams.in_is_terminal = ::isatty(STDIN_FILENO) == 1;
    streams.err_is_terminal = ::isatty(STDERR_FILENO) == 1;
    boost::asio::io_context io(1);
    llmio::cli::RunOptions options;
    options.handle_signals = true;
    auto const args = std::span<char const* const>(argv, static_cast<std::size_t>(argc));
    return llmio::cli::run(args, streams, io, options);
}

#ifndef LLMIO_EXAMPLES_COMMON_HPP
#define LLMIO_EXAMPLES_COMMON_HPP

// The `main` the examples share: the command line (the server's base URL first), the example's
// coroutine run to completion with llmio::run, and its exception turned into an exit code.

#include <llmio/run.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace examples {

/// The arguments after the program's name; the first is the server's base URL.
struct CommandLine {
    std::vector<std::string> args;

    /// Argument `index` (0 = the base URL), or `fallback` when there are fewer.
    std::string arg(std::size_t index, std::string fallback = "") const
    {
        return index < args.size() ? args[index] : std::move(fallback);
    }
};

// [snippet:exit-code]
/// Runs an example's coroutine to completion on a fresh io_context and returns its exit code;
/// what it throws (a llmio::ProviderError subclass, say) is printed and becomes exit code 1.
inline int exit_code_of(boost::asio::awaitable<int> example)
{
    boost::asio::io_context io;
    try {
        return llmio::run(io, std::move(example));
    } catch (std::exception const& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
}
// [end-snippet]

/// An example's `main`: prints `usage` and returns 2 without a base URL, else returns
/// `exit_code_of(example(command_line))`.
template <class Example>
int run_main(int argc, char** argv, char const* usage, Example example)
{
    CommandLine command_line{std::vector<std::string>(argv + 1, argv + argc)};
    if (command_line.args.empty()) {
        std::cerr << "usage: " << usage << '\n';
        return 2;
    }
    return exit_code_of(example(command_line));
}

} // namespace examples

#endif // LLMIO_EXAMPLES_COMMON_HPP

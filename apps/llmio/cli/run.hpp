#ifndef LLMIO_CLI_RUN_HPP
#define LLMIO_CLI_RUN_HPP

// The `llmio` command line as a library: `run` parses arguments and runs one command, so tests
// can run commands in-process with scripted streams. main.cpp only wires the process's streams,
// environment and signals.

#include <llmio/config.hpp>

#include <boost/asio/io_context.hpp>

#include <iosfwd>
#include <span>

namespace llmio::cli {

/// Where a command reads and writes, and what it may assume about them.
struct Streams {
    std::istream& in;
    std::ostream& out;
    std::ostream& err;
    bool in_is_terminal = false;  ///< No PROMPT and a terminal: interactive chat.
    bool err_is_terminal = false; ///< A progress bar instead of progress lines.
    /// Reads environment variables (provider keys and URLs, LLMIO_CONFIG,
    /// LLMIO_DISCOVERY_URLS). Unset: the process environment. A set-but-empty value is returned
    /// as "" (LLMIO_DISCOVERY_URLS= means "probe nothing").
    Environment::Lookup getenv;
};

/// How `run` drives its command.
struct RunOptions {
    /// Handle SIGINT and SIGTERM while the command runs: a stream is cancelled (exit 130),
    /// `emulate` stops (exit 0). Only the real program sets this.
    bool handle_signals = false;
};

/// Runs `args` (argv, program name first) on `io`, which must not be running elsewhere; returns
/// the exit code (see exit_codes.hpp). Never throws.
int run(std::span<char const* const> args, Streams& streams, boost::asio::io_context& io,
        RunOptions options = {});

/// Same, on a fresh io_context.
int run(std::span<char const* const> args, Streams& streams, RunOptions options = {});

} // namespace llmio::cli

#endif

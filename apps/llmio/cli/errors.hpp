#ifndef LLMIO_CLI_ERRORS_HPP
#define LLMIO_CLI_ERRORS_HPP

// Every failure ends as one stderr line `llmio: <kind>: <message>`, an optional `hint:` line and
// an exit code (exit_codes.hpp).

#include "cli/exit_codes.hpp"

#include <exception>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace llmio::cli {

/// A failure the CLI itself detects (bad usage, no server found, no model to pick).
class CliError : public std::runtime_error {
public:
    CliError(ExitCode code, std::string kind, std::string const& message, std::string hint = {})
        : std::runtime_error(message), code_(code), kind_(std::move(kind)), hint_(std::move(hint))
    {}
    ExitCode code() const noexcept { return code_; }
    std::string const& kind() const noexcept { return kind_; }
    std::string const& hint() const noexcept { return hint_; }

private:
    ExitCode code_;
    std::string kind_;
    std::string hint_;
};

[[noreturn]] void throw_usage(std::string const& message);

/// What a user can do when no server answers.
std::string start_server_hint();

/// What the hints and the redaction of an error report know about the command that failed.
struct ErrorReportContext {
    std::string model;   ///< Names the model in hints (may be empty).
    std::string command; ///< "pull" gets pull's hints; empty = the generic ones.
    std::vector<std::string> secrets; ///< Redacted from everything printed (API keys).
};

/// Prints `error` (an exception_ptr caught by `run`) and returns the exit code. Every printed
/// text is one line, control characters escaped and `context.secrets` redacted (docs/errors.md).
/// A cancellation prints nothing.
int report_error(std::exception_ptr error, std::ostream& err, ErrorReportContext const& context);

} // namespace llmio::cli

#endif

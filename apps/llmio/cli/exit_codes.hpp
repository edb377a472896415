#ifndef LLMIO_CLI_EXIT_CODES_HPP
#define LLMIO_CLI_EXIT_CODES_HPP

// The CLI's exit codes: a contract (docs/cli.md, `llmio --help`), so scripts can branch on them.

#include <llmio/error.hpp>

#include <string_view>

namespace llmio::cli {

enum class ExitCode : int {
    success = 0,
    usage = 2,
    network = 3,           ///< Also: no server found.
    timeout = 4,
    authentication = 5,
    model_not_found = 6,
    invalid_request = 7,   ///< Including context length exceeded and unsupported operations.
    rate_limited = 8,
    server_error = 9,
    malformed_response = 10,
    cancelled = 130,
};

constexpr int to_int(ExitCode code) noexcept { return static_cast<int>(code); }

/// The exit code of an llmio error (an unusable --url is a usage error).
ExitCode exit_code_for(errc code) noexcept;

/// The exit code table as `llmio --help` prints it.
std::string_view exit_code_help() noexcept;

} // namespace llmio::cli

#endif

#include "cli/exit_codes.hpp"

namespace llmio::cli {

ExitCode exit_code_for(errc code) noexcept
{
    if (code == errc::invalid_endpoint)
        return ExitCode::usage;
    switch (kind_of(code)) {
    case ErrorKind::network: return ExitCode::network;
    case ErrorKind::timeout: return ExitCode::timeout;
    case ErrorKind::cancelled: return ExitCode::cancelled;
    case ErrorKind::malformed_response: return ExitCode::malformed_response;
    case ErrorKind::authentication: return ExitCode::authentication;
    case ErrorKind::rate_limit: return ExitCode::rate_limited;
    case ErrorKind::model_not_found: return ExitCode::model_not_found;
    case ErrorKind::invalid_request: return ExitCode::invalid_request;
    case ErrorKind::context_length: return ExitCode::invalid_request;
    case ErrorKind::server: return ExitCode::server_error;
    }
    return ExitCode::server_error;
}

std::string_view exit_code_help() noexcept
{
    return "Exit codes:\n"
           "  0    success\n"
           "  2    usage error (bad option, missing argument, unusable --url or model id)\n"
           "  3    network error or no server reachable\n"
           "  4    timeout\n"
           "  5    authentication failed\n"
           "  6    model not found (unknown, not downloaded or not loaded)\n"
           "  7    invalid request (including context length exceeded, unsupported)\n"
           "  8    rate limited\n"
           "  9    server error\n"
           "  10   malformed response\n"
           "  130  cancelled (Ctrl-C)\n";
}

} // namespace llmio::cli

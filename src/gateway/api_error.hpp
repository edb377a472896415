#ifndef LLMIO_GATEWAY_API_ERROR_HPP
#define LLMIO_GATEWAY_API_ERROR_HPP

// Errors as OpenAI's API reports them: a status and
// {"error": {"message", "type", "param", "code"}}. Upstream failures (llmio's ProviderError)
// map to the status a client of OpenAI would expect, carrying upstream's own message (which
// llmio has already cleared of API keys).

#include "exchange.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace llmio::gateway {

struct ApiError {
    Status status = Status::internal_server_error;
    std::string message;
    std::string type;  ///< "invalid_request_error", "authentication_error", ...
    std::string code;  ///< "model_not_found", "context_length_exceeded"...; empty: null
    std::string param; ///< The request field at fault; empty: null
    std::optional<std::chrono::seconds> retry_after; ///< For 429: the Retry-After header.
};

ApiError invalid_request(std::string message, std::string param = {});

/// Thrown by request parsing: answered as it is.
class ApiException : public std::exception {
public:
    explicit ApiException(ApiError error) : error_(std::move(error)) {}
    ApiError const& error() const noexcept { return error_; }
    char const* what() const noexcept override { return error_.message.c_str(); }

private:
    ApiError error_;
};

/// Throws ApiException(invalid_request(message, param)).
[[noreturn]] void throw_invalid(std::string message, std::string param = {});
/// What a failure (a ProviderError or anything else) means to the client.
ApiError api_error_from(std::exception_ptr error);

/// `{"error":{...}}`.
std::string error_body(ApiError const& error);
/// The error's JSON object alone (for an SSE error event).
void append_error_object(std::string& out, ApiError const& error);

/// Answers with `error` (and Retry-After when it has one).
boost::asio::awaitable<void> reply_error(Exchange& exchange, ApiError const& error);

} // namespace llmio::gateway

#endif

#ifndef LLMIO_ERROR_HPP
#define LLMIO_ERROR_HPP

// llmio's error model.
//
// Every failure that reaches the application is a `ProviderError` (a
// `boost::system::system_error`, hence also a `std::runtime_error`). Its `code()` is an
// `llmio::errc`, so `e.code() == llmio::errc::rate_limited` works, and its dynamic type is one
// of the subclasses below, so `catch (llmio::RateLimitError const&)` works too. The server's
// own words travel in `server_message()`; `what()` never contains request bodies or keys.
//
// Display safety: `what()` and every text field of `info()` except `raw_body` and
// `raw_server_message` are one line, control characters escaped (see error_sanitize.hpp and
// docs/errors.md); providers redact their configured secrets from all of them.

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace llmio {

/// What went wrong, as llmio classifies it. Values are stable.
enum class errc {
    // Transport: what the client observed on the wire.
    connection_refused = 1,   ///< Nothing listens on the port.
    host_not_found,           ///< Name resolution failed.
    connection_reset,         ///< The peer closed or reset the connection unexpectedly.
    tls_error,                ///< TLS handshake or certificate verification failed.
    network_error,            ///< Any other socket-level failure.

    // Timeouts: each stage has its own code.
    connect_timeout = 20,     ///< Resolving, connecting and the TLS handshake took too long.
    first_byte_timeout,       ///< The response headers did not start arriving in time.
    idle_timeout,             ///< Too long between two reads of the response body.
    total_timeout,            ///< The whole request (or stream) exceeded its budget.
    queue_timeout,            ///< Waited too long for a free slot under the concurrency limit.

    cancelled = 40,           ///< The caller cancelled the operation.

    // The response could not be used.
    malformed_response = 50,  ///< Invalid JSON, wrong shape, protocol violation.
    stream_truncated,         ///< The body or stream ended before its terminator.
    body_too_large,           ///< A body, header block, line or event exceeded its bound.
    unexpected_content_type,  ///< e.g. HTML where JSON was expected.

    // What the server reported.
    authentication_failed = 70, ///< 401/403.
    rate_limited,               ///< 429 (see `RateLimitError::retry_after()`).
    model_not_found,            ///< The model is unknown, not downloaded or not loaded.
    invalid_request,            ///< 400/404/422 and local validation failures.
    context_length_exceeded,    ///< The prompt does not fit the model's context.
    server_error,               ///< 5xx and errors reported inside a 200.

    // Local usage errors.
    invalid_endpoint = 90,      ///< A base URL that cannot be used (rejected before any I/O).
    operation_in_progress,      ///< e.g. a second concurrent `next()` on one stream.
    unsupported,                ///< The provider or server cannot do this.
};

/// The category of `llmio::errc`; its name is "llmio".
boost::system::error_category const& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

/// The coarse kind of an error: one per `ProviderError` subclass.
enum class ErrorKind {
    network,
    timeout,
    cancelled,
    malformed_response,
    authentication,
    rate_limit,
    model_not_found,
    invalid_request,
    context_length,
    server,
};

/// The kind an `errc` belongs to.
ErrorKind kind_of(errc e) noexcept;

/// Human-readable kind name as the CLI prints it ("rate limited", "model not found", ...).
std::string_view kind_name(ErrorKind k) noexcept;

/// The one classifier for "is another attempt worthwhile?".
///
/// True for transient transport failures (refused, reset, network, connect and first-byte
/// timeouts), rate limiting and server errors. False for cancellation, bad requests,
/// authentication, malformed responses, and total/idle timeouts (a retry would most likely
/// repeat the same long generation). Codes of other categories: Asio's transient network
/// errors are retryable, everything else is not.
bool is_retryable(boost::system::error_code const& ec) noexcept;

/// Everything known about one failure. Plain data, cheap to copy.
struct ErrorInfo {
    std::string provider;          ///< e.g. "openai", "lmstudio"; may be empty for transport code.
    int http_status = 0;           ///< 0 when no HTTP status was received.
    /// The server's own message, parsed from its error body; one line, controls escaped.
    std::string server_message;
    /// The same message as the server wrote it (bounded, line breaks kept, secrets redacted).
    /// Never print it unescaped.
    std::string raw_server_message;
    std::string server_type;       ///< The server's error `type` (e.g. "invalid_request_error").
    std::string server_code;       ///< The server's error `code`, as text (may be numeric).
    std::string request_id;        ///< `x-request-id` (or similar) when the server sent one.
    std::string raw_body;          ///< A bounded copy of the error body (see kMaxRawBody).
    std::string detail;            ///< llmio's own explanation (what it was doing, which limit).
    std::string hint;              ///< What the user can do about it, when llmio knows.
    std::optional<std::chrono::milliseconds> retry_after; ///< From Retry-After / retry-after-ms.
    std::optional<bool> should_retry; ///< The server's explicit verdict (`x-should-retry`), if any.
    boost::system::error_code cause; ///< The underlying transport error, when there is one.

    /// Raw bodies are truncated to this many bytes before they are stored.
    static constexpr std::size_t kMaxRawBody = 4096;
};

/// Stores `body` in `info.raw_body`, truncated to `ErrorInfo::kMaxRawBody` bytes.
void set_raw_body(ErrorInfo& info, std::string_view body);

/// Base of every error llmio throws.
class ProviderError : public boost::system::system_error {
public:
    ProviderError(errc code, ErrorInfo info);

    errc error() const noexcept { return static_cast<errc>(code().value()); }
    ErrorKind kind() const noexcept { return kind_of(error()); }
    bool retryable() const noexcept { return is_retryable(code()); }

    ErrorInfo const& info() const noexcept { return info_; }
    std::string const& provider() const noexcept { return info_.provider; }
    int http_status() const noexcept { return info_.http_status; }
    std::string const& server_message() const noexcept { return info_.server_message; }
    std::string const& request_id() const noexcept { return info_.request_id; }
    std::string const& raw_body() const noexcept { return info_.raw_body; }
    /// The server's message before escaping (see ErrorInfo::raw_server_message).
    std::string const& raw_server_message() const noexcept { return info_.raw_server_message; }
    std::string const& hint() const noexcept { return info_.hint; }

    /// "<kind message>: <server message> (HTTP <status>; provider <name>; <detail>)", one line.
    char const* what() const noexcept override { return what_.c_str(); }

private:
    ErrorInfo info_;
    std::string what_;
};

#define LLMIO_DECLARE_ERROR(Name)                                                             \
    class Name : public ProviderError {                                                       \
    public:                                                                                   \
        using ProviderError::ProviderError;                                                   \
    }

LLMIO_DECLARE_ERROR(NetworkError);          ///< Refused, reset, DNS, TLS.
LLMIO_DECLARE_ERROR(TimeoutError);          ///< Any of the timeout codes.
LLMIO_DECLARE_ERROR(CancelledError);        ///< The caller cancelled.
LLMIO_DECLARE_ERROR(MalformedResponseError); ///< Bad JSON, truncated stream, oversized body.
LLMIO_DECLARE_ERROR(AuthenticationError);   ///< 401/403.
LLMIO_DECLARE_ERROR(ModelNotFoundError);    ///< Unknown or not loaded model.
LLMIO_DECLARE_ERROR(InvalidRequestError);   ///< 400/404/422, local validation.
LLMIO_DECLARE_ERROR(ContextLengthError);    ///< Prompt too long for the context window.
LLMIO_DECLARE_ERROR(ServerError);           ///< 5xx and in-band server failures.

#undef LLMIO_DECLARE_ERROR

/// 429. `retry_after()` is what the server asked for, if anything.
class RateLimitError : public ProviderError {
public:
    using ProviderError::ProviderError;
    std::optional<std::chrono::milliseconds> retry_after() const noexcept
    {
        return info().retry_after;
    }
};

/// Throws the `ProviderError` subclass that matches `kind_of(code)`.
[[noreturn]] void throw_error(errc code, ErrorInfo info);

/// Same as `throw_error`, returned as an exception_ptr (for channels and callbacks).
std::exception_ptr make_error(errc code, ErrorInfo info);

/// Inside a catch block: rethrows the current exception, naming `provider` in it when it is a
/// ProviderError that does not name one yet (errors from the transport and wire layers).
[[noreturn]] void rethrow_attributed(std::string_view provider);

/// Shorthand: throw `code` with only llmio's own explanation.
[[noreturn]] void throw_error(errc code, std::string detail);

} // namespace llmio

template <>
struct boost::system::is_error_code_enum<llmio::errc> : std::true_type {};

#endif // LLMIO_ERROR_HPP

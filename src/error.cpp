#include <llmio/error.hpp>

#include <llmio/error_sanitize.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include <exception>

namespace llmio {
namespace {

class LlmioCategory final : public boost::system::error_category {
public:
    char const* name() const noexcept override { return "llmio"; }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::connection_refused: return "connection refused";
        case errc::host_not_found: return "host not found";
        case errc::connection_reset: return "connection closed by the server";
        case errc::tls_error: return "TLS handshake or certificate verification failed";
        case errc::network_error: return "network error";
        case errc::connect_timeout: return "timed out connecting";
        case errc::first_byte_timeout: return "timed out waiting for the response";
        case errc::idle_timeout: return "timed out waiting for more of the response";
        case errc::total_timeout: return "request exceeded its total time budget";
        case errc::queue_timeout: return "timed out waiting for a free request slot";
        case errc::cancelled: return "operation cancelled";
        case errc::malformed_response: return "malformed response";
        case errc::stream_truncated: return "response ended before it was complete";
        case errc::body_too_large: return "response exceeds the configured size limit";
        case errc::unexpected_content_type: return "unexpected content type";
        case errc::authentication_failed: return "authentication failed";
        case errc::rate_limited: return "rate limited";
        case errc::model_not_found: return "model not found";
        case errc::invalid_request: return "invalid request";
        case errc::context_length_exceeded: return "context length exceeded";
        case errc::server_error: return "server error";
        case errc::invalid_endpoint: return "invalid endpoint";
        case errc::operation_in_progress: return "another operation is in progress";
        case errc::unsupported: return "not supported";
        }
        return "unknown llmio error";
    }
};

// what() reads: "<kind message>: <server message> (HTTP 429, provider openai; <detail>)".
std::string describe(errc code, ErrorInfo const& info)
{
    std::string text = make_error_code(code).message();
    if (!info.server_message.empty())
        text += ": " + info.server_message;
    std::string context;
    auto add = [&context](std::string const& part) {
        if (part.empty())
            return;
        if (!context.empty())
            context += "; ";
        context += part;
    };
    if (info.http_status != 0)
        add("HTTP " + std::to_string(info.http_status));
    if (!info.provider.empty())
        add("provider " + info.provider);
    add(info.detail);
    if (!context.empty())
        text += " (" + context + ")";
    return text;
}

template <class E>
std::exception_ptr make_as(errc code, ErrorInfo&& info)
{
    return std::make_exception_ptr(E(code, std::move(info)));
}

} // namespace

boost::system::error_category const& error_category() noexcept
{
    static LlmioCategory const category;
    return category;
}

ErrorKind kind_of(errc e) noexcept
{
    switch (e) {
    case errc::connection_refused:
    case errc::host_not_found:
    case errc::connection_reset:
    case errc::tls_error:
    case errc::network_error: return ErrorKind::network;
    case errc::connect_timeout:
    case errc::first_byte_timeout:
    case errc::idle_timeout:
    case errc::total_timeout:
    case errc::queue_timeout: return ErrorKind::timeout;
    case errc::cancelled: return ErrorKind::cancelled;
    case errc::malformed_response:
    case errc::stream_truncated:
    case errc::body_too_large:
    case errc::unexpected_content_type: return ErrorKind::malformed_response;
    case errc::authentication_failed: return ErrorKind::authentication;
    case errc::rate_limited: return ErrorKind::rate_limit;
    case errc::model_not_found: return ErrorKind::model_not_found;
    case errc::context_length_exceeded: return ErrorKind::context_length;
    case errc::server_error: return ErrorKind::server;
    case errc::invalid_request:
    case errc::invalid_endpoint:
    case errc::operation_in_progress:
    case errc::unsupported: return ErrorKind::invalid_request;
    }
    return ErrorKind::server;
}

std::string_view kind_name(ErrorKind k) noexcept
{
    switch (k) {
    case ErrorKind::network: return "network";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::cancelled: return "cancelled";
    case ErrorKind::malformed_response: return "malformed response";
    case ErrorKind::authentication: return "authentication";
    case ErrorKind::rate_limit: return "rate limited";
    case ErrorKind::model_not_found: return "model not found";
    case ErrorKind::invalid_request: return "invalid request";
    case ErrorKind::context_length: return "context length exceeded";
    case ErrorKind::server: return "server error";
    }
    return "error";
}

bool is_retryable(boost::system::error_code const& ec) noexcept
{
    if (!ec)
        return false;
    if (ec.category() == error_category()) {
        switch (static_cast<errc>(ec.value())) {
        case errc::connection_refused:
        case errc::connection_reset:
        case errc::network_error:
        case errc::connect_timeout:
        case errc::first_byte_timeout:
        case errc::queue_timeout:
        case errc::rate_limited:
        case errc::server_error: return true;
        default: return false;
        }
    }
    namespace ae = boost::asio::error;
    return ec == ae::connection_refused || ec == ae::connection_reset ||
           ec == ae::connection_aborted || ec == ae::network_unreachable ||
           ec == ae::host_unreachable || ec == ae::timed_out || ec == ae::eof ||
           ec == ae::broken_pipe || ec == ae::try_again;
}

void set_raw_body(ErrorInfo& info, std::string_view body)
{
    info.raw_body.assign(body.substr(0, ErrorInfo::kMaxRawBody));
}

// Every text that may hold a server's words (or a caller's) becomes one escaped line; the raw
// message is kept beside it. Escaping is idempotent, so rebuilding an error changes nothing.
static ErrorInfo displayable(ErrorInfo info)
{
    if (info.raw_server_message.empty())
        info.raw_server_message = info.server_message;
    for (std::string* field : {&info.provider, &info.server_message, &info.server_type,
                               &info.server_code, &info.request_id, &info.detail, &info.hint})
        *field = escape_for_display(*field);
    return info;
}

ProviderError::ProviderError(errc code, ErrorInfo info)
    : boost::system::system_error(make_error_code(code))
    , info_(displayable(std::move(info)))
    , what_(describe(code, info_))
{
}

std::exception_ptr make_error(errc code, ErrorInfo info)
{
    switch (kind_of(code)) {
    case ErrorKind::network: return make_as<NetworkError>(code, std::move(info));
    case ErrorKind::timeout: return make_as<TimeoutError>(code, std::move(info));
    case ErrorKind::cancelled: return make_as<CancelledError>(code, std::move(info));
    case ErrorKind::malformed_response: return make_as<MalformedResponseError>(code, std::move(info));
    case ErrorKind::authentication: return make_as<AuthenticationError>(code, std::move(info));
    case ErrorKind::rate_limit: return make_as<RateLimitError>(code, std::move(info));
    case ErrorKind::model_not_found: return make_as<ModelNotFoundError>(code, std::move(info));
    case ErrorKind::invalid_request: return make_as<InvalidRequestError>(code, std::move(info));
    case ErrorKind::context_length: return make_as<ContextLengthError>(code, std::move(info));
    case ErrorKind::server: return make_as<ServerError>(code, std::move(info));
    }
    return make_as<ServerError>(code, std::move(info));
}

void throw_error(errc code, ErrorInfo info)
{
    std::rethrow_exception(make_error(code, std::move(info)));
}

void rethrow_attributed(std::string_view provider)
{
    try {
        throw;
    } catch (ProviderError const& e) {
        if (!e.provider().empty() || provider.empty())
            throw;
        auto info = e.info();
        info.provider = std::string(provider);
        throw_error(e.error(), std::move(info));
    }
}

void throw_error(errc code, std::string detail)
{
    ErrorInfo info;
    info.detail = std::move(detail);
    throw_error(code, std::move(info));
}

} // namespace llmio

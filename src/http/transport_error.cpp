#include "transport_error.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace llmio::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

errc classify_transport_error(error_code ec, Stage stage, bool caller_cancelled,
                              bool total_deadline_passed) noexcept
{
    if (caller_cancelled)
        return errc::cancelled;
    if (ec == beast::error::timeout) {
        if (total_deadline_passed)
            return errc::total_timeout;
        switch (stage) {
        case Stage::connect: return errc::connect_timeout;
        case Stage::first_byte: return errc::first_byte_timeout;
        case Stage::body: return errc::idle_timeout;
        }
    }
    if (ec == asio::error::operation_aborted)
        return errc::cancelled;
    if (ec == asio::error::connection_refused)
        return errc::connection_refused;
    if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again ||
        ec == asio::error::no_data || ec == asio::error::service_not_found)
        return errc::host_not_found;
    if (ec == beast::http::error::header_limit || ec == beast::http::error::body_limit ||
        ec == beast::http::error::buffer_overflow)
        return errc::body_too_large;

    bool const closed = ec == asio::error::eof || ec == beast::http::error::end_of_stream ||
                        ec == beast::http::error::partial_message ||
                        ec == asio::error::connection_reset ||
                        ec == asio::error::connection_aborted || ec == asio::error::broken_pipe ||
                        ec == asio::ssl::error::stream_truncated;
    if (closed)
        return stage == Stage::body ? errc::stream_truncated : errc::connection_reset;
    if (ec.category() == asio::error::get_ssl_category() ||
        ec.category() == asio::ssl::error::get_stream_category())
        return errc::tls_error;
    if (ec.category() == beast::http::make_error_code(beast::http::error::bad_version).category())
        return errc::malformed_response;
    return errc::network_error;
}

void throw_transport_error(errc code, error_code cause, Stage stage, RequestLabel const& label)
{
    ErrorInfo info;
    info.cause = cause;
    std::string what;
    switch (code) {
    case errc::stream_truncated: what = "the server closed the connection before the body ended"; break;
    case errc::connection_reset: what = "the server closed the connection without responding"; break;
    case errc::cancelled: what = "cancelled by the caller"; break;
    default: what = cause.message(); break;
    }
    char const* const stage_name = stage == Stage::connect      ? "connecting"
                                   : stage == Stage::first_byte ? "waiting for the response"
                                                                : "reading the body";
    info.detail = label.method + " " + label.url + " while " + stage_name + ": " + what;
    if (code == errc::connection_refused)
        info.hint = "is the server running and listening on that port?";
    throw_error(code, std::move(info));
}

} // namespace llmio::http::detail

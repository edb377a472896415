#ifndef LLMIO_SRC_HTTP_TRANSPORT_ERROR_HPP
#define LLMIO_SRC_HTTP_TRANSPORT_ERROR_HPP

// Turns what Asio, Beast and OpenSSL report into llmio's error codes, telling a timeout from a
// caller's cancellation by looking at the cancellation state, never at the error alone.

#include <llmio/error.hpp>

#include <boost/system/error_code.hpp>

#include <string>

namespace llmio::http::detail {

/// Where in a request a failure happened.
enum class Stage { connect, first_byte, body };

/// For messages: "POST http://127.0.0.1:1234/v1/chat/completions". Never holds credentials.
struct RequestLabel {
    std::string method;
    std::string url;
};

errc classify_transport_error(boost::system::error_code ec, Stage stage, bool caller_cancelled,
                              bool total_deadline_passed) noexcept;

[[noreturn]] void throw_transport_error(errc code, boost::system::error_code cause, Stage stage,
                                        RequestLabel const& label);

} // namespace llmio::http::detail

#endif

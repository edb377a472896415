#ifndef LLMIO_PROVIDER_TRANSPORT_HPP
#define LLMIO_PROVIDER_TRANSPORT_HPP

// What every provider needs between its wire mapping and the HTTP client: default headers,
// the retry loop, and turning non-2xx responses (or errors inside a 200) into typed errors.
// Provider authors use it; applications need not.

#include <llmio/http/http_client.hpp>
#include <llmio/provider.hpp>
#include <llmio/retry.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace llmio {

struct TransportOptions {
    std::string provider;              ///< Name used in errors and logs ("openai", ...).
    http::HttpOptions http;
    RetryPolicy retry;
    /// Sent with every request (Authorization goes here, marked secret).
    std::vector<http::Header> headers;
};

class ProviderTransport {
public:
    ProviderTransport(boost::asio::any_io_executor executor, http::Endpoint endpoint,
                      TransportOptions options);

    http::Endpoint const& endpoint() const noexcept { return endpoint_; }
    std::string const& provider() const noexcept { return options_.provider; }
    http::HttpClient& client() noexcept { return client_; }
    TransportOptions const& options() const noexcept { return options_; }

    /// Sends a request and returns the 2xx response; a non-2xx status becomes its typed error.
    /// Transient failures are retried per the call's (else the provider's) policy.
    boost::asio::awaitable<http::HttpResponse> send(http::HttpRequest request, CallOptions const& call);

    /// Like `send`, but returns once 2xx headers arrived; the body is the caller's to read.
    /// Retries happen only before that point.
    ///
    /// The total timeout (the call's, else the provider's `Timeouts::total`) is one deadline
    /// fixed when `send` / `open` is called: it covers every attempt, every retry wait and the
    /// whole body or stream, and ends the call with TimeoutError (errc::total_timeout). A retry
    /// wait that would cross it is not made: the error that caused it is thrown at once.
    boost::asio::awaitable<http::HttpStream> open(http::HttpRequest request, CallOptions const& call);

    /// A JSON POST/GET request with this transport's headers.
    http::HttpRequest json_request(boost::beast::http::verb method, std::string path,
                                   std::string body = {}) const;

    /// Throws the typed error for `response` (any status, including an error body in a 200).
    [[noreturn]] void throw_for(http::HttpResponse const& response) const;

    /// Checks that a 2xx `response` is a JSON answer: an HTML page (a captive portal, a proxy's
    /// login) is errc::unexpected_content_type, and a JSON object with an "error" member but
    /// without `expected_member` is the server's error reported inside a 200 (LM Studio answers
    /// unknown routes that way), thrown as its typed error.
    void check_json_answer(http::HttpResponse const& response, std::string_view expected_member) const;

    /// Throws the typed error for an error object the server put inside a 200 body or stream.
    [[noreturn]] void throw_in_band(std::string_view error_json) const;

    /// The values of the secret headers (and their credentials without the "Bearer " scheme),
    /// redacted from every error this transport raises.
    std::vector<std::string> const& secrets() const noexcept { return secrets_; }

    /// Inside a catch block: rethrows the current exception naming this provider and with the
    /// secrets redacted (`rethrow_sanitised`). Providers call it where server text enters an
    /// error without passing through `send`, `open`, `throw_for` or `throw_in_band`.
    [[noreturn]] void rethrow_sanitised() const;

private:
    using Clock = std::chrono::steady_clock;

    /// The call's timeouts applied to `request`, and its total deadline fixed (from now).
    http::HttpRequest with_call_deadline(http::HttpRequest request, CallOptions const& call) const;

    /// Runs `attempt` until it succeeds or the policy stops; a retry wait that would cross
    /// `deadline` is not made.
    template <class Attempt>
    auto with_retries(Attempt attempt, CallOptions const& call, Clock::time_point deadline)
        -> decltype(attempt());

    http::Endpoint endpoint_;
    TransportOptions options_;
    std::vector<std::string> secrets_;
    http::HttpClient client_;
};

/// True when `body` is a JSON object with an "error" member and none of `expected` members
/// (e.g. LM Studio's 200 `{"error":"Unexpected endpoint or method. (GET /foo)"}`).
bool is_error_body(std::string_view body, std::string_view expected_member);

} // namespace llmio

#endif

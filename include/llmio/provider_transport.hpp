#ifndef LLMIO_PROVIDER_TRANSPORT_HPP
#define LLMIO_PROVIDER_TRANSPORT_HPP

// What every provider needs between its wire mapping and the HTTP client: default headers,
// the retry loop, and turning non-2xx responses (or errors inside a 200) into typed errors.
// Provider authors use it; applications need not.

#include <llmio/error_mapping.hpp>
#include <llmio/http/http_client.hpp>
#include <llmio/provider.hpp>
#include <llmio/retry.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
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
    /// The provider's reading of its server's error messages (e.g. `openai::error_rules()`).
    ErrorRules error_rules;
    /// Called (before the error is thrown) whenever the server says the model is unknown, in a
    /// response or inside a stream: the provider's view of the server's models is stale (a model
    /// was unloaded, deleted or renamed behind its back), e.g. `[this] { cache_.invalidate(); }`.
    /// May run on any thread; must not throw.
    std::function<void()> on_model_not_found;
};

/// A JSON request whose whole answer is wanted (`ProviderTransport::call_json`).
struct JsonCall {
    boost::beast::http::verb method = boost::beast::http::verb::post;
    std::string path;
    std::string body;
    /// The member a successful answer has ("choices", "data", ...): an object with an "error"
    /// member and without this one is the server's error inside a 200.
    std::string_view success_member;
};

/// A request whose answer is a stream (`ProviderTransport::open_stream`).
struct StreamCall {
    boost::beast::http::verb method = boost::beast::http::verb::post;
    std::string path;
    std::string body;
    /// The Accept header: "text/event-stream", "application/x-ndjson".
    std::string_view accept;
    /// The Content-Type the answer must have (as a substring: parameters may follow). Empty:
    /// anything but an HTML page.
    std::string_view content_type;
    /// As JsonCall::success_member, for a server that answers with JSON instead of a stream.
    std::string_view success_member;
    /// What was asked for, in errors: "a streamed chat".
    std::string_view what;
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

    /// Sends a JSON request and returns the whole 2xx answer, checked like `check_json_answer`
    /// (an HTML page, or an error object inside a 200, is the typed error). Retried like `send`.
    boost::asio::awaitable<http::HttpResponse> call_json(JsonCall request, CallOptions const& call);

    /// Opens a streamed answer: like `open`, and a 2xx answer that is not `content_type` is read
    /// whole and thrown as its typed error: the server's error inside a 200, an HTML page
    /// (errc::unexpected_content_type), or a server that ignored the request to stream
    /// (errc::unexpected_content_type, "expected <type> for <what>, got <type>").
    boost::asio::awaitable<http::HttpStream> open_stream(StreamCall request, CallOptions const& call);

    /// A request with this transport's headers, asking for `accept`.
    http::HttpRequest json_request(boost::beast::http::verb method, std::string path,
                                   std::string body = {},
                                   std::string_view accept = "application/json") const;

    /// Throws the typed error for `response` (any status, including an error body in a 200).
    [[noreturn]] void throw_for(http::HttpResponse const& response) const;

    /// Throws the typed error for `response` if it is no JSON answer or an error inside a 200:
    /// an HTML page (a captive portal, a proxy's
    /// login) is errc::unexpected_content_type, and a JSON object with an "error" member but
    /// without `expected_member` is the server's error reported inside a 200 (LM Studio answers
    /// unknown routes that way), thrown as its typed error.
    void check_json_answer(http::HttpResponse const& response, std::string_view expected_member) const;

    /// Throws the typed error for an error object the server put inside a 200 body or stream.
    [[noreturn]] void throw_in_band(std::string_view error_json) const;

    /// Throws `code` with `info` as this transport's errors are: naming the provider (unless
    /// `info` names one), secrets redacted, `on_model_not_found` called for errc::model_not_found.
    [[noreturn]] void raise(errc code, ErrorInfo info) const;

    /// The values of the secret headers (and their credentials without the "Bearer " scheme),
    /// redacted from every error this transport raises.
    std::vector<std::string> const& secrets() const noexcept { return secrets_; }

    /// Runs `decode` (a provider's reading of a server's answer) and returns what it returns;
    /// what it throws names this provider, with the secrets redacted (a parse error may quote
    /// the body): `transport.decoded([&] { return parse_models(response.body); })`.
    template <class Decode>
    auto decoded(Decode&& decode) const -> decltype(decode())
    {
        try {
            return decode();
        } catch (...) {
            rethrow_sanitised();
        }
    }

    /// Inside a catch block: rethrows the current exception naming this provider and with the
    /// secrets redacted (`rethrow_sanitised`). Providers call it where server text enters an
    /// error without passing through `send`, `open`, `throw_for` or `throw_in_band`.
    [[noreturn]] void rethrow_sanitised() const;

private:
    using Clock = std::chrono::steady_clock;

    /// The call's timeouts applied to `request`, and its total deadline fixed (from now).
    http::HttpRequest with_call_deadline(http::HttpRequest request, CallOptions const& call) const;

    /// What a 2xx answer must be; unchecked by default.
    struct Check {
        std::string_view success_member; ///< JsonCall::success_member
        bool stream = false;             ///< check the stream's type (StreamCall)
        std::string_view content_type;
        std::string_view what;
    };

    /// Sends `request` until an attempt succeeds or the policy stops (a retry wait that would
    /// cross the call's deadline is not made), then checks the answer. `Answer` is
    /// http::HttpResponse (the body read whole, within each attempt) or http::HttpStream.
    /// `call` by value: the coroutine starts suspended, and the public calls forward to it
    /// from plain functions whose caller may pass a temporary.
    template <class Answer>
    boost::asio::awaitable<Answer> exchange(http::HttpRequest request, CallOptions call, Check check);

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

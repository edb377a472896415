#ifndef LLMIO_GATEWAY_EXCHANGE_HPP
#define LLMIO_GATEWAY_EXCHANGE_HPP

// One request and its response, as a handler sees them. The handler answers exactly once:
// either `reply` or `begin_stream` / `write`... / `finish`.
//
// Disconnects: when the client goes away while the handler runs, the handler's coroutine is
// cancelled (terminal), so whatever it awaits upstream (a provider call, a stream's next chunk)
// is cancelled at once; `client_gone()` then says why.
// Backpressure: each `write` returns once the client's socket took the bytes, so a client that
// reads slowly slows the producer instead of growing a buffer; one that stops reading for the
// idle timeout is disconnected.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include <llmio/usage.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmio::gateway {

class Services;

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Status = boost::beast::http::status;
using Header = std::pair<std::string_view, std::string_view>;

/// Where an exchange's bytes go: the connection.
class ResponseSink {
public:
    virtual ~ResponseSink() = default;
    /// Writes all of `bytes` (waits while the client does not read). Throws on a broken connection.
    virtual boost::asio::awaitable<void> write(std::string_view bytes) = 0;
    /// Whether the connection is closed after this response (the client asked, or the gateway
    /// is stopping).
    virtual bool closing() const noexcept = 0;
};

class Exchange {
public:
    Exchange(Request const& request, Services& services, ResponseSink& sink, std::string& out) noexcept;

    Request const& request() const noexcept { return request_; }
    boost::beast::http::verb method() const noexcept { return request_.method(); }
    std::string_view target() const noexcept;
    /// The target without its query string.
    std::string_view path() const noexcept;
    /// The first header of this name (case-insensitive), "" when absent.
    std::string_view header(std::string_view name) const noexcept;
    std::string_view body() const noexcept;
    Services& services() const noexcept { return services_; }

    /// The client key that authenticated the request (filled by the access middleware); empty
    /// when the gateway asks for no key.
    std::string key_id;
    /// Set by the rate-limit middleware: charges the model tokens this request used to its key.
    std::function<void(std::uint64_t tokens)> on_tokens;
    /// Handlers call this once the answer's usage is known (nothing without a limit).
    void used_tokens(Usage const& usage) const
    {
        if (on_tokens && usage.total_tokens > 0)
            on_tokens(static_cast<std::uint64_t>(usage.total_tokens));
    }

    /// A header every response of this exchange carries (CORS, rate-limit headers...), added
    /// before the response starts.
    void add_response_header(std::string name, std::string value);

    /// A complete response with a Content-Length.
    boost::asio::awaitable<void> reply(Status status, std::string_view content_type, std::string_view body,
                                       std::span<Header const> headers = {});
    /// Starts a chunked response, with `first` as its first piece in the same write; then
    /// `write` each piece and `finish`.
    boost::asio::awaitable<void> begin_stream(std::string_view content_type, std::string_view first = {});
    /// One chunk (nothing for empty text).
    boost::asio::awaitable<void> write(std::string_view text);
    /// `last` as the last piece, and the end of the response, in one write.
    boost::asio::awaitable<void> finish(std::string_view last = {});

    /// Whether the response has started (no second one may begin).
    bool started() const noexcept { return started_; }
    bool streaming() const noexcept { return streaming_; }
    bool finished() const noexcept { return finished_; }

    /// Set by the connection when the client went away during the exchange.
    bool client_gone() const noexcept { return client_gone_; }
    void mark_client_gone() noexcept { client_gone_ = true; }

private:
    void append_head(Status status, std::string_view content_type, std::span<Header const> headers);
    void append_chunk(std::string_view text);

    Request const& request_;
    Services& services_;
    ResponseSink& sink_;
    std::string& out_; // the connection's reusable write buffer
    std::vector<std::pair<std::string, std::string>> response_headers_;
    bool started_ = false;
    bool streaming_ = false;
    bool finished_ = false;
    bool client_gone_ = false;
};

} // namespace llmio::gateway

#endif

#ifndef LLMIO_HTTP_HTTP_CLIENT_HPP
#define LLMIO_HTTP_HTTP_CLIENT_HPP

// The HTTP/1.1 transport of llmio: Beast coroutines over a keep-alive pool per origin, with
// TLS, stage timeouts, caller cancellation and a concurrency limit. It knows nothing about JSON
// or any provider's wire format.

#include <llmio/http/endpoint.hpp>
#include <llmio/http/http_options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::http {

namespace detail {
struct ClientState;
struct StreamState;
} // namespace detail

struct Header {
    std::string name;
    std::string value;
    /// Secret values (Authorization, API keys) are never logged.
    bool secret = false;
};

struct HttpRequest {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    /// Path and query, starting with '/'. The endpoint's base path is prepended.
    std::string path;
    std::string body;
    std::string content_type = "application/json";
    std::vector<Header> headers;
    /// Overrides the client's timeouts for this request only.
    std::optional<Timeouts> timeouts;
    /// An absolute deadline for the whole request, body or stream included; the earlier of it
    /// and `Timeouts::total` after the start applies (errc::total_timeout). A caller that makes
    /// several attempts (retries) fixes it once, so that it covers all of them. max(): none.
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

/// A complete response with its body.
struct HttpResponse {
    unsigned status = 0;
    boost::beast::http::fields headers;
    std::string body;

    /// The value of a header, or "" when absent.
    std::string_view header(std::string_view name) const;
};

/// How the connection of a response was had, for metrics.
struct ConnectionTiming {
    /// Time spent waiting for a slot of the concurrency limit; unset when one was free at once.
    std::optional<std::chrono::steady_clock::duration> queue_wait;
    /// Time to open the connection (resolve, connect, TLS); unset for a pooled connection.
    std::optional<std::chrono::steady_clock::duration> connect;
    bool reused = false;
};

/// A response whose headers have arrived and whose body is read slice by slice.
///
/// It owns its connection. Reading the body to its end returns the connection to the pool (when
/// the server allows keep-alive); closing or destroying the stream before that closes the
/// connection, so the server sees the disconnect (and LM Studio, Ollama and llama.cpp stop
/// generating). One stream is used by one coroutine at a time (its client may be used by many).
class HttpStream {
public:
    HttpStream(HttpStream&&) noexcept;
    HttpStream& operator=(HttpStream&&) noexcept;
    ~HttpStream();

    unsigned status() const noexcept;
    boost::beast::http::fields const& headers() const noexcept;
    std::string_view header(std::string_view name) const;

    /// The next slice of the body, as it arrived (chunked framing removed), or nullopt at the end.
    /// The view is valid until the next call. Never returns an empty slice.
    ///
    /// Throws TimeoutError (idle_timeout, total_timeout), CancelledError (the awaiting coroutine
    /// was cancelled: the connection is closed), MalformedResponseError (stream_truncated when
    /// the server closes before the end of the body; malformed_response on bad chunked framing),
    /// NetworkError. After a throw the stream is closed.
    boost::asio::awaitable<std::optional<std::string_view>> read_some();

    /// Reads the rest of the body, at most `max_bytes` (else body_too_large). For error bodies
    /// and non-streamed responses.
    boost::asio::awaitable<std::string> read_all(std::size_t max_bytes);

    /// Moves the idle deadline of the body reads: from now on each `read_some` waits until
    /// `deadline` (then throws TimeoutError, errc::idle_timeout) instead of `Timeouts::idle`
    /// after its start. For a reader that judges progress from the content itself, e.g. a
    /// model that is visibly loading: it pushes the deadline when the content shows progress
    /// and leaves it when it does not. The total timeout still applies. `deadline` may be
    /// earlier than the default one.
    void set_idle_deadline(std::chrono::steady_clock::time_point deadline) noexcept;
    /// Back to the default: each read waits `Timeouts::idle`.
    void reset_idle_deadline() noexcept;

    /// For a reader that has all it needs (e.g. after `data: [DONE]`): reads what is left of the
    /// body, at most 4 reads, 64 KiB and one second, so the connection can go back to the pool,
    /// and closes the connection when more is left than that, when the total deadline has
    /// passed or when the server fails meanwhile: the answer is complete either way. Throws
    /// only CancelledError.
    boost::asio::awaitable<void> discard_rest();

    /// True once the whole body was read.
    bool done() const noexcept;

    /// How the connection was had (queue wait, connect time, reused).
    ConnectionTiming const& timing() const noexcept;

    /// Closes the connection now; it is never returned to the pool.
    void close() noexcept;

private:
    friend class HttpClient;
    explicit HttpStream(std::unique_ptr<detail::StreamState> state);
    std::unique_ptr<detail::StreamState> state_;
};

/// A pooled HTTP/1.1 client. Cheap to share: copies share one pool and one concurrency limit.
/// May be used from any number of threads and coroutines at once, on any executor (a
/// multi-threaded io_context needs no strand); one HttpStream is used by one coroutine at a
/// time. The logger in the options may be called from several threads at once. The client
/// (or a copy of it) must outlive the operations started on it; streams it returned keep the
/// pool alive themselves.
class HttpClient {
public:
    HttpClient(boost::asio::any_io_executor executor, HttpOptions options = {});

    HttpOptions const& options() const noexcept;
    boost::asio::any_io_executor get_executor() const noexcept;

    /// Sends `request` to `endpoint` and reads the whole response, whatever its status.
    ///
    /// A reused keep-alive connection that fails before any response byte arrives is replaced by
    /// a fresh one once (the server had closed it while it sat idle).
    /// Throws NetworkError, TimeoutError (connect/first_byte/idle/total/queue), CancelledError,
    /// MalformedResponseError (body_too_large, stream_truncated).
    /// Cancellation: through the awaiting coroutine's cancellation slot, at every wait; the
    /// connection in use is then closed, never pooled.
    boost::asio::awaitable<HttpResponse> send(Endpoint endpoint, HttpRequest request);

    /// Sends `request` and returns once the response headers arrived; the body is read through
    /// the returned stream. Same errors and retry-once rule as `send`. The stream holds one slot
    /// of the concurrency limit until it is done, closed or destroyed.
    boost::asio::awaitable<HttpStream> open(Endpoint endpoint, HttpRequest request);

    /// `send` without copying `endpoint` and `request`: both must stay valid until the returned
    /// awaitable completes (a transport that owns them, awaiting at once).
    boost::asio::awaitable<HttpResponse> send_ref(Endpoint const& endpoint, HttpRequest const& request);

    /// `open` without copying `endpoint` and `request` (as `send_ref`). One coroutine frame from
    /// here to the socket's first operation.
    boost::asio::awaitable<HttpStream> open_ref(Endpoint const& endpoint, HttpRequest const& request);

    /// Closes every idle pooled connection.
    void close_idle() noexcept;

    /// Counters, for tests and diagnostics.
    std::size_t idle_connections() const noexcept;
    std::size_t connections_opened() const noexcept;

private:
    static boost::asio::awaitable<HttpStream> open_impl(std::shared_ptr<detail::ClientState> client,
                                                        Endpoint const& endpoint,
                                                        HttpRequest const& request);
    std::shared_ptr<detail::ClientState> state_;
};

} // namespace llmio::http

#endif

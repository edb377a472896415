#ifndef LLMIO_TESTING_EMULATORS_RESPONSE_WRITER_HPP
#define LLMIO_TESTING_EMULATORS_RESPONSE_WRITER_HPP

// How a dialect answers one request: a plain body, or a stream of events (SSE or NDJSON) with
// one HTTP chunk per event. The writer applies the request's fault (byte budget, oversized
// body, close-delimited framing, chunk delays, stalls, drops, malformed and error events,
// missing terminator), so dialects write the well-formed answer and never see faults except
// tool-call quirks.

#include <llmio/testing/emulators/connection.hpp>
#include <llmio/testing/emulators/faults.hpp>
#include <llmio/testing/emulators/request.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace llmio::emulators {

enum class StreamFormat {
    sse,    ///< Each event is `data: <payload>\n\n`.
    ndjson, ///< Each event is `<payload>\n`.
};

/// Placeholders a dialect may put in its base header list to fix where Content-Type and the
/// framing header (Content-Length or Transfer-Encoding) appear; without them they are
/// appended after the base headers.
inline constexpr std::string_view kContentTypeSlot = "@content-type";
inline constexpr std::string_view kFramingSlot = "@framing";

class ResponseWriter {
public:
    ResponseWriter(detail::Connection& connection, Request const& request, Headers base_headers);

    ResponseWriter(ResponseWriter const&) = delete;
    ResponseWriter& operator=(ResponseWriter const&) = delete;

    /// A complete response with Content-Length (HEAD: headers only). Once per request.
    boost::asio::awaitable<void> send(int status, std::string_view body,
                                      std::string_view content_type = "application/json",
                                      Headers const& extra = {});

    /// Starts a chunked stream (close-delimited for HTTP/1.0 clients or when the fault asks).
    /// False when the connection is already gone.
    boost::asio::awaitable<bool> begin_stream(int status, StreamFormat format,
                                              std::string_view content_type,
                                              Headers const& extra = {});
    /// Writes one event (framed per the format) as one chunk. False once the stream is over
    /// (client gone, or a fault cut it): the dialect should stop producing events.
    boost::asio::awaitable<bool> event(std::string_view payload);
    /// Writes already-framed bytes as one chunk, not counted as an event (e.g. `: ping\n\n`).
    boost::asio::awaitable<bool> raw(std::string_view bytes);
    /// Writes the terminator event (SSE: `data: <terminator>`, e.g. "[DONE]"; NDJSON: the last
    /// line; empty: none) unless the fault omits it, then ends the body.
    boost::asio::awaitable<void> finish(std::string_view terminator);

    /// Delay before every event (simulated token rate); the fault's chunk_delay adds to it.
    void set_event_delay(std::chrono::milliseconds d) noexcept { event_delay_ = d; }

    /// Closes the connection now, wherever the response is.
    void drop() noexcept;

    bool started() const noexcept { return started_; }
    bool finished() const noexcept { return finished_; }
    /// The connection can serve another request after this response.
    bool keep_alive() const noexcept;
    std::size_t events_written() const noexcept { return events_; }
    Fault const* fault() const noexcept { return request_.fault; }
    Request const& request() const noexcept { return request_; }

private:
    enum class Framing { content_length, chunked, close_delimited };

    std::string render_head(int status, std::string_view content_type, Framing framing,
                            std::size_t content_length, Headers const& extra) const;
    bool closes_after() const noexcept;
    boost::asio::awaitable<bool> write_head(std::string const& head);
    /// "<hex size>\r\n" in a member buffer (valid until the next call).
    boost::asio::const_buffer chunk_header(std::size_t size);
    /// Writes body bytes (a + b + c) as one chunk when chunked, applying the fault's byte
    /// budget. (Separate views, not a braced list: GCC 12 mis-compiles braced lists in
    /// co_await arguments.)
    boost::asio::awaitable<bool> write_body(std::string_view a, std::string_view b = {},
                                            std::string_view c = {});
    boost::asio::awaitable<bool> write_padding(std::size_t n, bool as_event);
    /// Runs the faults that trigger after `events_` events; false when the stream is over.
    boost::asio::awaitable<bool> before_event();
    boost::asio::awaitable<void> end_body();

    detail::Connection& conn_;
    Request const& request_;
    Headers base_;
    std::chrono::milliseconds event_delay_{0};
    std::size_t raw_writes_ = 0; // raw() calls so far, for Fault::repeat_event_forever
    StreamFormat format_ = StreamFormat::sse;
    Framing framing_ = Framing::content_length;
    std::optional<std::size_t> budget_; // body bytes left before a fault drop
    std::size_t events_ = 0;
    bool head_only_ = false;
    bool started_ = false;
    bool finished_ = false;
    bool stream_over_ = false;
    bool dropped_ = false;
    bool oversized_sent_ = false;
    std::array<char, 24> chunk_header_{};
};

} // namespace llmio::emulators

#endif // LLMIO_TESTING_EMULATORS_RESPONSE_WRITER_HPP

#ifndef LLMIO_HTTP_SSE_PARSER_HPP
#define LLMIO_HTTP_SSE_PARSER_HPP

// Sans-io parser for `text/event-stream` bodies (WHATWG HTML §9.2.5-9.2.6).
//
// Bytes go in as they arrive from the socket, split anywhere (mid-line, between CR and LF,
// inside a UTF-8 sequence); events come out one at a time when the reader pulls them (`push`,
// then `next` until need_more), or through callbacks (`feed`). The parser does no I/O and does
// not allocate per byte or per event in steady state: lines that sit whole inside the fed bytes
// are parsed in place, and a single `data:` line is handed out as a view into the fed bytes.
//
// Deliberate choices:
// - Bytes pass through untouched. WHATWG decodes UTF-8 replacing invalid sequences with U+FFFD;
//   we leave judging the bytes to the JSON parser that reads `data`, which reports them with
//   the offending text instead of silently altering it.
// - Lines are bounded (`SseLimits::max_line`) and so is one event's data
//   (`SseLimits::max_event_data`); exceeding either is `errc::body_too_large`.
// - At end of input a pending event with data is dispatched (lenient mode; docs/protocols.md,
//   Server-sent events: end of input);
//   `finished_without_blank_line()` tells the caller that this happened.
// - Lines that name an unknown field, or that are not fields at all (llama.cpp's
//   `error: {...}`, a bare `{"error":...}` line), are reported through `on_other`, not dropped.

#include <llmio/detail/callback_continues.hpp>
#include <llmio/detail/leading_bom.hpp>
#include <llmio/error.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace llmio::http {

/// One dispatched event. The views are valid only during the callback.
struct SseEvent {
    std::string_view type; ///< "message" when no `event:` field was given.
    std::string_view data; ///< `data:` lines joined with '\n' (no trailing '\n').
    std::string_view id;   ///< The last-event-id buffer at dispatch time.
};

/// A line that is not a comment and names a field other than event/data/id/retry, e.g.
/// llama.cpp's `error: {"code":500,...}` or a bare `{"error":...}` line without `data:`
/// (docs/protocols.md, Server-sent events: lines that are not fields). Providers decide whether
/// it is an error. Views are valid only during the callback.
struct SseOtherLine {
    std::string_view field; ///< Text before the first ':' (whole line when there is no colon).
    std::string_view value; ///< After the colon minus one leading space ("" when no colon).
    /// The whole line as received (without its terminator). For a bare JSON line this is the
    /// JSON text, which `field` + ':' + `value` may not reproduce exactly (one space dropped).
    std::string_view line;
};

struct SseLimits {
    std::size_t max_line = 1 << 20;        ///< One line, bytes (without its terminator).
    std::size_t max_event_data = 16 << 20; ///< One event's joined data, bytes.
};

class SseParser {
public:
    explicit SseParser(SseLimits limits = {});

    /// What `next` found.
    enum class Item { need_more, event, other_line, failed };

    /// The next bytes of the stream (any split). `bytes` must stay valid until `next` returns
    /// need_more; the bytes of the previous push must be used up by then.
    void push(std::string_view bytes) noexcept;
    /// End of input: the following `next` calls process a pending line without terminator,
    /// then dispatch a pending event that has data (see `finished_without_blank_line()`).
    /// Pushing after it continues the same stream.
    void push_end() noexcept;
    /// The next item from the pushed bytes: an event (`event()`), another line (`other_line()`),
    /// need_more once the bytes are used up, or failed (`error()` is errc::body_too_large when
    /// a line or an event exceeds its limit; every later call fails the same way). The views of
    /// `event()` and `other_line()` are valid until the next call of `next` or `push`.
    Item next();
    SseEvent const& event() const noexcept { return event_; }
    SseOtherLine const& other_line() const noexcept { return other_; }
    boost::system::error_code error() const noexcept { return failure_; }

    /// Feeds the next bytes (any split: mid-line, mid-CRLF, mid-UTF-8). Calls
    /// `on_event(SseEvent const&)` for each dispatched event and
    /// `on_other(SseOtherLine const&)` for each other line, in stream order.
    ///
    /// Returns `errc::body_too_large` when a line or an event exceeds its limit; the parser is
    /// then failed and further feeds and `finish()` return the same error. A callback may
    /// return void, or bool where false means "stop now": the rest of this feed is not
    /// processed, feed returns an empty error_code, `stopped()` becomes true, and further
    /// feeds and `finish()` do nothing until `reset()`.
    template <class OnEvent, class OnOther>
    boost::system::error_code feed(std::string_view bytes, OnEvent&& on_event, OnOther&& on_other);

    /// End of input: a pending line without terminator is processed, then a pending event that
    /// has data is dispatched (see `finished_without_blank_line()`). Calling it again is a
    /// no-op; feeding after it continues the same stream.
    template <class OnEvent, class OnOther>
    boost::system::error_code finish(OnEvent&& on_event, OnOther&& on_other);

    bool stopped() const noexcept { return stopped_; }

    /// Whether the last `finish()` dispatched an event that had no closing blank line.
    bool finished_without_blank_line() const noexcept { return finished_without_blank_line_; }

    /// The last valid `retry:` field (ASCII digits only, fits in 64 bits), in milliseconds.
    std::optional<std::uint64_t> retry_ms() const noexcept { return retry_ms_; }

    std::string_view last_event_id() const noexcept { return last_event_id_; }

    /// Back to the initial state (a BOM is expected again, limits kept).
    void reset();

private:
    enum class Step { need_more, event, other_line, failed, none };

    template <class OnEvent, class OnOther>
    boost::system::error_code drive(OnEvent& on_event, OnOther& on_other);

    void begin_feed(std::string_view bytes) noexcept;
    Step step();        // parses the current feed until an item is ready or the feed is used up
    Step step_at_end(); // the same for end of input
    void clear_dispatched() noexcept;
    Step process_line(std::string_view line, bool in_feed);
    Step append_data(std::string_view value, bool in_feed);
    Step dispatch() noexcept;
    Step fail() noexcept;

    SseLimits limits_;
    ::llmio::detail::LeadingBom bom_;

    // Current feed.
    std::string_view in_;           // bytes of the current feed not yet consumed
    char const* next_lf_ = nullptr; // cached next '\n' in the current feed (or its end)
    bool skip_lf_ = false;          // the previous line ended with CR: a leading LF belongs to it

    // Lines that span feeds.
    std::string carry_;    // partial line waiting for its terminator
    std::string line_buf_; // a completed carried line, kept alive while callbacks see it

    // Event being built.
    bool has_data_ = false;       // at least one data: line (even empty) since the last dispatch
    bool data_in_buffer_ = false; // data lives in data_, else in data_view_ (inside the feed)
    std::string_view data_view_;
    std::string data_;
    std::string event_type_;
    std::string last_event_id_;
    std::optional<std::uint64_t> retry_ms_;

    // Output of the last step.
    SseEvent event_;
    SseOtherLine other_;
    bool dispatched_ = false; // event buffers are cleared on the next step, after the callback

    int end_stage_ = 0;
    bool at_end_ = false; // push_end() was called after the last push()
    bool finished_without_blank_line_ = false;
    bool stopped_ = false;
    boost::system::error_code failure_;
};

template <class OnEvent, class OnOther>
boost::system::error_code SseParser::feed(std::string_view bytes, OnEvent&& on_event,
                                          OnOther&& on_other)
{
    if (failure_ || stopped_) {
        return failure_;
    }
    push(bytes);
    return drive(on_event, on_other);
}

template <class OnEvent, class OnOther>
boost::system::error_code SseParser::finish(OnEvent&& on_event, OnOther&& on_other)
{
    if (failure_ || stopped_) {
        return failure_;
    }
    push_end();
    return drive(on_event, on_other);
}

template <class OnEvent, class OnOther>
boost::system::error_code SseParser::drive(OnEvent& on_event, OnOther& on_other)
{
    // Bounded: every step consumes at least one line of the feed (or one finish stage) before
    // it returns an item, and need_more is returned once the feed is used up.
    for (;;) {
        switch (next()) {
        case Item::event:
            if (!::llmio::detail::callback_continues(on_event, std::as_const(event_))) {
                stopped_ = true;
                return {};
            }
            break;
        case Item::other_line:
            if (!::llmio::detail::callback_continues(on_other, std::as_const(other_))) {
                stopped_ = true;
                return {};
            }
            break;
        case Item::failed:
            return failure_;
        case Item::need_more:
            return {};
        }
    }
}

} // namespace llmio::http

#endif // LLMIO_HTTP_SSE_PARSER_HPP

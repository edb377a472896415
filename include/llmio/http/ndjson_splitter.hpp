#ifndef LLMIO_HTTP_NDJSON_SPLITTER_HPP
#define LLMIO_HTTP_NDJSON_SPLITTER_HPP

// Sans-io line splitter for `application/x-ndjson` bodies (Ollama's native streams).
//
// Bytes go in as they arrive, split anywhere; each complete non-blank line comes out when the
// reader pulls it (`push`, then `next` until need_more) or through a callback (`feed`), as a view into the fed bytes when the line sits whole inside them (no copy), or into
// an internal buffer when it spans feeds. No I/O, no allocation per byte or per line in steady
// state. Bytes pass through untouched (the JSON parser judges them).

#include <llmio/detail/callback_continues.hpp>
#include <llmio/detail/leading_bom.hpp>
#include <llmio/error.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace llmio::http {

class NdjsonSplitter {
public:
    /// `max_line` bounds one line's content (after removing its "\n" or "\r\n").
    explicit NdjsonSplitter(std::size_t max_line = 16 << 20);

    /// What `next` found.
    enum class Item { need_more, line, failed };

    /// The next bytes of the stream (any split). `bytes` must stay valid until `next` returns
    /// need_more; the bytes of the previous push must be used up by then.
    void push(std::string_view bytes) noexcept
    {
        at_end_ = false;
        in_ = bytes;
    }
    /// End of input: the next `next` delivers a last line that has no '\n'.
    void push_end() noexcept
    {
        at_end_ = true;
        in_ = {};
    }
    /// The next complete non-blank line (`line()`, same rules as `feed`, valid until the next
    /// call of `next` or `push`), need_more once the pushed bytes are used up, or failed
    /// (`error()` is errc::body_too_large; every later call fails the same way).
    Item next();
    std::string_view line() const noexcept { return line_; }
    boost::system::error_code error() const noexcept { return failure_; }

    /// Calls `on_line(std::string_view)` for each complete non-blank line: '\n' ends a line, a
    /// trailing '\r' is removed, a UTF-8 BOM at the start of the stream is removed, and lines
    /// of only spaces, tabs and CRs are skipped. The view is valid only during the callback.
    ///
    /// Returns `errc::body_too_large` when a line exceeds `max_line`; the splitter is then
    /// failed and further calls return the same error. A callback may return void, or bool
    /// where false means "stop now": the rest of this feed is not processed, feed returns an
    /// empty error_code, `stopped()` becomes true, and further calls do nothing until `reset()`.
    template <class OnLine>
    boost::system::error_code feed(std::string_view bytes, OnLine&& on_line);

    /// End of input: delivers a last line that has no '\n'. Calling it again is a no-op.
    template <class OnLine>
    boost::system::error_code finish(OnLine&& on_line);

    bool stopped() const noexcept { return stopped_; }

    /// Back to the initial state (a BOM is expected again, the limit kept).
    void reset();

private:
    using Step = Item;

    template <class OnLine>
    boost::system::error_code drive(OnLine& on_line);

    Step step();        // splits the current feed until a line is ready or the feed is used up
    Step step_at_end(); // the same for end of input
    Step take(std::string_view line) noexcept; // a complete line: deliver, skip or fail
    Step fail() noexcept;

    std::size_t max_line_;
    ::llmio::detail::LeadingBom bom_;
    std::string_view in_;  // bytes of the current feed not yet consumed
    std::string carry_;    // partial line waiting for its '\n'
    std::string line_buf_; // a completed carried line, kept alive while the callback sees it
    std::string_view line_;
    bool at_end_ = false; // push_end() was called after the last push()
    bool stopped_ = false;
    boost::system::error_code failure_;
};

template <class OnLine>
boost::system::error_code NdjsonSplitter::feed(std::string_view bytes, OnLine&& on_line)
{
    if (failure_ || stopped_) {
        return failure_;
    }
    push(bytes);
    return drive(on_line);
}

template <class OnLine>
boost::system::error_code NdjsonSplitter::finish(OnLine&& on_line)
{
    if (failure_ || stopped_) {
        return failure_;
    }
    push_end();
    return drive(on_line);
}

template <class OnLine>
boost::system::error_code NdjsonSplitter::drive(OnLine& on_line)
{
    // Bounded: every step consumes at least one line of the feed before it returns one, and
    // need_more is returned once the feed (or the pending line at end) is used up.
    for (;;) {
        switch (next()) {
        case Step::line:
            if (!::llmio::detail::callback_continues(on_line, std::as_const(line_))) {
                stopped_ = true;
                return {};
            }
            break;
        case Step::failed:
            return failure_;
        case Step::need_more:
            return {};
        }
    }
}

} // namespace llmio::http

#endif // LLMIO_HTTP_NDJSON_SPLITTER_HPP

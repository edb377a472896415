#include <llmio/framed_chat_source.hpp>

#include <llmio/error.hpp>

namespace llmio {

FramedChatSource::FramedChatSource(http::HttpStream stream, ProviderTransport const& transport,
                                   Framing framing)
    : stream_(std::move(stream))
    , transport_(transport)
    , framing_(framing)
    , answer_(transport.options().http.limits.max_answer_bytes)
{
}

boost::asio::awaitable<bool> FramedChatSource::next(ChatChunk& out)
{
    // Each pass reads one body slice; the stream's idle and total timeouts bound the waiting.
    for (;;) {
        if (next_ready_ < ready_.size()) {
            out = std::move(ready_[next_ready_++]);
            if (next_ready_ == ready_.size()) {
                ready_.clear();
                next_ready_ = 0;
            }
            saw_choice_ = saw_choice_ || !out.no_choice;
            if (!answer_.add(out)) {
                stream_.close(); // the server would go on; the connection cannot be reused
                answer_.throw_exceeded(transport_.provider());
            }
            co_return true;
        }
        if (error_) {
            stream_.close();
            std::rethrow_exception(error_);
        }
        if (done_) {
            co_await stream_.discard_rest();
            if (!saw_choice_) {
                ErrorInfo info;
                info.provider = transport_.provider();
                info.detail = std::string(framing_.no_choice);
                throw_error(errc::malformed_response, std::move(info));
            }
            co_return false;
        }
        auto const slice = co_await stream_.read_some();
        boost::system::error_code ec;
        if (slice) {
            ec = feed(*slice);
        } else {
            ec = finish();
            if (!ec && ready_.empty() && !error_ && !done_) {
                ErrorInfo info;
                info.provider = transport_.provider();
                info.detail = std::string(framing_.missing_terminator);
                throw_error(errc::stream_truncated, std::move(info));
            }
            // Chunks that arrived before a missing terminator are delivered first; the next
            // pass finds the body ended again and reports the truncation.
        }
        if (ec) {
            stream_.close();
            ErrorInfo info;
            info.provider = transport_.provider();
            info.cause = ec;
            info.detail = std::string(framing_.line_kind) + " exceeds the limit of " +
                          std::to_string(transport_.options().http.limits.max_line_bytes) + " bytes";
            throw_error(errc::body_too_large, std::move(info));
        }
    }
}

} // namespace llmio

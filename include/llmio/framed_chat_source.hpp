#ifndef LLMIO_FRAMED_CHAT_SOURCE_HPP
#define LLMIO_FRAMED_CHAT_SOURCE_HPP

// The loop every line-framed chat stream shares (SSE, NDJSON): read a body slice, hand it to the
// framing, deliver the chunks it produced in wire order, then the end of the answer or the first
// error. A subclass only turns lines into chunks.

#include <llmio/answer_limit.hpp>
#include <llmio/chat_stream.hpp>
#include <llmio/http/http_client.hpp>
#include <llmio/provider_transport.hpp>

#include <boost/system/error_code.hpp>

#include <exception>
#include <string_view>
#include <vector>

namespace llmio {

class FramedChatSource : public ChatStream::Source {
public:
    /// Delivers a buffered chunk without suspending; reads the body only when none is left.
    /// Throws the first error the framing recorded, errc::stream_truncated when the body ends
    /// before the terminator (after every chunk that did arrive), errc::body_too_large when
    /// the framing reports a line over the limit or the answer grows beyond
    /// `Limits::max_answer_bytes` (the connection is closed), and errc::malformed_response when
    /// the terminator arrives although no chunk carried a choice (an answer the non-streamed
    /// endpoint would reject as malformed too).
    boost::asio::awaitable<bool> next(ChatChunk& out) final;
    void close() noexcept final { stream_.close(); }

protected:
    /// How the framing is named in errors: `line_kind` ("an event-stream line") for a line over
    /// the limit, `missing_terminator` for a truncated stream ("the event stream ended without
    /// data: [DONE]"), `no_choice` for a stream whose chunks never carried a choice.
    struct Framing {
        std::string_view line_kind;
        std::string_view missing_terminator;
        std::string_view no_choice;
    };

    /// `transport` names the provider and bounds the lines; it must outlive the source.
    FramedChatSource(http::HttpStream stream, ProviderTransport const& transport, Framing framing);

    /// Splits `slice` into lines and calls `deliver`, `end_of_answer` or
    /// `fail_with_current_exception` for them, stopping after either of the last two. Returns
    /// the framing's own error (a line over the limit).
    virtual boost::system::error_code feed(std::string_view slice) = 0;
    /// The body ended: a last line without its newline is handled, like `feed`.
    virtual boost::system::error_code finish() = 0;

    /// Queues a chunk for the reader.
    void deliver(ChatChunk&& chunk) { ready_.push_back(std::move(chunk)); }
    /// The terminator arrived: the rest of the body is discarded, nothing after it counts.
    void end_of_answer() noexcept { done_ = true; }
    /// An error inside the stream (in-band error, malformed chunk): the chunks queued before it
    /// are delivered first, then this is thrown. Call from a catch block.
    void fail_with_current_exception() noexcept { error_ = std::current_exception(); }

    ProviderTransport const& transport() const noexcept { return transport_; }

private:
    http::HttpStream stream_;
    ProviderTransport const& transport_;
    Framing framing_;
    // Chunks parsed from the last slice; `next_ready_` is the next to deliver. The vector keeps
    // its capacity, so the per-token path allocates nothing for the queue.
    std::vector<ChatChunk> ready_;
    std::size_t next_ready_ = 0;
    std::exception_ptr error_;
    AnswerLimit answer_;
    bool done_ = false;
    bool saw_choice_ = false; // a chunk with a choice (OpenAI `choices[i]`, Ollama `message`)
};

} // namespace llmio

#endif

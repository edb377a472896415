#ifndef LLMIO_COMPLETION_STREAM_HPP
#define LLMIO_COMPLETION_STREAM_HPP

// A streamed legacy text completion (`/v1/completions`, Ollama's `/api/generate`): ChatStream's
// design for CompletionChunks. Providers fill it from the same framed-stream loop
// (FramedSource in framed_chat_source.hpp).

#include <llmio/completion.hpp>

#include <llmio/metrics.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace llmio {

/// A streamed completion. It owns its connection: reading to the end returns the connection to
/// the pool; destroying or closing the stream earlier, or cancelling `next()`, closes it, so
/// the server stops generating.
///
/// Not thread-safe: one `next()` at a time (a second concurrent call fails with
/// errc::operation_in_progress).
class CompletionStream {
public:
    using Chunk = CompletionChunk;

    /// What a provider implements; the same contract as ChatStream::Source.
    class Source {
    public:
        enum class Ready {
            chunk,   ///< `out` holds the next raw chunk
            end,     ///< the terminator was read; `next` would return false
            pending, ///< nothing decodable is buffered: call `next`
        };

        Source() = default;
        Source(Source const&) = delete;
        Source& operator=(Source const&) = delete;
        virtual ~Source() = default;

        /// The next raw chunk if it can be had without I/O, else pending. Throws like `next`.
        virtual Ready try_next(CompletionChunk& out)
        {
            (void)out;
            return Ready::pending;
        }
        /// Assigns the next raw chunk, in wire order, to `out` and returns true; returns false
        /// after the terminator. Throws typed errors naming the provider (a stream ending
        /// without its terminator is errc::stream_truncated).
        virtual boost::asio::awaitable<bool> next(CompletionChunk& out) = 0;
        virtual void close() noexcept = 0;

    protected:
        /// The request's meter when it is measured (body bytes are added to it), else nullptr.
        RequestMeter* meter() const noexcept { return meter_.get(); }

    private:
        friend class CompletionStream;
        std::unique_ptr<RequestMeter> meter_; // finished at the end, error or close
        struct Choice {
            bool finished = false;
            std::optional<Usage> usage; // trusted usage reported on this choice's chunks
        };
        CompletionChunk chunk_;       // filled by the source; reused for every token
        CompletionResponse response_; // assembled as chunks arrive
        std::vector<Choice> choices_; // parallel to response_.choices
        bool trailer_ = false;        // usage came from a chunk without a choice: the total
        bool done_ = false;
        bool busy_ = false;
    };

    explicit CompletionStream(std::unique_ptr<Source> source) noexcept;
    CompletionStream(CompletionStream&&) noexcept = default;
    CompletionStream& operator=(CompletionStream&&) noexcept;
    ~CompletionStream();

    /// The next chunk with something in it, or nullopt once the completion is complete. Every
    /// choice's chunks are delivered (`index` says which prompt / which of `n`); chunks
    /// carrying nothing are skipped. Per choice exactly one chunk carries the finish reason.
    /// Usage is kept on a chunk only when it is trusted, as in ChatAssembler: from a chunk
    /// without a choice (the `include_usage` trailer), or on or after a choice's finish chunk
    /// (llama.cpp, Ollama); usage on earlier chunks (Ollama's `/v1` zeroes) is dropped.
    ///
    /// Throws the provider's typed errors, as ChatStream::next does: MalformedResponseError
    /// (errc::stream_truncated when the server stops before its terminator), errors the server
    /// reports inside the stream, TimeoutError, CancelledError when the awaiting coroutine is
    /// cancelled. After a throw the stream is closed.
    boost::asio::awaitable<std::optional<CompletionChunk>> next();

    /// What `try_next` found.
    enum class Poll {
        chunk,   ///< `out` holds the next chunk, as `next()` would have returned it
        end,     ///< the completion is complete: `next()` returns nullopt
        pending, ///< the next chunk needs the network: call `next()`
    };
    /// The next chunk if it is already buffered, without suspending (ChatStream::try_next).
    Poll try_next(CompletionChunk& out);

    /// The completion assembled from every chunk delivered so far (choices sorted by index,
    /// `raw` empty); complete once `done()`. Empty for a moved-from stream.
    CompletionResponse const& result() const;

    bool done() const noexcept;

    /// Closes the connection now. A measured stream closed before its end is recorded as
    /// cancelled.
    void close() noexcept;

    /// Measures this stream until its end with `meter` (ModelProvider's public call, or a
    /// decorator, attaches it): time to first token, tokens, usage and server figures, outcome.
    void attach_meter(std::unique_ptr<RequestMeter> meter) noexcept;

private:
    enum class Step { deliver, skip, end };
    Step take(bool more);
    void fail() noexcept;

    std::unique_ptr<Source> source_;
};

} // namespace llmio

#endif

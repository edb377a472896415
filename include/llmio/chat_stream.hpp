#ifndef LLMIO_CHAT_STREAM_HPP
#define LLMIO_CHAT_STREAM_HPP

#include <llmio/chat.hpp>
#include <llmio/chat_assembler.hpp>

#include <llmio/metrics.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>

namespace llmio {

/// A streamed chat answer. It owns its connection: reading to the end returns the connection to
/// the pool; destroying or closing the stream earlier, or cancelling `next()`, closes it, so
/// the server stops generating.
///
/// Not thread-safe: one `next()` at a time (a second concurrent call fails with
/// errc::operation_in_progress).
class ChatStream {
public:
    using Chunk = ChatChunk;

    /// What a provider implements (`FramedChatSource` does it for SSE and NDJSON bodies).
    class Source {
    public:
        /// What `try_next` found.
        enum class Ready {
            chunk,   ///< `out` holds the next raw chunk
            end,     ///< the terminator was read; `next` would return false
            pending, ///< nothing decodable is buffered: call `next`
        };

        Source() = default;
        Source(Source const&) = delete;
        Source& operator=(Source const&) = delete;
        virtual ~Source() = default;

        /// The next raw chunk if it can be had without I/O (already buffered bytes), else
        /// pending. Throws like `next`. ChatStream calls it before every `next`, so a token
        /// that arrived in the same read as the previous one costs no coroutine suspension.
        virtual Ready try_next(ChatChunk& out)
        {
            (void)out;
            return Ready::pending;
        }
        /// Assigns the next raw chunk, in wire order, to `out` and returns true; returns false
        /// after the terminator. Throws typed errors naming the provider (a stream ending
        /// without its terminator is errc::stream_truncated). Keep the coroutine's locals small
        /// (no ChatChunk by value) so that its frame is recycled instead of allocated.
        virtual boost::asio::awaitable<bool> next(ChatChunk& out) = 0;
        virtual void close() noexcept = 0;

    protected:
        /// The request's meter when it is measured (body bytes are added to it), else nullptr.
        RequestMeter* meter() const noexcept { return meter_.get(); }
        /// The chunks are replayed from a response cache: `result().cached` is true.
        void set_cached() noexcept { cached_ = true; }

    private:
        friend class ChatStream;
        std::unique_ptr<RequestMeter> meter_; // finished at the end, error or close
        // ChatStream's own per-stream state lives with the source, which is allocated once
        // anyway: a ChatStream stays one pointer however many frames it is returned through.
        ChatChunk chunk_; // filled by the source; reused for every token
        ChatAssembler assembler_;
        mutable std::unique_ptr<ChatResponse> result_; // result() cache, until the next chunk
        bool done_ = false;
        bool busy_ = false;
        bool cached_ = false;
    };

    explicit ChatStream(std::unique_ptr<Source> source) noexcept;
    ChatStream(ChatStream&&) noexcept = default;
    ChatStream& operator=(ChatStream&&) noexcept;
    ~ChatStream();

    /// The next chunk with something in it, normalised (tool-call indexes and ids final), or
    /// nullopt once the answer is complete. Chunks carrying nothing (a bare role) are skipped;
    /// exactly one chunk carries the finish reason and none follows the end.
    ///
    /// Throws the provider's typed errors: MalformedResponseError (errc::stream_truncated when
    /// the server stops before its terminator), errors the server reports inside the stream,
    /// TimeoutError (idle/total), CancelledError when the awaiting coroutine is cancelled (the
    /// stream is then closed: cancellation is terminal). After a throw the stream is closed.
    boost::asio::awaitable<std::optional<ChatChunk>> next();

    /// What `try_next` found.
    enum class Poll {
        chunk,   ///< `out` holds the next chunk, as `next()` would have returned it
        end,     ///< the answer is complete: `next()` returns nullopt
        pending, ///< the next chunk needs the network: call `next()`
    };
    /// The next chunk if it is already buffered (it came in the same read as the last one),
    /// without suspending. A relay writes everything one upstream read brought in one write.
    /// Throws and closes like `next()`.
    Poll try_next(ChatChunk& out);

    /// The answer assembled from every chunk delivered so far; complete once `done()`.
    /// Computed on demand (cached until the next chunk), so streaming stays linear in length.
    /// Empty for a moved-from stream.
    ChatResponse const& result() const;

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

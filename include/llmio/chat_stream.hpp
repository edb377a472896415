#ifndef LLMIO_CHAT_STREAM_HPP
#define LLMIO_CHAT_STREAM_HPP

#include <llmio/chat.hpp>
#include <llmio/chat_assembler.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace llmio {

/// A streamed chat answer. It owns its connection: reading to the end returns the connection to
/// the pool; destroying or closing the stream earlier, or cancelling `next()`, closes it, so
/// the server stops generating.
///
/// Not thread-safe: one `next()` at a time (a second concurrent call fails with
/// errc::operation_in_progress).
class ChatStream {
public:
    /// What a provider implements (`FramedChatSource` does it for SSE and NDJSON bodies).
    class Source {
    public:
        virtual ~Source() = default;
        /// Assigns the next raw chunk, in wire order, to `out` and returns true; returns false
        /// after the terminator. Throws typed errors (a stream ending without its terminator
        /// is errc::stream_truncated). Called once per token: complete without suspending when
        /// a chunk is already buffered, and keep the coroutine's locals small (no ChatChunk by
        /// value) so that its frame is recycled instead of allocated.
        virtual boost::asio::awaitable<bool> next(ChatChunk& out) = 0;
        virtual void close() noexcept = 0;
    };

    /// `provider` names the provider in errors the source raises without a name.
    explicit ChatStream(std::unique_ptr<Source> source, std::string provider = {});
    ChatStream(ChatStream&&) noexcept;
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

    /// The answer assembled from every chunk delivered so far; complete once `done()`.
    /// Computed on demand (cached until the next chunk), so streaming stays linear in length.
    /// Empty for a moved-from stream.
    ChatResponse const& result() const;

    bool done() const noexcept;

    /// Closes the connection now.
    void close() noexcept;

private:
    // Behind a pointer: a ChatStream is returned through several coroutine layers, and each
    // frame holds it by value (twice: the result and the awaited temporary). Inline, its
    // 1.6 KB made opening a stream cost ~14 KB of frames; now it is one pointer.
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace llmio

#endif

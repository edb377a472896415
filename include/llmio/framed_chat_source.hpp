#ifndef LLMIO_FRAMED_CHAT_SOURCE_HPP
#define LLMIO_FRAMED_CHAT_SOURCE_HPP

// The loop every line-framed stream shares (SSE, NDJSON), for chats (ChatStream) and text
// completions (CompletionStream) alike. The reader pulls: `try_next` decodes the next chunk
// from the bytes already read, and only when none is complete does `next` read one more body
// slice and push it to the framing. A subclass only pushes bytes into its framing and decodes
// chunks out of it; nothing calls back up.
//
//     ChatStream::next ──try_next──▶ decode ──▶ framing.next() ──▶ chunk parser ──▶ ChatChunk
//            └─(nothing buffered)─▶ next ──▶ HttpStream::read_some ──▶ push(slice)

#include <llmio/answer_limit.hpp>
#include <llmio/chat_stream.hpp>
#include <llmio/completion_stream.hpp>
#include <llmio/http/http_client.hpp>
#include <llmio/provider_transport.hpp>

#include <exception>
#include <string_view>

namespace llmio {

/// `Stream` is ChatStream or CompletionStream (its `Source` is the base, its `Chunk` what is
/// decoded); both are instantiated in the library.
template <class Stream>
class FramedSource : public Stream::Source {
public:
    using Chunk = typename Stream::Chunk;
    using Ready = typename Stream::Source::Ready;

    /// Decodes the next chunk from the bytes already read, without suspending. Throws the
    /// stream's errors (below) when the buffered bytes show one.
    Ready try_next(Chunk& out) final;

    /// `try_next`, reading the body when nothing complete is buffered. Throws, naming the
    /// provider: the server's in-band error (mapped once, by `ProviderTransport::throw_in_band`),
    /// MalformedResponseError for a chunk that is not valid, errc::stream_truncated when the
    /// body ends before the terminator (after every chunk that did arrive), errc::body_too_large
    /// when a line is over the limit or the answer grows beyond `Limits::max_answer_bytes`, and
    /// errc::malformed_response when the terminator arrives although no chunk carried a choice
    /// (an answer the non-streamed endpoint would reject as malformed too). The connection is
    /// closed after any throw, and every later call throws the same error.
    boost::asio::awaitable<bool> next(Chunk& out) final;
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

    /// What `decode` found in the bytes pushed so far.
    enum class Frame {
        chunk,         ///< `out` holds the next chunk
        end,           ///< the terminator: nothing after it counts
        need_more,     ///< the pushed bytes are used up
        line_too_long, ///< the framing's line limit was exceeded
    };

    /// `transport` names the provider and bounds the lines; it must outlive the source.
    FramedSource(http::HttpStream stream, ProviderTransport const& transport, Framing framing);

    /// The next body slice; it stays valid until `decode` returned need_more.
    virtual void push(std::string_view bytes) = 0;
    /// The body ended: `decode` handles a last line without its terminator.
    virtual void push_end() = 0;
    /// The next chunk from the pushed bytes (assigned to `out`, whose storage may be reused).
    /// Throws an in-band error through `transport().throw_in_band` and a malformed chunk as
    /// MalformedResponseError.
    virtual Frame decode(Chunk& out) = 0;

    ProviderTransport const& transport() const noexcept { return transport_; }

private:
    Ready decoded(Chunk& out); // try_next without the error attribution
    [[noreturn]] void fail(); // inside a catch block: closes, rethrows naming the provider

    http::HttpStream stream_;
    ProviderTransport const& transport_;
    Framing framing_;
    AnswerLimit answer_;
    std::exception_ptr error_; // the error that ended the stream, for any later call
    bool starved_ = true;     // decode used up the pushed bytes: read before decoding again
    bool body_ended_ = false; // push_end() was called
    bool terminated_ = false; // decode returned end; the rest of the body is still unread
    bool finished_ = false;   // the rest was discarded: next() returns false from now on
    bool saw_choice_ = false; // a chunk with a choice (OpenAI `choices[i]`, Ollama `message`)
};

extern template class FramedSource<ChatStream>;
extern template class FramedSource<CompletionStream>;

using FramedChatSource = FramedSource<ChatStream>;
using FramedCompletionSource = FramedSource<CompletionStream>;

} // namespace llmio

#endif

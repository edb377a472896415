#ifndef LLMIO_OPENAI_SSE_CHAT_SOURCE_HPP
#define LLMIO_OPENAI_SSE_CHAT_SOURCE_HPP

// Reads an OpenAI-style SSE stream: `data: {chunk}` events until `data: [DONE]`, chat chunks
// (`/v1/chat/completions`) or text-completion chunks (`/v1/completions`). Errors inside the
// stream (`data: {"error":...}`, llama.cpp's `error: {...}` line, a bare JSON error line)
// become typed errors; an end without `[DONE]` is errc::stream_truncated.

#include <llmio/framed_chat_source.hpp>
#include <llmio/http/sse_parser.hpp>
#include <llmio/openai/wire.hpp>

namespace llmio::openai {

/// `Stream` is ChatStream or CompletionStream; both are instantiated in the library.
template <class Stream>
class SseSource final : public FramedSource<Stream> {
public:
    using typename FramedSource<Stream>::Chunk;
    using typename FramedSource<Stream>::Frame;

    /// `transport` maps in-band errors; it must outlive the source.
    SseSource(http::HttpStream stream, ProviderTransport const& transport);

private:
    void push(std::string_view bytes) override { sse_.push(bytes); }
    void push_end() override { sse_.push_end(); }
    Frame decode(Chunk& out) override;

    http::SseParser sse_;
    ChunkParser parser_;
};

extern template class SseSource<ChatStream>;
extern template class SseSource<CompletionStream>;

using SseChatSource = SseSource<ChatStream>;
using SseCompletionSource = SseSource<CompletionStream>;

} // namespace llmio::openai

#endif

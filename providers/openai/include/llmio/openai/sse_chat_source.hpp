#ifndef LLMIO_OPENAI_SSE_CHAT_SOURCE_HPP
#define LLMIO_OPENAI_SSE_CHAT_SOURCE_HPP

// Reads an OpenAI-style SSE chat stream: `data: {chunk}` events until `data: [DONE]`. Errors
// inside the stream (`data: {"error":...}`, llama.cpp's `error: {...}` line, a bare JSON error
// line) become typed errors; an end without `[DONE]` is errc::stream_truncated.

#include <llmio/framed_chat_source.hpp>
#include <llmio/http/sse_parser.hpp>
#include <llmio/openai/wire.hpp>

namespace llmio::openai {

class SseChatSource final : public FramedChatSource {
public:
    /// `transport` maps in-band errors; it must outlive the source.
    SseChatSource(http::HttpStream stream, ProviderTransport const& transport);

private:
    void push(std::string_view bytes) override { sse_.push(bytes); }
    void push_end() override { sse_.push_end(); }
    Frame decode(ChatChunk& out) override;

    http::SseParser sse_;
    ChunkParser parser_;
};

} // namespace llmio::openai

#endif

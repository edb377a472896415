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
    boost::system::error_code feed(std::string_view slice) override;
    boost::system::error_code finish() override;

    bool on_event(http::SseEvent const& event);
    bool on_other(http::SseOtherLine const& line);
    void fail_in_band(boost::json::value const& body);

    http::SseParser sse_;
    ChunkParser parser_;
};

} // namespace llmio::openai

#endif

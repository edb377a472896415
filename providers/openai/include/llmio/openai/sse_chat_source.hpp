#ifndef LLMIO_OPENAI_SSE_CHAT_SOURCE_HPP
#define LLMIO_OPENAI_SSE_CHAT_SOURCE_HPP

// Reads an OpenAI-style SSE chat stream: `data: {chunk}` events until `data: [DONE]`. Errors
// inside the stream (`data: {"error":...}`, llama.cpp's `error: {...}` line, a bare JSON error
// line) become typed errors; an end without `[DONE]` is errc::stream_truncated.

#include <llmio/chat_stream.hpp>
#include <llmio/http/http_client.hpp>
#include <llmio/http/sse_parser.hpp>
#include <llmio/openai/wire.hpp>
#include <llmio/provider_transport.hpp>

#include <deque>
#include <exception>

namespace llmio::openai {

class SseChatSource final : public ChatStream::Source {
public:
    /// `transport` maps in-band errors; it must outlive the source.
    SseChatSource(http::HttpStream stream, ProviderTransport const& transport);

    boost::asio::awaitable<std::optional<ChatChunk>> next() override;
    void close() noexcept override { stream_.close(); }

private:
    bool on_event(http::SseEvent const& event);
    bool on_other(http::SseOtherLine const& line);
    void fail_in_band(boost::json::value const& body);

    http::HttpStream stream_;
    ProviderTransport const& transport_;
    http::SseParser sse_;
    ChunkParser parser_;
    std::deque<ChatChunk> ready_;
    std::exception_ptr error_;
    bool done_ = false;
};

} // namespace llmio::openai

#endif

#ifndef LLMIO_OLLAMA_NDJSON_CHAT_SOURCE_HPP
#define LLMIO_OLLAMA_NDJSON_CHAT_SOURCE_HPP

// Reads an Ollama `/api/chat` NDJSON stream: one JSON object per line until the `done: true`
// line. An `{"error": ...}` line becomes a typed error; an end without `done: true` is
// errc::stream_truncated.

#include <llmio/framed_chat_source.hpp>
#include <llmio/http/ndjson_splitter.hpp>
#include <llmio/ollama/wire.hpp>

namespace llmio::ollama {

class NdjsonChatSource final : public FramedChatSource {
public:
    /// `transport` maps in-band errors; it must outlive the source.
    NdjsonChatSource(http::HttpStream stream, ProviderTransport const& transport);

private:
    void push(std::string_view bytes) override { splitter_.push(bytes); }
    void push_end() override { splitter_.push_end(); }
    Frame decode(ChatChunk& out) override;

    http::NdjsonSplitter splitter_;
    ChatLineParser parser_;
    bool done_line_ = false; // the `done: true` line was delivered: the next decode ends
};

} // namespace llmio::ollama

#endif

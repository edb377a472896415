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
    boost::system::error_code feed(std::string_view slice) override;
    boost::system::error_code finish() override;

    bool on_line(std::string_view line);

    http::NdjsonSplitter splitter_;
    ChatLineParser parser_;
};

} // namespace llmio::ollama

#endif

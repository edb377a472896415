#ifndef LLMIO_OLLAMA_NDJSON_CHAT_SOURCE_HPP
#define LLMIO_OLLAMA_NDJSON_CHAT_SOURCE_HPP

// Reads an Ollama NDJSON stream, `/api/chat` (ChatStream) or `/api/generate`
// (CompletionStream): one JSON object per line until the `done: true` line. An
// `{"error": ...}` line becomes a typed error; an end without `done: true` is
// errc::stream_truncated.

#include <llmio/framed_chat_source.hpp>
#include <llmio/http/ndjson_splitter.hpp>
#include <llmio/ollama/wire.hpp>

#include <type_traits>

namespace llmio::ollama {

/// `Stream` is ChatStream (lines read by ChatLineParser) or CompletionStream
/// (GenerateLineParser); both are instantiated in the library.
template <class Stream>
class NdjsonSource final : public FramedSource<Stream> {
public:
    using typename FramedSource<Stream>::Chunk;
    using typename FramedSource<Stream>::Frame;

    /// `transport` maps in-band errors; it must outlive the source.
    NdjsonSource(http::HttpStream stream, ProviderTransport const& transport);

private:
    using LineParser =
        std::conditional_t<std::is_same_v<Stream, ChatStream>, ChatLineParser, GenerateLineParser>;

    void push(std::string_view bytes) override { splitter_.push(bytes); }
    void push_end() override { splitter_.push_end(); }
    Frame decode(Chunk& out) override;

    http::NdjsonSplitter splitter_;
    LineParser parser_;
    bool done_line_ = false; // the `done: true` line was delivered: the next decode ends
};

extern template class NdjsonSource<ChatStream>;
extern template class NdjsonSource<CompletionStream>;

using NdjsonChatSource = NdjsonSource<ChatStream>;
using NdjsonGenerateSource = NdjsonSource<CompletionStream>;

} // namespace llmio::ollama

#endif

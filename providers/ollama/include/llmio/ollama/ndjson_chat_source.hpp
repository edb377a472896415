#ifndef LLMIO_OLLAMA_NDJSON_CHAT_SOURCE_HPP
#define LLMIO_OLLAMA_NDJSON_CHAT_SOURCE_HPP

// Reads an Ollama `/api/chat` NDJSON stream: one JSON object per line until the `done: true`
// line. An `{"error": ...}` line becomes a typed error; an end without `done: true` is
// errc::stream_truncated.

#include <llmio/chat_stream.hpp>
#include <llmio/http/http_client.hpp>
#include <llmio/http/ndjson_splitter.hpp>
#include <llmio/ollama/wire.hpp>
#include <llmio/provider_transport.hpp>

#include <deque>
#include <exception>

namespace llmio::ollama {

class NdjsonChatSource final : public ChatStream::Source {
public:
    /// `transport` maps in-band errors; it must outlive the source.
    NdjsonChatSource(http::HttpStream stream, ProviderTransport const& transport);

    boost::asio::awaitable<std::optional<ChatChunk>> next() override;
    void close() noexcept override { stream_.close(); }

private:
    bool on_line(std::string_view line);

    http::HttpStream stream_;
    ProviderTransport const& transport_;
    http::NdjsonSplitter splitter_;
    ChatLineParser parser_;
    std::deque<ChatChunk> ready_;
    std::exception_ptr error_;
    bool done_ = false;
};

} // namespace llmio::ollama

#endif

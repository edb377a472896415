// Pre-rendered bodies of the canned server: the exact wire format of OpenAI's chat completions
// (plain and SSE) and Ollama's /api/chat NDJSON, so that the client is the only variable.
#ifndef LLMIO_BENCH_CANNED_RESPONSES_HPP
#define LLMIO_BENCH_CANNED_RESPONSES_HPP

#include <cstddef>
#include <string>
#include <vector>

namespace llmio::bench {

// The token text of streamed token `i`; every driver rebuilds the expected answer from it.
std::string_view token_text(std::size_t i) noexcept;

// The non-streamed /v1/chat/completions body (about 600 bytes).
std::string const& chat_completion_body();
inline constexpr std::string_view chat_completion_content = "Hello! How can I assist you today?";

std::string const& models_body();

// One stream as a list of events, each already framed for the wire (SSE "data: ...\n\n" or one
// NDJSON line); the server sends them as HTTP/1.1 chunks.
std::vector<std::string> openai_stream_events(std::size_t tokens, bool include_usage);
std::vector<std::string> ollama_stream_events(std::size_t tokens);
std::string ollama_chat_body(std::size_t tokens); // "stream": false

} // namespace llmio::bench

#endif

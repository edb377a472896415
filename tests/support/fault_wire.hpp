#ifndef LLMIO_TESTS_SUPPORT_FAULT_WIRE_HPP
#define LLMIO_TESTS_SUPPORT_FAULT_WIRE_HPP

// Raw response bytes for the fault matrix (tests/unit/test_fault_matrix.cpp): valid answers of
// each dialect (OpenAI, LM Studio, Ollama) for chat, streamed chat and model listing, the HTTP
// framing to wrap them in (Content-Length, chunked, close-delimited), and each server's real
// error body shapes. Everything is spelled out byte by byte so that a fault can cut, stall or
// corrupt it anywhere.

#include <string>
#include <string_view>

namespace llmio::test::fault_wire {

enum class Provider { openai, lmstudio, ollama };
enum class Call { chat, stream, list };

std::string_view name_of(Provider p);
std::string_view name_of(Call c);

/// One cell of the matrix: which provider, which call, and the path of the request being
/// answered (LM Studio lists through /api/v1/models, /api/v0/models or /v1/models).
struct Cell {
    Provider provider = Provider::openai;
    Call call = Call::chat;
    std::string path;
};

/// The configured API key; hostile error bodies quote it back.
inline constexpr std::string_view kApiKey = "sk-fault-SECRET-123";

// ---- HTTP framing ----------------------------------------------------------------------------

/// Status line, Content-Type and `extra` header lines (each ending in CRLF); no blank line yet.
std::string head(int status, std::string_view content_type, std::string_view extra = "");
/// A complete response with Content-Length.
std::string respond(int status, std::string_view content_type, std::string_view body,
                    std::string_view extra = "");
/// The header block of a chunked response (blank line included).
std::string chunked_head(int status, std::string_view content_type, std::string_view extra = "");
std::string chunk(std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// ---- valid answers ---------------------------------------------------------------------------

/// The non-streamed answer ("Hello") or the model list (one model, `m`) for the cell's path.
std::string answer_body(Cell const& cell);
std::string_view stream_content_type(Cell const& cell);
/// One content event / NDJSON line carrying `text`.
std::string content_event(Cell const& cell, std::string_view text);
/// The finishing event(s): finish_reason stop and `data: [DONE]`, or Ollama's `done` line.
std::string final_events(Cell const& cell);
/// The whole valid response for the cell: "Hello" (streamed as "Hel" + "lo") or model `m`.
std::string ok_response(Cell const& cell);
/// A valid response to a request that is not the cell's target (LM Studio's API probe).
std::string side_response(std::string_view path);

// ---- errors ----------------------------------------------------------------------------------

/// The provider's error body carrying `message` (OpenAI `{"error":{"message","type","param",
/// "code"}}`, Ollama `{"error":"..."}`); `type` and `code` are used where the shape has them.
std::string error_body(Provider p, std::string_view message, std::string_view type = "invalid_request_error",
                       std::string_view code = "");
/// `message` as a JSON string literal (quotes included).
std::string json_string(std::string_view message);

} // namespace llmio::test::fault_wire

#endif

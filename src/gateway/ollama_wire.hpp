#ifndef LLMIO_SRC_GATEWAY_OLLAMA_WIRE_HPP
#define LLMIO_SRC_GATEWAY_OLLAMA_WIRE_HPP

// The gateway's Ollama-compatible API as pure translation (no I/O): Ollama request bodies in,
// llmio requests out; llmio answers and stream chunks in, Ollama JSON and NDJSON lines out.
// It is the reverse of providers/ollama (which writes these requests and reads these answers),
// and follows the same wire (docs/protocols.md, Ollama):
// - `stream` defaults to true; stream lines are one JSON object each, the last `done: true`;
// - tool-call arguments are JSON objects on Ollama's wire and JSON text in llmio; a tool call
//   is written whole, in one line, never as fragments;
// - durations are integer nanoseconds, counters and durations are omitted when zero;
// - errors are `{"error": "<message>"}`.
// Lines and bodies are returned without a trailing newline.
//
// A request that cannot be read throws InvalidRequestError whose `info().detail` is the message
// for the client (the handler answers it with 400).

#include <llmio/chat.hpp>
#include <llmio/completion.hpp>
#include <llmio/embedding.hpp>
#include <llmio/models.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace llmio::gateway::ollama {

// ---- requests ----------------------------------------------------------------------------------

/// The members only an Ollama backend understands, as its wire writes them: `options` llmio
/// has no field for (`num_ctx`, `top_k`, `min_p`, `repeat_penalty` ...), `keep_alive`, `think`
/// on or off, `truncate`. The handler makes them the request's `extra` when the model is
/// served by Ollama (whose provider merges `extra.options` into `options`), where they mean
/// the same thing, and leaves them out for other servers, which would reject or misread them.
using OllamaOnly = boost::json::object;

/// `keep_alive` of 0 (a number, or a duration text such as "0s"): unload instead of generating.
bool unloads(OllamaOnly const& ollama_only) noexcept;

/// `POST /api/chat`.
struct ChatCall {
    ChatRequest request;
    bool stream = true;          ///< Ollama streams unless told `"stream": false`.
    OllamaOnly ollama_only;
    /// No messages: Ollama loads (or, with keep_alive 0, unloads) the model and answers at once.
    bool load_only = false;
};
ChatCall parse_chat_request(std::string_view body);

/// `POST /api/generate`. A templated prompt (the default) is a chat turn (`system`, then the
/// user's `prompt` and `images`); `raw` or a `suffix` is a plain text completion, which is
/// what they mean to Ollama (no template; fill in the middle).
struct GenerateCall {
    std::variant<ChatRequest, CompletionRequest> request;
    bool stream = true;
    OllamaOnly ollama_only;
    bool load_only = false;      ///< No prompt: load or unload only.
    std::string const& model() const noexcept;
};
GenerateCall parse_generate_request(std::string_view body);

/// `POST /api/embed` (`input`: a string or an array of strings) and the legacy
/// `POST /api/embeddings` (`prompt`: one string).
struct EmbedCall {
    EmbeddingRequest request;
    OllamaOnly ollama_only;
    bool legacy = false; ///< `/api/embeddings`: answered as one `embedding`.
};
EmbedCall parse_embed_request(std::string_view body);
EmbedCall parse_legacy_embeddings_request(std::string_view body);

// ---- answers -----------------------------------------------------------------------------------

/// When and how long: `created_at` text and the durations the gateway measured, used where
/// the server reported none.
struct Timing {
    std::string created_at;           ///< RFC 3339 UTC, as `created_at_text` writes it.
    std::int64_t total_ns = 0;        ///< From the request's arrival to the last line.
    std::int64_t first_token_ns = 0;  ///< From the arrival to the first token (0: none).
};

/// RFC 3339 with nanoseconds in UTC ("2026-12-06T23:10:00.123456789Z"), as Go writes times.
std::string created_at_text(std::chrono::system_clock::time_point t);

/// Ollama's `done_reason` for llmio's finish reason: "length" for the token limit, else "stop"
/// (Ollama says "stop" after tool calls too).
std::string_view done_reason(FinishReason reason) noexcept;

/// The end of an answer: why it stopped and what it cost.
struct Final {
    FinishReason finish_reason = FinishReason::stop;
    std::optional<Usage> usage;
    std::optional<ServerStats> stats;
};

/// What every stream line of one answer starts with, `{"model":...,"created_at":...`: made
/// once per answer, so that a token's line costs only its own text.
std::string line_head(std::string_view model, std::string_view created_at);
/// Appends one `/api/chat` stream line with a content and/or thinking delta (`done: false`),
/// without its newline, after `head` (line_head). The per-token path: written as text into a
/// reused buffer.
void append_chat_delta(std::string& out, std::string_view head, std::string_view content,
                       std::string_view thinking);
/// One `/api/chat` stream line carrying whole tool calls (assembled from the deltas).
/// Throws MalformedResponseError when a call's arguments are not a JSON object.
std::string chat_tool_calls_line(std::string_view model, std::string_view created_at,
                                 std::vector<ToolCall> const& calls);
/// The last `/api/chat` stream line: empty message, `done: true`, reason and metrics.
std::string chat_done_line(std::string_view model, Timing const& timing, Final const& end);
/// A non-streamed `/api/chat` answer.
std::string chat_response(std::string_view model, Timing const& timing, ChatResponse const& r);
/// The answer to a chat without messages: the model was loaded ("load") or unloaded ("unload").
std::string chat_load_response(std::string_view model, std::string_view created_at, bool unloaded);

/// Appends one `/api/generate` stream line (`response` delta, `thinking` when non-empty).
void append_generate_delta(std::string& out, std::string_view head, std::string_view response,
                           std::string_view thinking);
/// The last `/api/generate` line; non-streamed answers are this with the whole text.
std::string generate_done_line(std::string_view model, Timing const& timing, Final const& end,
                               std::string_view response = {}, std::string_view thinking = {});
std::string generate_load_response(std::string_view model, std::string_view created_at,
                                   bool unloaded);

/// `/api/embed`: `{"model","embeddings":[[...]],"total_duration","prompt_eval_count"}`.
std::string embed_response(std::string_view model, EmbeddingResponse const& r, std::int64_t total_ns);
/// `/api/embeddings`: `{"embedding":[...]}` (the first vector).
std::string legacy_embeddings_response(EmbeddingResponse const& r);

/// One `/api/tags` (or `/api/ps`) entry: `name` as clients address it; `info` what llmio
/// knows of the model (nullptr for a route, which is not one model).
struct ListedModel {
    std::string name;
    ModelInfo const* info = nullptr;
};
/// `{"models":[{name, model, modified_at, size, digest, details{...}}]}`. What llmio does not
/// know is written as Ollama writes an unknown value: "" , 0, and the zero time.
std::string tags_response(std::vector<ListedModel> const& models);
/// `/api/ps`: the same entries plus `expires_at`, `size_vram` and `context_length`.
std::string ps_response(std::vector<ListedModel> const& models);

/// `/api/show`'s request: the model's name (`model`, or the older `name`).
std::string parse_show_request(std::string_view body);
/// `/api/show`: what llmio knows of a model (`info` null: nothing but that it exists), in
/// Ollama's shape: `details` as `/api/tags` gives them, `model_info` with the architecture and
/// the trained context length (`<arch>.context_length`, where clients look for it), and
/// `capabilities` (`completion` or `embedding`, plus `tools`, `vision`, `thinking`). Ollama's
/// Modelfile texts (`modelfile`, `parameters`, `template`) are empty.
std::string show_response(ModelInfo const* info);

/// The version the gateway reports to `/api/version`.
inline constexpr std::string_view kOllamaVersion = "0.9.0";
std::string version_response();

/// `{"error":"<message>"}`.
std::string error_body(std::string_view message);
/// Ollama's own words for an unknown model: `model "x" not found, try pulling it first`.
std::string model_not_found_message(std::string_view model);

} // namespace llmio::gateway::ollama

#endif // LLMIO_SRC_GATEWAY_OLLAMA_WIRE_HPP

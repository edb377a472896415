#ifndef LLMIO_OLLAMA_WIRE_HPP
#define LLMIO_OLLAMA_WIRE_HPP

// Ollama's native HTTP API (`/api/...`): request bodies out, typed results in. No I/O.
//
// Differences from the OpenAI wire that this mapping absorbs (docs/protocols.md, Ollama):
// - tool-call arguments are JSON objects on the wire, JSON text in llmio's ToolCall;
// - tool results name the tool (`tool_name`), found by the call id in the conversation;
// - sampling knobs live in `options` (`max_tokens` -> `num_predict`), structured output is
//   `format` ("json" or a schema), reasoning is `think` / `message.thinking`;
// - `stream` defaults to true, so it is always written;
// - durations are nanoseconds; usage comes from `prompt_eval_count` / `eval_count`.
//
// Received JSON is read without throwing; a wrong shape throws MalformedResponseError carrying a
// bounded copy of the bytes. A body or line that is `{"error": ...}` is returned as InBandError
// (or, for whole bodies, left to the caller's error mapper) rather than parsed.

#include <llmio/chat.hpp>
#include <llmio/detail/arena_json_parser.hpp>
#include <llmio/detail/in_band_error.hpp>
#include <llmio/completion.hpp>
#include <llmio/embedding.hpp>
#include <llmio/http/endpoint.hpp>
#include <llmio/model_manager.hpp>
#include <llmio/models.hpp>
#include <llmio/ollama/line_fast_path.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace llmio::ollama {

inline constexpr std::uint16_t kDefaultPort = 11434;

// ---- host --------------------------------------------------------------------------------------

/// Reads an `OLLAMA_HOST` value as Ollama does (envconfig `Host()`): spaces and surrounding
/// quotes trimmed; `[scheme://]host[:port][/path]`; no scheme -> http with port 11434 (bare
/// `ollama.com` -> https://ollama.com:443); `http://` without a port -> 80, `https://` -> 443;
/// an empty host -> 127.0.0.1; an invalid port (not a number, out of range) -> the default
/// port; IPv6 with or without brackets; the path is kept. Bind addresses (0.0.0.0, ::) are
/// connected to as loopback (`Endpoint::connect_host`). Throws InvalidRequestError
/// (errc::invalid_endpoint) for what Endpoint rejects (other schemes, control characters ...).
http::Endpoint parse_ollama_host(std::string_view text);

// ---- chat --------------------------------------------------------------------------------------

/// Per-request settings that have no field in ChatRequest.
struct RequestDefaults {
    std::optional<std::string> keep_alive;   ///< Go duration ("5m") or seconds ("300" -> 300).
    std::optional<std::int64_t> num_ctx;     ///< Context window to load the model with.
};

/// The `/api/chat` body. `stream` is always written (Ollama defaults to true).
/// - Messages: content parts are joined into `content` (text) and `images` (base64 without the
///   `data:` prefix; an http(s) image URL throws InvalidRequestError: Ollama cannot fetch it);
///   tool calls get object arguments (text that is not a JSON object throws
///   InvalidRequestError); tool results get `tool_name` from the matching earlier call.
/// - `tools` are sent unless `tool_choice` is none; a forced function sends only that tool
///   (Ollama has no tool_choice).
/// - `response_format` -> `format`; `reasoning_effort` -> `think` ("none" -> false,
///   "minimal" -> "low", "true"/"false" -> booleans, other levels as given).
/// - temperature, top_p, max_tokens (num_predict), stop, seed, penalties and `defaults.num_ctx`
///   go in `options`; `defaults.keep_alive` at the top.
/// - `request.extra` is merged last; its `options` object is merged into `options` key by key.
boost::json::object chat_request_body(ChatRequest const& request, bool stream,
                                      RequestDefaults const& defaults = {});

/// A tool call's JSON-text arguments as the object Ollama expects ("" -> {}).
/// Throws InvalidRequestError when the text is not a JSON object.
boost::json::object arguments_to_object(std::string_view arguments);

/// An in-band `{"error": ...}` line (its text as received, for `ProviderTransport::throw_in_band`).
using llmio::detail::InBandError;

/// What one line of a chat stream is.
enum class LineKind {
    chunk, ///< a part of the answer
    done,  ///< the `done: true` line: its chunk is the last
    error, ///< an in-band error: the line is the error body
};

/// One line of a chat stream, read.
struct ChatLine {
    ChatChunk chunk;
    bool done = false; ///< The `done: true` line (the stream's terminator).
};

/// Reads `/api/chat` NDJSON lines one at a time. Tool calls arrive whole: each gets the next
/// position as its index and `call_<index>` when the server sent no id; a finish reason of
/// "stop" after tool calls becomes tool_calls. Not thread-safe; one per stream.
class ChatLineParser {
public:
    std::variant<ChatLine, InBandError> parse(std::string_view line);

    /// `parse` for the per-token path: the chunk is assigned to `out`, whose storage is reused.
    /// For LineKind::error, `line` itself is the error body (nothing is copied).
    LineKind parse_into(std::string_view line, ChatChunk& out);

private:
    LineFastPath fast_;                   // the common line, without a DOM
    llmio::detail::ArenaJsonParser json_; // one DOM per line, in an arena the next line reuses
    int tool_calls_ = 0;
};

/// Parses a non-streamed `/api/chat` answer (one object with `done: true`).
ChatResponse parse_chat_response(std::string_view body);

/// Usage and server stats from a final line's counters (absent counters stay unset).
void read_metrics(boost::json::object const& o, std::optional<Usage>& usage,
                  std::optional<ServerStats>& stats);

// ---- generate (legacy completions) -------------------------------------------------------------

/// The `/api/generate` body for one prompt (`prompt_index` picks it from a prompt list).
boost::json::object generate_request_body(CompletionRequest const& request, std::size_t prompt_index,
                                          bool stream, RequestDefaults const& defaults = {});

/// Reads `/api/generate` NDJSON lines one at a time: `response` deltas, and on the `done: true`
/// line `done_reason` and the counters (usage, stats). Not thread-safe; one per stream.
class GenerateLineParser {
public:
    /// The chunk is assigned to `out`, whose storage is reused. For LineKind::error, `line`
    /// itself is the error body.
    LineKind parse_into(std::string_view line, CompletionChunk& out);

private:
    llmio::detail::ArenaJsonParser json_;
};

/// Parses a non-streamed `/api/generate` answer as one choice with `index`.
CompletionResponse parse_generate_response(std::string_view body, std::int64_t index = 0);

// ---- embeddings --------------------------------------------------------------------------------

/// The `/api/embed` body (`input` always an array, so one vector per input comes back).
boost::json::object embed_request_body(EmbeddingRequest const& request,
                                       RequestDefaults const& defaults = {});

/// Parses `/api/embed`: `embeddings` in input order; usage from `prompt_eval_count`.
EmbeddingResponse parse_embed_response(std::string_view body);

// ---- models ------------------------------------------------------------------------------------

/// The name Ollama files a model under: `name` without a tag means `name:latest` (`llama3` and
/// `llama3:latest` are one model; `/api/tags` and `/api/ps` list the tagged form). A colon
/// before the last `/` is a registry port, not a tag; names with a digest (`@`) are kept as
/// given. Case is kept (matching stays exact).
std::string canonical_model_name(std::string_view name);

/// `/api/tags`: models on disk. `raw` holds each entry.
std::vector<ModelInfo> parse_tags(std::string_view body);

/// `/api/ps`: loaded models (loaded = true, `loaded_context_length` from `context_length`;
/// `size_vram` and `expires_at` stay in `raw`).
std::vector<ModelInfo> parse_ps(std::string_view body);

/// `/api/show`: capabilities (tools, vision, embedding, thinking) and the context length from
/// `model_info["<general.architecture>.context_length"]`.
ModelCapabilities parse_show(std::string_view body);
/// `/api/show` for the model `id`: `capabilities` as parse_show gives them, and `type` as they
/// imply it ("embedding" for a model that embeds and cannot complete, "vlm" with vision, else
/// "llm"; "" when the answer has no capabilities list, as before Ollama 0.6).
ModelInfo parse_show_model(std::string_view body, std::string id);

/// `/api/version`: the version text.
std::string parse_version(std::string_view body);

/// The `/api/generate` body that loads (keep_alive unset or positive) or unloads
/// (keep_alive "0") a model without generating.
boost::json::object load_request_body(std::string const& model, LoadOptions const& options);
boost::json::object unload_request_body(std::string const& model);

/// One `/api/pull` progress line: this layer's progress (completed/total of `digest`).
struct PullLine {
    DownloadProgress progress;
    std::string digest; ///< Empty for lines about no layer ("pulling manifest", "success").
};
std::variant<PullLine, InBandError> parse_pull_line(std::string_view line);

/// Sums layer progress over distinct digests (Ollama repeats a layer's line as bytes arrive).
class PullProgress {
public:
    /// Folds one line in and returns the overall progress to report.
    DownloadProgress add(PullLine const& line);

private:
    struct Layer {
        std::string digest;
        std::uint64_t completed = 0;
        std::uint64_t total = 0;
    };
    std::vector<Layer> layers_;
};

/// `keep_alive` as Ollama reads it: whole seconds -> "<n>s".
std::string keep_alive_text(std::chrono::seconds ttl);

} // namespace llmio::ollama

#endif // LLMIO_OLLAMA_WIRE_HPP

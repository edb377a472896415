#ifndef LLMIO_OPENAI_WIRE_HPP
#define LLMIO_OPENAI_WIRE_HPP

// The OpenAI HTTP wire format: request bodies out, typed results in. No I/O.
//
// Used by the generic OpenAI-compatible provider and by every server that speaks this dialect
// (LM Studio /v1, Ollama /v1, llama.cpp, vLLM). Reading is tolerant of what those servers do
// differently (nulls, missing fields, `reasoning_content` or `reasoning`, llama.cpp `timings`,
// integer/float mix-ups, unknown fields, invalid UTF-8 inside strings) and strict about shape:
// invalid JSON or a wrong shape throws `MalformedResponseError` (errc::malformed_response)
// carrying a bounded copy of the body (`raw_body()`) and the path of the problem (`detail`).
//
// Errors reported by the server are not handled here: map non-2xx bodies and in-band
// `{"error": ...}` objects with llmio's error mapper first, then call these parsers.

#include <llmio/chat.hpp>
#include <llmio/completion.hpp>
#include <llmio/detail/arena_json_parser.hpp>
#include <llmio/detail/in_band_error.hpp>
#include <llmio/detail/json_read.hpp>
#include <llmio/embedding.hpp>
#include <llmio/models.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace llmio::openai {

// ---- chat ------------------------------------------------------------------------------------

/// The `/v1/chat/completions` body for `request`.
///
/// - Unset optional fields are not sent.
/// - `max_tokens` is sent as `max_tokens`, not `max_completion_tokens`: llama.cpp, LM Studio,
///   Ollama and vLLM all read `max_tokens`, and OpenAI still accepts it for non-reasoning
///   models. For OpenAI reasoning models put
///   `{"max_tokens": null, "max_completion_tokens": n}` in `extra`.
/// - `stream` is written only when true; `stream_options.include_usage` only when streaming
///   and `request.include_usage` (or, when unset, `include_usage_default`) is true, because
///   some servers reject `stream_options`.
/// - `request.extra` is merged last: its keys replace llmio's, and a null value removes the key.
/// - The body's memory comes from `storage` (the default resource when null).
boost::json::object chat_request_body(ChatRequest const& request, bool stream,
                                      bool include_usage_default, boost::json::storage_ptr storage = {});

/// `chat_request_body` as the text sent. The body is built in a scratch arena on the stack, so
/// that the text is the only allocation a typical request costs.
std::string chat_request_text(ChatRequest const& request, bool stream, bool include_usage_default);

/// llama.cpp servers of early 2025 ignore `response_format.json_schema` (they read only their
/// own top-level `json_schema`): when `body` asks for a JSON schema, copies the schema there
/// too, unless the body already has a `json_schema`. Returns whether it did.
bool add_llamacpp_json_schema(boost::json::object& body);

/// One message in wire form (also used by providers that reuse this dialect).
boost::json::object message_to_json(Message const& message, boost::json::storage_ptr storage = {});

/// Parses a non-streamed `chat.completion` body. Reads choice 0; a tool call without an id
/// gets `call_<n>`; `arguments` sent as an object are serialised to text. Throws
/// `MalformedResponseError` on invalid JSON, a wrong shape or a missing choice.
ChatResponse parse_chat_response(std::string_view body);

// ---- streaming -------------------------------------------------------------------------------

/// The `[DONE]` sentinel that ends an OpenAI stream.
struct StreamDone {
    friend bool operator==(StreamDone, StreamDone) = default;
};

/// An event whose JSON object has a non-null `error` member (servers report failures inside a
/// 200 stream this way). `body` is the event's text as received; map it with
/// `ProviderTransport::throw_in_band`.
using llmio::detail::InBandError;

/// What one event of a chat stream is.
enum class ChunkEvent {
    chunk, ///< a `chat.completion.chunk`
    done,  ///< the `[DONE]` sentinel
    error, ///< an in-band error: the event's data is the error body
};

using ChunkResult = std::variant<ChatChunk, StreamDone, InBandError>;
using CompletionChunkResult = std::variant<CompletionChunk, StreamDone, InBandError>;

/// Parses the `data` of stream events, one event at a time.
///
/// Built for the per-token path: one JSON parser and one memory arena are reused for every
/// event, so a typical event costs no allocation beyond the strings it yields. Not
/// thread-safe; one per stream.
class ChunkFastPath; // chunk_fast_path.hpp

class ChunkParser {
public:
    /// `fast_then_dom` reads the common chunk shape without a DOM and hands anything else to
    /// the DOM reader; `dom_only` always uses the DOM reader (tests compare the two).
    enum class Reader { fast_then_dom, dom_only };

    explicit ChunkParser(Reader reader = Reader::fast_then_dom);
    ~ChunkParser();
    ChunkParser(ChunkParser const&) = delete;
    ChunkParser& operator=(ChunkParser const&) = delete;

    /// One `chat.completion.chunk` event. Throws `MalformedResponseError` for data that is not
    /// a JSON object or has a wrong shape. An empty-string `finish_reason` is read as "not
    /// finished" (some servers send "" instead of null on every chunk).
    ChunkResult parse(std::string_view data);

    /// `parse` for the per-token path: the chunk is assigned to `out`, whose storage is reused.
    /// For ChunkEvent::error, `data` itself is the error body (nothing is copied).
    ChunkEvent parse_into(std::string_view data, ChatChunk& out);

    /// One `text_completion` stream event (`/v1/completions`), same rules.
    CompletionChunkResult parse_completion(std::string_view data);
    /// `parse_completion` for the per-token path, as `parse_into` is for chat chunks.
    ChunkEvent parse_into(std::string_view data, CompletionChunk& out);

private:
    boost::json::value const& parse_value(std::string_view data);

    llmio::detail::ArenaJsonParser dom_;
    std::unique_ptr<ChunkFastPath> fast_; // null for Reader::dom_only
};

// ---- completions -----------------------------------------------------------------------------

/// The `/v1/completions` body; same rules as `chat_request_body`.
boost::json::object completion_request_body(CompletionRequest const& request, bool stream,
                                            bool include_usage_default);

/// Parses a `text_completion` body. llama.cpp answers an array prompt with an array of
/// completion objects: their choices are merged (sorted by index) and their usage summed.
CompletionResponse parse_completion_response(std::string_view body);

// ---- embeddings ------------------------------------------------------------------------------

/// The `/v1/embeddings` body: one input as a string, several as an array.
boost::json::object embedding_request_body(EmbeddingRequest const& request);

/// Parses an embeddings body: vectors in input order (by `index`; each index in 0..n-1
/// exactly once, or all indexes absent), float arrays or base64 little-endian float32.
EmbeddingResponse parse_embedding_response(std::string_view body);

// ---- models ----------------------------------------------------------------------------------

/// Parses `/v1/models`: OpenAI, LM Studio (no `created`), llama.cpp (`meta.n_ctx_train`,
/// `meta.size`) and vLLM (`max_model_len`) cards. `raw` holds each card.
std::vector<ModelInfo> parse_models(std::string_view body);

} // namespace llmio::openai

#endif // LLMIO_OPENAI_WIRE_HPP

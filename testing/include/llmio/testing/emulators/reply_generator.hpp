#ifndef LLMIO_TESTING_EMULATORS_REPLY_GENERATOR_HPP
#define LLMIO_TESTING_EMULATORS_REPLY_GENERATOR_HPP

// Deterministic "model output" for the emulators: the same request always gives the same
// reply, so tests can assert exact text. Pure functions, no I/O. The rules:
//
// Text of a message: its `content` string, or its text parts joined with a single space.
//
// Chat reply (first rule that applies):
//   1. The last message has role "tool": the reply quotes every trailing tool result,
//      "<tool name> returned <content>." joined by a space (name looked up by tool_call_id
//      in the assistant message before them; "tool" when unknown). finish "stop".
//   2. `tools` is non-empty and `tool_choice` is not "none": tool calls. A forced
//      `{"type":"function","function":{"name":N}}` calls N. Otherwise every tool whose name
//      occurs in the last user message, in order of first occurrence (parallel calls; only
//      the first when `parallel_tool_calls` is false), or else the first tool. Arguments are
//      a JSON instance of the tool's parameter schema (see sample_from_schema), compact.
//      Ids are "call_" + 24 deterministic alphanumerics. finish "tool_calls".
//   3. `response_format` json_schema: the content is sample_from_schema(schema), compact JSON;
//      json_object: {"message":"Hello! You said: <text>"}.
//   4. Otherwise the content is "Hello! You said: <text of the last user message>".
//   Reasoning models (a dialect decides which) first think "Thinking about: <text>".
//
// Tokens: split_tokens(); the streamed tokens concatenate exactly to the non-streamed text.
// Budget: max_completion_tokens, else max_tokens, counts reasoning tokens then content
// tokens; running out gives finish "length" (tool calls are never cut). Stop sequences cut the
// content before the earliest match (the stop text is not included), finish "stop".
// Usage: prompt_tokens = count_words over every message's text; completion_tokens = number of
// streamed tokens (reasoning + content, or tool-argument fragments); total = their sum.

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::emulators {

/// Each token is a run of whitespace followed by a run of non-whitespace, cut every 16 bytes
/// (never inside a UTF-8 sequence). Concatenating the tokens gives `text` back.
std::vector<std::string> split_tokens(std::string_view text);

/// Cuts `text` into pieces of at most `size` bytes (never inside a UTF-8 sequence).
std::vector<std::string> split_fragments(std::string_view text, std::size_t size);

/// Whitespace-separated words.
std::size_t count_words(std::string_view text);

/// A deterministic JSON instance of a JSON Schema: const, first enum value, default, first of
/// anyOf/oneOf/allOf; objects get their required properties (all of them when `required` is
/// absent) in schema order; arrays get max(1, minItems) items; strings "sample <key>" (or a
/// fixed value for format date, date-time, email, uri, uuid; minLength/maxLength respected);
/// integers 1, numbers 1.5 (clamped into minimum/maximum); booleans true; null null.
boost::json::value sample_from_schema(boost::json::value const& schema, std::string_view key = {});

/// The text of a message's `content` (string, or text parts joined with a space).
std::string message_text(boost::json::value const* content);

/// `prefix` + `length` alphanumerics derived from `seed`.
std::string make_id(std::string_view prefix, std::uint64_t seed, std::size_t length);

/// FNV-1a 64-bit.
std::uint64_t hash_text(std::string_view text) noexcept;

struct GeneratedToolCall {
    std::string id;
    std::string name;
    std::string arguments;              ///< Compact JSON text.
    std::vector<std::string> fragments; ///< `arguments` cut for streaming (8-byte pieces).
};

struct GeneratedReply {
    std::vector<std::string> reasoning_tokens;
    std::vector<std::string> content_tokens;
    std::string reasoning;
    std::string content;
    std::vector<GeneratedToolCall> tool_calls;
    std::string finish_reason; ///< "stop", "length" or "tool_calls".
    std::size_t prompt_tokens = 0;
    std::size_t completion_tokens = 0;
    std::size_t reasoning_token_count() const noexcept { return reasoning_tokens.size(); }
};

/// Applies the budget and stop sequences to a reasoning + content pair (see the rules above).
GeneratedReply budget_reply(std::string reasoning, std::string content,
                            std::optional<std::size_t> max_tokens,
                            std::vector<std::string> const& stops);

/// The reply to an OpenAI-shaped chat request (`messages` is assumed to be an array).
GeneratedReply generate_chat_reply(boost::json::object const& request, bool reasoning);

/// Counts the words of every message's text.
std::size_t count_prompt_words(boost::json::object const& request);

/// `stop` as a list (string or array of strings; empty strings dropped).
std::vector<std::string> stop_sequences(boost::json::object const& request);

/// max_completion_tokens, else max_tokens, when a non-negative integer.
std::optional<std::size_t> max_tokens_of(boost::json::object const& request);

/// A deterministic unit vector (L2 norm 1) of `dimensions` floats derived from `text`.
std::vector<float> embed_text(std::string_view text, std::size_t dimensions);

/// Little-endian float32 bytes, base64-encoded (OpenAI `encoding_format: base64`).
std::string base64_floats(std::vector<float> const& values);

} // namespace llmio::emulators

#endif // LLMIO_TESTING_EMULATORS_REPLY_GENERATOR_HPP

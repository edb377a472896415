#ifndef LLMIO_CHAT_HPP
#define LLMIO_CHAT_HPP

// Chat requests, responses and stream chunks, provider-neutral. Each provider maps them to
// its own wire format (e.g. `llmio/openai/wire.hpp`).

#include <llmio/finish_reason.hpp>
#include <llmio/message.hpp>
#include <llmio/usage.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmio {

/// A function the model may call.
struct ToolDefinition {
    std::string name;
    std::string description;            ///< Not sent when empty.
    /// JSON Schema of the arguments. Empty = a function without arguments (sent as
    /// `{"type":"object","properties":{}}`, which every server accepts).
    boost::json::object parameters;
    std::optional<bool> strict;         ///< OpenAI structured outputs for arguments; unset = not sent.

    friend bool operator==(ToolDefinition const&, ToolDefinition const&) = default;
};

/// Whether and which tools the model must call.
struct ToolChoice {
    enum class Mode { automatic, none, required, function };

    Mode mode = Mode::automatic;
    std::string function_name; ///< For `Mode::function`.

    static ToolChoice automatic() { return {}; }
    static ToolChoice none() { return {Mode::none, {}}; }
    static ToolChoice required() { return {Mode::required, {}}; }
    static ToolChoice function(std::string name) { return {Mode::function, std::move(name)}; }

    friend bool operator==(ToolChoice const&, ToolChoice const&) = default;
};

/// The shape the answer must have.
struct ResponseFormat {
    enum class Type { text, json_object, json_schema };

    Type type = Type::text;
    std::string name;           ///< json_schema: required by OpenAI (<= 64 chars, [A-Za-z0-9_-]).
    std::string description;    ///< json_schema: not sent when empty.
    boost::json::object schema; ///< json_schema: the JSON Schema.
    std::optional<bool> strict; ///< json_schema: unset = not sent.

    static ResponseFormat text() { return {}; }
    static ResponseFormat json_object() { return {Type::json_object, {}, {}, {}, {}}; }
    static ResponseFormat json_schema(std::string name, boost::json::object schema,
                                      std::optional<bool> strict = std::nullopt)
    {
        return {Type::json_schema, std::move(name), {}, std::move(schema), strict};
    }

    friend bool operator==(ResponseFormat const&, ResponseFormat const&) = default;
};

/// A chat completion request. Every optional field that is unset is not sent, so the server's
/// own default applies. Whether the answer is streamed is chosen by the provider call
/// (`chat` or `chat_stream`), not by a field.
struct ChatRequest {
    std::string model;
    std::vector<Message> messages;

    std::optional<double> temperature;
    std::optional<double> top_p;
    std::optional<std::int64_t> max_tokens;   ///< Upper bound on generated tokens.
    std::vector<std::string> stop;            ///< Stop sequences; empty = not sent.
    std::optional<std::int64_t> seed;
    std::optional<double> presence_penalty;
    std::optional<double> frequency_penalty;

    std::vector<ToolDefinition> tools;        ///< Empty = not sent.
    std::optional<ToolChoice> tool_choice;
    std::optional<bool> parallel_tool_calls;
    std::optional<ResponseFormat> response_format;

    /// Streaming only: ask for a usage report at the end of the stream (`stream_options`).
    /// Unset = the provider's default for that server.
    std::optional<bool> include_usage;
    /// "none", "minimal", "low", "medium", "high" ... as the server understands it.
    std::optional<std::string> reasoning_effort;

    /// Options llmio does not model yet (`top_k`, `min_p`, `logit_bias`, `ttl` ...). Merged into
    /// the wire body last, key by key: a key here replaces whatever llmio put there, and a key
    /// whose value is null removes that key from the body (e.g. `{"max_tokens": nullptr,
    /// "max_completion_tokens": 64}` for OpenAI reasoning models).
    boost::json::object extra;

    friend bool operator==(ChatRequest const&, ChatRequest const&) = default;
};

/// A complete (non-streamed or assembled) chat answer.
struct ChatResponse {
    std::string id;
    std::string model;
    std::string content;   ///< The answer text (empty when the model only called tools).
    std::string reasoning; ///< Reasoning text (`reasoning_content` / `reasoning`), if any.
    std::string refusal;   ///< OpenAI refusal text, if any.
    std::vector<ToolCall> tool_calls;
    FinishReason finish_reason = FinishReason::none;
    std::string finish_reason_raw;   ///< The server's text ("stop", "eos", "" ...).
    std::optional<Usage> usage;
    std::optional<ServerStats> stats;
    /// Oddities llmio repaired while reading the answer (e.g. empty tool arguments replaced by
    /// "{}"), one sentence each. Empty for a well-formed answer.
    std::vector<std::string> warnings;
    /// The response body as received (null for an assembled stream).
    boost::json::value raw;
    /// Served from a response cache (CachingProvider) instead of the server.
    bool cached = false;

    /// The assistant message to append to the conversation for the next turn.
    Message to_message() const;

    friend bool operator==(ChatResponse const&, ChatResponse const&) = default;
};

/// A piece of one tool call inside a stream chunk.
///
/// As received, fields may be empty or missing (servers differ). After
/// `ChatAssembler::apply`, `index` is the call's final position in the response and `id` its
/// final id; `name` is set only on the delta that revealed the name; `arguments` fragments
/// concatenate, per index, to the final arguments.
struct ToolCallDelta {
    std::optional<int> index;
    std::string id;
    std::string name;
    std::string arguments;

    friend bool operator==(ToolCallDelta const&, ToolCallDelta const&) = default;
};

/// One streamed piece of an answer. All text fields are deltas (append them).
struct ChatChunk {
    std::string content;
    std::string reasoning;
    std::string refusal;
    std::vector<ToolCallDelta> tool_calls;
    std::optional<FinishReason> finish_reason; ///< Set on the chunk that finishes the answer.
    std::string finish_reason_raw;
    std::optional<Usage> usage;
    std::optional<ServerStats> stats;
    std::string id;
    std::string model;
    /// Which choice this chunk belongs to (only choice 0 is assembled).
    int choice_index = 0;
    /// The wire chunk had no choice at all (OpenAI's usage trailer `"choices": []`).
    bool no_choice = false;

    friend bool operator==(ChatChunk const&, ChatChunk const&) = default;
};

} // namespace llmio

#endif // LLMIO_CHAT_HPP

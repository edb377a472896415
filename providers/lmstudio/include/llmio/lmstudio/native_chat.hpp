#ifndef LLMIO_LMSTUDIO_NATIVE_CHAT_HPP
#define LLMIO_LMSTUDIO_NATIVE_CHAT_HPP

// LM Studio's own chat endpoint, `POST /api/v1/chat` (LM Studio >= 0.4), and its SSE events.
//
// Unlike /v1/chat/completions it takes one input (plus a system prompt) and keeps the
// conversation on the server (`previous_response_id`), runs server-side tools (MCP plugins),
// and, when streamed, tells how a model load and prompt processing advance:
//
//     chat.start, model_load.start/progress/end, prompt_processing.start/progress/end,
//     reasoning.start/delta/end, tool_call.start/arguments/success/failure,
//     message.start/delta/end, error, chat.end {"result": <the non-streamed body>}
//
// Client-side (function) tools are not supported there; use `chat` (/v1) for those.
// This file is the wire part (no I/O); Provider::native_chat does the I/O.

#include <llmio/chat.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace llmio::lmstudio {

struct NativeChatRequest {
    std::string model;
    std::string input;                  ///< The user's message.
    std::string system_prompt;          ///< Not sent when empty.
    /// Continue a stored conversation (`resp_...` from an earlier ChatResponse::id).
    std::optional<std::string> previous_response_id;
    std::optional<double> temperature;
    std::optional<double> top_p;
    std::optional<int> top_k;
    std::optional<int> max_output_tokens;
    std::optional<int> context_length;  ///< Context length of a model this request JIT-loads.
    std::optional<std::string> reasoning; ///< "off", "low", "medium", "high", "on".
    std::optional<bool> store;          ///< Keep the conversation on the server (default true).
    /// Merged last into the body (integrations, min_p, repeat_penalty, ...); null removes a key.
    boost::json::object extra;
    /// Stream the events (progress callbacks, deadlines that follow a load) or wait for the
    /// whole answer.
    bool stream = true;
};

/// How far a model load or prompt processing has come (`model_load.*`, `prompt_processing.*`).
struct ChatProgress {
    enum class Stage { model_load, prompt_processing };
    enum class Event { start, progress, end };
    Stage stage = Stage::model_load;
    Event event = Event::start;
    double progress = 0;                ///< 0..1; 1 at `end`.
    std::string model_instance_id;      ///< Model loads only.
    std::optional<double> load_time_s;  ///< `model_load.end` only.

    friend bool operator==(ChatProgress const&, ChatProgress const&) = default;
};

/// Called from the awaiting coroutine's executor as events arrive. An exception thrown by a
/// callback closes the stream (LM Studio stops generating) and propagates.
struct NativeChatCallbacks {
    std::function<void(ChatProgress const&)> on_progress;
    /// Message and reasoning deltas (`content` / `reasoning` set), as ChatChunk.
    std::function<void(ChatChunk const&)> on_chunk;
};

/// The request body.
boost::json::object native_chat_body(NativeChatRequest const& request);

/// A non-streamed `/api/v1/chat` body (or the `result` of `chat.end`) as ChatResponse:
/// `message` items joined as `content`, `reasoning` items as `reasoning`, `stats` as
/// ServerStats (with model load time), `response_id` as `id`, `model_instance_id` as `model`,
/// usage from `stats` (input_tokens, total_output_tokens, reasoning_output_tokens),
/// finish_reason stop. Server-side tool calls stay in `raw`. Throws MalformedResponseError.
ChatResponse parse_native_chat_response(boost::json::value body, std::string_view text);

} // namespace llmio::lmstudio

#endif // LLMIO_LMSTUDIO_NATIVE_CHAT_HPP

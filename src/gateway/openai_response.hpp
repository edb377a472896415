#ifndef LLMIO_GATEWAY_OPENAI_RESPONSE_HPP
#define LLMIO_GATEWAY_OPENAI_RESPONSE_HPP

// llmio's answers written in OpenAI's response formats: whole bodies, and SSE chunk events
// written as text straight into a reused buffer (the per-token path builds no JSON DOM).

#include <llmio/chat.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace llmio::gateway {

/// "chatcmpl-..." style ids, unique within the process.
std::string make_response_id(std::string_view prefix);
/// Seconds since the epoch.
std::int64_t unix_now();

/// OpenAI's finish_reason text for `reason` (`raw` for servers' own values), or "" for none.
std::string_view finish_reason_text(FinishReason reason, std::string_view raw);
/// The finish reason as a JSON value: its text, or null for none.
void append_finish_reason(std::string& out, FinishReason reason, std::string_view raw);

/// The `chat.completion` body. `model` is the model as the client named it.
std::string chat_completion_body(ChatResponse const& response, std::string_view id, std::string_view model,
                                 std::int64_t created);

/// `data: {"id":..,"object":..,"created":..,"model":..,"system_fingerprint":null,"choices":[`: what
/// every stream event of one answer starts with.
std::string event_prefix(std::string_view id, std::string_view object, std::string_view model,
                         std::int64_t created);

/// Writes `chat.completion.chunk` events.
class ChatChunkWriter {
public:
    ChatChunkWriter(std::string_view id, std::string_view model, std::int64_t created, bool include_usage);

    /// The first event: the assistant role with empty content.
    void role(std::string& out) const;
    /// One chunk's delta (content, reasoning, refusal, tool-call pieces) and finish reason.
    void chunk(std::string& out, ChatChunk const& chunk) const;
    /// The usage event (`choices: []`).
    void usage(std::string& out, Usage const& usage) const;
    static void done(std::string& out);

private:
    std::string prefix_; // event_prefix()
    bool include_usage_;
};

void append_usage(std::string& out, Usage const& usage);

} // namespace llmio::gateway

#endif

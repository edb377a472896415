#include "openai_response.hpp"

#include "json_text.hpp"

#include <atomic>
#include <chrono>
#include <random>

namespace llmio::gateway {

std::string make_response_id(std::string_view prefix)
{
    // A random start per process and a counter: unique without a lock or a syscall.
    static std::atomic<std::uint64_t> next{std::random_device{}() * 0x9E3779B97F4A7C15ull};
    auto const n = next.fetch_add(1, std::memory_order_relaxed);
    static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string id(prefix);
    id += '-';
    auto value = n * 0xD6E8FEB86659FD93ull;
    for (int i = 0; i < 12; ++i, value /= 36)
        id += digits[value % 36];
    return id;
}

std::int64_t unix_now()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string_view finish_reason_text(FinishReason reason, std::string_view raw)
{
    switch (reason) {
    case FinishReason::none: return {};
    case FinishReason::other: return raw.empty() ? std::string_view("stop") : raw;
    default: return to_string(reason);
    }
}

void append_finish_reason(std::string& out, FinishReason reason, std::string_view raw)
{
    auto const text = finish_reason_text(reason, raw);
    if (text.empty())
        out += "null";
    else
        append_json_string(out, text);
}

void append_usage(std::string& out, Usage const& usage)
{
    out += "{\"prompt_tokens\":";
    append_json_int(out, usage.prompt_tokens);
    out += ",\"completion_tokens\":";
    append_json_int(out, usage.completion_tokens);
    out += ",\"total_tokens\":";
    append_json_int(out, usage.total_tokens);
    if (usage.cached_tokens) {
        out += ",\"prompt_tokens_details\":{\"cached_tokens\":";
        append_json_int(out, *usage.cached_tokens);
        out += '}';
    }
    if (usage.reasoning_tokens) {
        out += ",\"completion_tokens_details\":{\"reasoning_tokens\":";
        append_json_int(out, *usage.reasoning_tokens);
        out += '}';
    }
    out += '}';
}

namespace {

// `{"id":…,"object":…,"created":…,"model":…`: how every answer and chunk object begins.
void append_identity(std::string& out, std::string_view id, std::string_view object, std::int64_t created,
                     std::string_view model)
{
    out += "{\"id\":";
    append_json_string(out, id);
    out += ",\"object\":";
    append_json_string(out, object);
    out += ",\"created\":";
    append_json_int(out, created);
    out += ",\"model\":";
    append_json_string(out, model);
}

} // namespace

// Written as text in OpenAI's key order, as the stream's chunks are: no JSON DOM per answer.
std::string chat_completion_body(ChatResponse const& response, std::string_view id, std::string_view model,
                                 std::int64_t created)
{
    std::string out;
    out.reserve(320 + response.content.size() + response.reasoning.size());
    append_identity(out, id, "chat.completion", created, model);
    out += ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":";
    if (response.content.empty() && !response.tool_calls.empty())
        out += "null";
    else
        append_json_string(out, response.content);
    if (!response.reasoning.empty()) {
        out += ",\"reasoning_content\":";
        append_json_string(out, response.reasoning);
    }
    out += ",\"refusal\":";
    if (response.refusal.empty())
        out += "null";
    else
        append_json_string(out, response.refusal);
    if (!response.tool_calls.empty()) {
        out += ",\"tool_calls\":[";
        for (std::size_t i = 0; i < response.tool_calls.size(); ++i) {
            auto const& call = response.tool_calls[i];
            out += i == 0 ? "{\"id\":" : ",{\"id\":";
            append_json_string(out, call.id);
            out += ",\"type\":\"function\",\"function\":{\"name\":";
            append_json_string(out, call.name);
            out += ",\"arguments\":";
            append_json_string(out, call.arguments);
            out += "}}";
        }
        out += ']';
    }
    out += "},\"logprobs\":null,\"finish_reason\":";
    append_finish_reason(out, response.finish_reason, response.finish_reason_raw);
    out += "}]";
    if (response.usage) {
        out += ",\"usage\":";
        append_usage(out, *response.usage);
    }
    out += '}';
    return out;
}

std::string event_prefix(std::string_view id, std::string_view object, std::string_view model,
                         std::int64_t created)
{
    std::string prefix = "data: ";
    append_identity(prefix, id, object, created, model);
    prefix += ",\"system_fingerprint\":null,\"choices\":[";
    return prefix;
}

ChatChunkWriter::ChatChunkWriter(std::string_view id, std::string_view model, std::int64_t created,
                                 bool include_usage)
    : prefix_(event_prefix(id, "chat.completion.chunk", model, created)), include_usage_(include_usage)
{
}

void ChatChunkWriter::role(std::string& out) const
{
    out += prefix_;
    out += "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]";
    out += include_usage_ ? ",\"usage\":null}\n\n" : "}\n\n";
}

void ChatChunkWriter::chunk(std::string& out, ChatChunk const& chunk) const
{
    out += prefix_;
    out += "{\"index\":";
    append_json_int(out, chunk.choice_index);
    out += ",\"delta\":{";
    bool first = true;
    auto const field = [&](std::string_view name, std::string_view text) {
        if (text.empty())
            return;
        out += first ? "\"" : ",\"";
        first = false;
        out += name;
        out += "\":";
        append_json_string(out, text);
    };
    field("content", chunk.content);
    field("reasoning_content", chunk.reasoning);
    field("refusal", chunk.refusal);
    if (!chunk.tool_calls.empty()) {
        out += first ? "\"tool_calls\":[" : ",\"tool_calls\":[";
        first = false;
        for (std::size_t i = 0; i < chunk.tool_calls.size(); ++i) {
            auto const& call = chunk.tool_calls[i];
            out += i == 0 ? "{\"index\":" : ",{\"index\":";
            append_json_int(out, call.index.value_or(0));
            // The delta that reveals a call names it (with its id); later ones add arguments.
            if (!call.name.empty()) {
                out += ",\"id\":";
                append_json_string(out, call.id);
                out += ",\"type\":\"function\",\"function\":{\"name\":";
                append_json_string(out, call.name);
                out += ",\"arguments\":";
            } else {
                out += ",\"function\":{\"arguments\":";
            }
            append_json_string(out, call.arguments);
            out += "}}";
        }
        out += ']';
    }
    out += "},\"logprobs\":null,\"finish_reason\":";
    append_finish_reason(out, chunk.finish_reason.value_or(FinishReason::none), chunk.finish_reason_raw);
    out += "}]";
    out += include_usage_ ? ",\"usage\":null}\n\n" : "}\n\n";
}

void ChatChunkWriter::usage(std::string& out, Usage const& usage) const
{
    out += prefix_;
    out += "],\"usage\":";
    append_usage(out, usage);
    out += "}\n\n";
}

void ChatChunkWriter::done(std::string& out)
{
    out += "data: [DONE]\n\n";
}

} // namespace llmio::gateway

#include <llmio/lmstudio/native_chat.hpp>

#include <llmio/detail/json_read.hpp>
#include <llmio/error.hpp>
#include <llmio/lmstudio/stats_wire.hpp>

namespace llmio::lmstudio {

namespace json = boost::json;

namespace {

[[noreturn]] void throw_malformed(std::string_view text, std::string detail)
{
    ErrorInfo info;
    info.provider = "lmstudio";
    info.detail = std::move(detail);
    set_raw_body(info, text);
    throw_error(errc::malformed_response, std::move(info));
}

} // namespace

json::object native_chat_body(NativeChatRequest const& request)
{
    json::object body{{"model", request.model}, {"input", request.input}};
    if (!request.system_prompt.empty())
        body["system_prompt"] = request.system_prompt;
    if (request.previous_response_id)
        body["previous_response_id"] = *request.previous_response_id;
    if (request.temperature)
        body["temperature"] = *request.temperature;
    if (request.top_p)
        body["top_p"] = *request.top_p;
    if (request.top_k)
        body["top_k"] = *request.top_k;
    if (request.max_output_tokens)
        body["max_output_tokens"] = *request.max_output_tokens;
    if (request.context_length)
        body["context_length"] = *request.context_length;
    if (request.reasoning)
        body["reasoning"] = *request.reasoning;
    if (request.store)
        body["store"] = *request.store;
    if (request.stream)
        body["stream"] = true;
    for (auto const& [key, value] : request.extra) {
        if (value.is_null())
            body.erase(key);
        else
            body[key] = value;
    }
    return body;
}

ChatResponse parse_native_chat_response(json::value body, std::string_view text)
{
    json::object const* root = body.if_object();
    if (root == nullptr)
        throw_malformed(text, "expected an /api/v1/chat result object");
    llmio::detail::ShapeError err;
    ChatResponse r;
    json::array const* output = llmio::detail::array_field(*root, "output", err);
    if (output == nullptr && !err)
        throw_malformed(text, "the /api/v1/chat result has no output");
    if (output != nullptr) {
        for (json::value const& item : *output) {
            json::object const* o = item.if_object();
            if (o == nullptr) {
                err.expected("", "output", "an array of objects", item, json::error::not_object);
                break;
            }
            auto const type = llmio::detail::string_field(*o, "type", err, "output");
            if (type == "message")
                r.content += llmio::detail::string_field(*o, "content", err, "output");
            else if (type == "reasoning")
                r.reasoning += llmio::detail::string_field(*o, "content", err, "output");
            // tool_call / invalid_tool_call: tools LM Studio ran itself; they stay in `raw`.
        }
    }
    r.model = llmio::detail::string_field(*root, "model_instance_id", err);
    r.id = llmio::detail::string_field(*root, "response_id", err);
    if (json::value const* stats = root->if_contains("stats")) {
        r.stats = read_stats(*stats, err);
        if (json::object const* s = stats->if_object()) {
            auto const input = llmio::detail::integer_field(*s, "input_tokens", err, "stats");
            auto const output_tokens = llmio::detail::integer_field(*s, "total_output_tokens", err, "stats");
            if (input || output_tokens) {
                Usage u;
                u.prompt_tokens = input.value_or(0);
                u.completion_tokens = output_tokens.value_or(0);
                u.total_tokens = u.prompt_tokens + u.completion_tokens;
                u.reasoning_tokens = llmio::detail::integer_field(*s, "reasoning_output_tokens", err, "stats");
                r.usage = u;
            }
        }
    }
    if (err)
        throw_malformed(text, err.message());
    // The endpoint reports no finish reason; a complete result reads as a natural stop.
    r.finish_reason = FinishReason::stop;
    r.raw = std::move(body);
    return r;
}

} // namespace llmio::lmstudio

#include "responses.hpp"

#include <array>
#include <string_view>

namespace llmio::bench {

namespace {

constexpr std::array<std::string_view, 8> words = {"The", " quick", " brown", " fox",
                                                   " jumps", " over", " the", " lazy"};

// Fields as OpenAI sends them on every chunk of one completion.
constexpr std::string_view chunk_prefix =
    R"({"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,)"
    R"("model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[)";

constexpr std::string_view usage_object =
    R"({"prompt_tokens":19,"completion_tokens":%N%,"total_tokens":%T%,"prompt_tokens_details":)"
    R"({"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,)"
    R"("audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}})";

std::string usage_for(std::size_t tokens)
{
    std::string out(usage_object);
    out.replace(out.find("%N%"), 3, std::to_string(tokens));
    out.replace(out.find("%T%"), 3, std::to_string(tokens + 19));
    return out;
}

std::string sse(std::string_view json)
{
    std::string out;
    out.reserve(json.size() + 8);
    out.append("data: ").append(json).append("\n\n");
    return out;
}

} // namespace

std::string_view token_text(std::size_t i) noexcept
{
    return words[i % words.size()];
}

std::string const& chat_completion_body()
{
    static std::string const body =
        R"({"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,)"
        R"("model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant",)"
        R"("content":"Hello! How can I assist you today?","refusal":null,"annotations":[]},)"
        R"("logprobs":null,"finish_reason":"stop"}],"usage":)" +
        usage_for(10) + R"(,"service_tier":"default","system_fingerprint":"fp_06737a9306"})";
    return body;
}

std::string const& models_body()
{
    static std::string const body =
        R"({"object":"list","data":[{"id":"gpt-4o-mini-2024-07-18","object":"model","created":1721172717,)"
        R"("owned_by":"system"},{"id":"bench-model","object":"model","created":1721172717,"owned_by":"system"}]})";
    return body;
}

std::vector<std::string> openai_stream_events(std::size_t tokens, bool include_usage)
{
    std::string const usage_null = include_usage ? R"(,"usage":null)" : "";
    auto chunk = [&](std::string_view choice) {
        std::string json(chunk_prefix);
        json.append(choice).append("]").append(usage_null).append("}");
        return sse(json);
    };
    std::vector<std::string> events;
    events.reserve(tokens + 4);
    events.push_back(chunk(R"({"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null})"));
    for (std::size_t i = 0; i < tokens; ++i) {
        std::string choice = R"({"index":0,"delta":{"content":")";
        choice.append(token_text(i)).append(R"("},"logprobs":null,"finish_reason":null})");
        events.push_back(chunk(choice));
    }
    events.push_back(chunk(R"({"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"})"));
    if (include_usage) {
        std::string json(chunk_prefix);
        json.append("],\"usage\":").append(usage_for(tokens)).append("}");
        events.push_back(sse(json));
    }
    events.push_back("data: [DONE]\n\n");
    return events;
}

std::vector<std::string> ollama_stream_events(std::size_t tokens)
{
    std::vector<std::string> events;
    events.reserve(tokens + 1);
    for (std::size_t i = 0; i < tokens; ++i) {
        std::string line = R"({"model":"llama3.2","created_at":"2024-07-22T20:33:28.123456Z","message":{"role":"assistant","content":")";
        line.append(token_text(i)).append("\"},\"done\":false}\n");
        events.push_back(std::move(line));
    }
    events.push_back(
        R"({"model":"llama3.2","created_at":"2024-07-22T20:33:29.123456Z","message":{"role":"assistant","content":""},)"
        R"("done_reason":"stop","done":true,"total_duration":4883583458,"load_duration":1334875,)"
        R"("prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":)" +
        std::to_string(tokens) + R"(,"eval_duration":4535599000})" + "\n");
    return events;
}

std::string ollama_chat_body(std::size_t tokens)
{
    std::string content;
    for (std::size_t i = 0; i < tokens; ++i)
        content.append(token_text(i));
    return R"({"model":"llama3.2","created_at":"2024-07-22T20:33:29.123456Z","message":{"role":"assistant","content":")" +
           content +
           R"("},"done_reason":"stop","done":true,"total_duration":4883583458,"load_duration":1334875,)"
           R"("prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":)" +
           std::to_string(tokens) + R"(,"eval_duration":4535599000})";
}

} // namespace llmio::bench

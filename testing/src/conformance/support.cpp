#include "case_support.hpp"

#include <boost/json/parse.hpp>

namespace llmio::testing::detail {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

RetryPolicy fast_retries()
{
    RetryPolicy p;
    p.max_retries = 2;
    p.initial_backoff = 5ms;
    p.max_backoff = 20ms;
    return p;
}

ChatRequest prompt(Target const& target, std::string text)
{
    ChatRequest r;
    r.model = target.chat_model;
    r.messages.push_back(Message::user(std::move(text)));
    r.max_tokens = 64;
    return r;
}

ToolDefinition weather_tool()
{
    ToolDefinition t;
    t.name = "get_weather";
    t.description = "Current weather in a city";
    t.parameters = json::parse(R"({"type":"object","properties":{"city":{"type":"string"}},
                                  "required":["city"]})").as_object();
    return t;
}

ToolDefinition time_tool()
{
    ToolDefinition t;
    t.name = "get_time";
    t.description = "Current time in a timezone";
    t.parameters = json::parse(R"({"type":"object","properties":{"tz":{"type":"string"}},
                                  "required":["tz"]})").as_object();
    return t;
}

asio::awaitable<Streamed> stream_all(ModelProvider& p, ChatRequest request)
{
    Streamed out;
    auto stream = co_await p.chat_stream(std::move(request));
    while (auto chunk = co_await stream.next())
        out.chunks.push_back(std::move(*chunk));
    auto const after_end = co_await stream.next();
    out.next_after_end_is_empty = !after_end.has_value();
    out.result = stream.result();
    co_return out;
}

void check_stream_invariants(Streamed const& s)
{
    std::string content;
    int finishes = 0;
    for (std::size_t i = 0; i < s.chunks.size(); ++i) {
        content += s.chunks[i].content;
        if (!s.chunks[i].finish_reason)
            continue;
        ++finishes;
        // Nothing but a usage report may follow the finish.
        for (std::size_t j = i + 1; j < s.chunks.size(); ++j) {
            auto const where = "chunk " + std::to_string(j) + " after the finish (chunk " + std::to_string(i) + ")";
            expect_eq(s.chunks[j].content, "", where + ": content");
            expect_eq(s.chunks[j].tool_calls.size(), 0u, where + ": tool calls");
        }
    }
    expect_eq(finishes, 1, "chunks with a finish reason");
    expect_eq(content, s.result.content, "the deltas joined, against result().content");
    expect(s.next_after_end_is_empty, "next() after the end of the stream returns nothing");
}

void check_usage(std::optional<Usage> const& usage, std::string const& where)
{
    expect(usage.has_value(), where + ": usage is reported");
    expect(usage->prompt_tokens > 0, where + ": usage.prompt_tokens > 0");
    expect(usage->completion_tokens > 0, where + ": usage.completion_tokens > 0");
    expect_eq(usage->total_tokens, usage->prompt_tokens + usage->completion_tokens,
              where + ": usage.total_tokens, the sum of prompt and completion tokens");
}

} // namespace llmio::testing::detail

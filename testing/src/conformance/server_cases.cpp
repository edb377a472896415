// The cases against a server that works: every answer has the right shape and, against an
// emulator (Target::expected_reply), the exact content.

#include "case_support.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <cmath>

namespace llmio::testing::detail {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

void expect_reply(Target const& target, std::string const& content, std::string const& prompt_text,
                  std::string const& what)
{
    if (target.expected_reply)
        expect_eq(content, target.expected_reply(prompt_text), what);
    else
        expect(!content.empty(), what + ": not empty");
}

json::object parse_object(std::string const& text, std::string const& what)
{
    boost::system::error_code ec;
    auto value = json::parse(text, ec);
    expect(!ec, what + " is JSON (" + ec.message() + "): " + text);
    expect(value.is_object(), what + " is a JSON object: " + text);
    return value.as_object();
}

void list_models(Target const& target)
{
    auto models = run<std::vector<ModelInfo>>(target, [](ModelProvider& p) { return p.list_models(); });
    expect(!models.empty(), "list_models() returns at least one model");
    bool found = false;
    for (auto const& m : models)
        found = found || m.id == target.chat_model;
    expect(found, "list_models() includes the chat model \"" + target.chat_model + "\"");
}

void chat(Target const& target)
{
    auto response = run<ChatResponse>(target, [&](ModelProvider& p) {
        return p.chat(prompt(target, "Say hello in five words."));
    });
    expect_reply(target, response.content, "Say hello in five words.", "chat() content");
    expect(response.finish_reason == FinishReason::stop || response.finish_reason == FinishReason::length,
           "chat() finish reason is stop or length, not " + std::string(to_string(response.finish_reason)));
    check_usage(response.usage, "chat()");
}

void stream(Target const& target)
{
    auto request = prompt(target, "Tell me a short story about a lighthouse.");
    request.include_usage = true;
    auto s = run<Streamed>(target, [&](ModelProvider& p) { return stream_all(p, request); });
    expect(s.chunks.size() > 2, "a streamed story comes in more than two chunks, got " +
                                    std::to_string(s.chunks.size()));
    check_stream_invariants(s);
    expect_reply(target, s.result.content, "Tell me a short story about a lighthouse.",
                 "chat_stream() result content");
    check_usage(s.result.usage, "chat_stream()");
}

void stream_callback(Target const& target)
{
    std::string seen;
    auto response = run<ChatResponse>(target, [&](ModelProvider& p) {
        return p.chat_stream(prompt(target, "Count to three."), [&](ChatChunk const& c) { seen += c.content; });
    });
    expect(!seen.empty(), "chat_stream(on_chunk) calls on_chunk with content");
    expect_eq(seen, response.content, "the content given to on_chunk, against the returned content");
}

void check_weather_call(ChatResponse const& r, std::string const& how)
{
    expect_eq(r.finish_reason, FinishReason::tool_calls, how + ": finish reason");
    expect_eq(r.tool_calls.size(), 1u, how + ": number of tool calls");
    expect_eq(r.tool_calls[0].name, "get_weather", how + ": tool name");
    expect(!r.tool_calls[0].id.empty(), how + ": the tool call has an id");
    auto args = parse_object(r.tool_calls[0].arguments, how + ": the arguments");
    expect(args.contains("city"), how + ": the arguments have \"city\": " + r.tool_calls[0].arguments);
}

void tool_call(Target const& target)
{
    auto request = prompt(target, "What is the weather in Paris? Use get_weather.");
    request.tools = {weather_tool()};
    check_weather_call(run<ChatResponse>(target, [&](ModelProvider& p) { return p.chat(request); }), "chat()");
    if (target.features.streaming) {
        auto s = run<Streamed>(target, [&](ModelProvider& p) { return stream_all(p, request); });
        check_weather_call(s.result, "chat_stream()");
    }
}

void check_two_calls(ChatResponse const& r, std::string const& how)
{
    expect_eq(r.tool_calls.size(), 2u, how + ": number of tool calls");
    expect_eq(r.tool_calls[0].name, "get_weather", how + ": first tool name");
    expect_eq(r.tool_calls[1].name, "get_time", how + ": second tool name");
    expect_ne(r.tool_calls[0].id, r.tool_calls[1].id, how + ": the second call's id");
    for (auto const& call : r.tool_calls)
        parse_object(call.arguments, how + ": the arguments of " + call.name);
}

void parallel_tool_calls(Target const& target)
{
    auto request = prompt(target, "Call get_weather for Paris and get_time for Europe/Paris.");
    request.tools = {weather_tool(), time_tool()};
    check_two_calls(run<ChatResponse>(target, [&](ModelProvider& p) { return p.chat(request); }), "chat()");
    if (target.features.streaming) {
        auto s = run<Streamed>(target, [&](ModelProvider& p) { return stream_all(p, request); });
        check_two_calls(s.result, "chat_stream()");
    }
}

void structured_output(Target const& target)
{
    auto request = prompt(target, "Describe a cat as JSON.");
    request.response_format = ResponseFormat::json_schema(
        "cat", json::parse(R"({"type":"object","properties":{"name":{"type":"string"},
                               "age":{"type":"integer"}},"required":["name","age"]})").as_object(),
        true);
    auto response = run<ChatResponse>(target, [&](ModelProvider& p) { return p.chat(request); });
    auto value = parse_object(response.content, "the structured answer");
    expect(value.contains("name") && value.contains("age"),
           "the structured answer has the schema's required \"name\" and \"age\": " + response.content);
    if (!target.server)
        return;
    auto const last = target.server->last_request();
    expect(last.has_value(), "the emulator received the request");
    auto const sent = json::parse(last->body);
    if (target.structured_request_ok) {
        expect(target.structured_request_ok(sent),
               "the request carries the schema in the server's shape: " + last->body);
    } else {
        auto const* format = sent.is_object() ? sent.as_object().if_contains("response_format") : nullptr;
        expect(format && format->is_object() && format->as_object().contains("type") &&
                   format->as_object().at("type") == "json_schema",
               "the request has response_format.type \"json_schema\": " + last->body);
    }
}

void embeddings(Target const& target)
{
    auto embed = [&](std::vector<std::string> inputs) {
        return run<EmbeddingResponse>(target, [&](ModelProvider& p) {
            EmbeddingRequest r;
            r.model = target.embedding_model;
            r.input = inputs;
            return p.embed(r);
        });
    };
    auto batch = embed({"first text", "second text", "third text"});
    expect_eq(batch.embeddings.size(), 3u, "embed() of three inputs: number of vectors");
    expect(!batch.embeddings[0].empty(), "embed(): the vectors are not empty");
    expect_eq(batch.embeddings[1].size(), batch.embeddings[0].size(), "embed(): dimensions of the second vector");
    expect_eq(batch.embeddings[2].size(), batch.embeddings[0].size(), "embed(): dimensions of the third vector");
    // Order: the third input alone gives the third vector of the batch.
    auto single = embed({"third text"});
    expect_eq(single.embeddings.size(), 1u, "embed() of one input: number of vectors");
    expect_eq(single.embeddings[0].size(), batch.embeddings[2].size(), "embed() of one input: dimensions");
    for (std::size_t i = 0; i < single.embeddings[0].size(); ++i)
        expect(std::fabs(single.embeddings[0][i] - batch.embeddings[2][i]) <= 1e-4,
               "the third input alone gives the batch's third vector (in input order), element " +
                   std::to_string(i) + ": " + std::to_string(single.embeddings[0][i]) + " against " +
                   std::to_string(batch.embeddings[2][i]));
}

void completion(Target const& target)
{
    auto response = run<CompletionResponse>(target, [&](ModelProvider& p) {
        CompletionRequest r;
        r.model = target.chat_model;
        r.prompt = std::string("Once upon a time");
        r.max_tokens = 16;
        return p.complete(r);
    });
    expect(!response.choices.empty(), "complete() returns a choice");
    expect(!response.text().empty(), "complete() returns text");
}

struct StreamedCompletion {
    std::string text;             // every chunk's text, in order
    int finishes = 0;             // chunks carrying a finish reason
    bool text_after_finish = false;
    CompletionResponse result;
};

void completion_stream(Target const& target)
{
    CompletionRequest r;
    r.model = target.chat_model;
    r.prompt = std::string("Once upon a time");
    r.max_tokens = 16;
    r.include_usage = true;
    auto s = run<StreamedCompletion>(target, [&](ModelProvider& p) -> asio::awaitable<StreamedCompletion> {
        StreamedCompletion out;
        auto stream = co_await p.complete_stream(r);
        while (auto chunk = co_await stream.next()) {
            expect_eq(chunk->index, 0, "complete_stream() of one prompt: every chunk's choice index");
            out.text_after_finish = out.text_after_finish || (out.finishes > 0 && !chunk->text.empty());
            out.text += chunk->text;
            if (chunk->finish_reason)
                ++out.finishes;
        }
        out.result = stream.result();
        co_return out;
    });
    expect(!s.text.empty(), "complete_stream() delivers text");
    expect_eq(s.finishes, 1, "complete_stream(): chunks carrying a finish reason");
    expect(!s.text_after_finish, "complete_stream(): no text after the finish reason");
    expect_eq(s.result.choices.size(), 1u, "complete_stream() result: choices");
    expect_eq(s.result.text(), s.text, "complete_stream() result text against the chunks' text");
    auto const finish = s.result.choices[0].finish_reason;
    expect(finish == FinishReason::stop || finish == FinishReason::length,
           "complete_stream() finish reason is stop or length, not " + std::string(to_string(finish)));
    check_usage(s.result.usage, "complete_stream()");
    if (target.server) {
        // The emulator answers the same prompt the same way, streamed or not.
        auto whole = run<CompletionResponse>(target, [&](ModelProvider& p) { return p.complete(r); });
        expect_eq(s.text, whole.text(), "complete_stream() text against complete()");
        expect_eq(finish, whole.choices.at(0).finish_reason, "complete_stream() finish reason against complete()");
    }
}

void concurrent_chats(Target const& target)
{
    constexpr int count = 100;
    auto answers = run<std::vector<std::string>>(
        target, [&](ModelProvider& p) -> asio::awaitable<std::vector<std::string>> {
            auto ex = co_await asio::this_coro::executor;
            std::vector<std::string> out(count);
            std::atomic<int> remaining{count};
            asio::steady_timer all_done(ex, std::chrono::steady_clock::time_point::max());
            for (int i = 0; i < count; ++i) {
                asio::co_spawn(ex, p.chat(prompt(target, "request number " + std::to_string(i))),
                               [&, i](std::exception_ptr e, ChatResponse r) {
                                   out[i] = e ? "error" : r.content;
                                   if (--remaining == 0)
                                       all_done.cancel();
                               });
            }
            co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
            co_return out;
        });
    for (int i = 0; i < count; ++i) {
        auto const what = "concurrent chat " + std::to_string(i) + " of " + std::to_string(count);
        expect_ne(answers[i], "error", what);
        expect_reply(target, answers[i], "request number " + std::to_string(i), what);
    }
}

} // namespace

std::vector<Case> server_cases()
{
    Needs streaming;
    streaming.streaming = true;
    Needs tools;
    tools.tools = true;
    Needs structured;
    structured.structured_output = true;
    Needs embedding;
    embedding.embeddings = true;
    Needs completions;
    completions.completions = true;
    Needs streamed_completions = completions;
    streamed_completions.completion_streaming = true;
    return {
        {"list models", Needs{}, list_models},
        {"chat: content, finish reason and usage", Needs{}, chat},
        {"stream: deltas in order, one finish, nothing after, usage adds up", streaming, stream},
        {"stream with a callback gives the same answer as next()", streaming, stream_callback},
        {"tool call, non-streaming and streaming", tools, tool_call},
        {"two parallel tool calls are kept apart", tools, parallel_tool_calls},
        {"structured output is forwarded and honoured", structured, structured_output},
        {"embeddings: one vector per input, equal dimensions, input order", embedding, embeddings},
        {"legacy completion", completions, completion},
        {"streamed completion: text in order, one finish, usage, as complete() answers", streamed_completions,
         completion_stream},
        {"100 concurrent chats on one provider are all correct", Needs{}, concurrent_chats},
    };
}

} // namespace llmio::testing::detail

// The emulators' deterministic replies: text, tokens, budgets, stops, tool calls, structured
// output and reasoning.

#include <llmio/testing/emulators/json_text.hpp>
#include <llmio/testing/emulators/reply_generator.hpp>
#include "support/emulator_fixture.hpp"
#include "support/raw_http_client.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

using namespace llmio::emulators;
using llmio::test::OpenAiEmulatorFixture;
using llmio::test::RawHttpClient;
using llmio::test::chat_body;
using llmio::test::sse_data;
namespace json = boost::json;

namespace {

json::object request(std::string const& text)
{
    return json::parse(text).as_object();
}

std::string joined(std::vector<std::string> const& tokens)
{
    std::string out;
    for (auto const& t : tokens)
        out += t;
    return out;
}

std::string const kTools =
    R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}}},)"
    R"({"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"tz":{"type":"string"}},"required":["tz"]}}}])";

} // namespace

TEST_CASE("replies: text is a fixed function of the last user message", "[emulator]")
{
    auto const r = generate_chat_reply(
        request(R"({"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"first"},)"
                R"({"role":"assistant","content":"ok"},{"role":"user","content":[{"type":"text","text":"Hello"},{"type":"text","text":"again"}]}]})"),
        false);
    CHECK(r.content == "Hello! You said: Hello again");
    CHECK(r.content_tokens == std::vector<std::string>{"Hello!", " You", " said:", " Hello", " again"});
    CHECK(r.finish_reason == "stop");
    CHECK(r.prompt_tokens == 6); // Be brief. first ok Hello again
    CHECK(r.completion_tokens == 5);
    CHECK(r.reasoning.empty());
}

TEST_CASE("replies: tokens concatenate to the text, long words are cut at UTF-8 boundaries", "[emulator]")
{
    std::string const text = "  leading spaces\tand\nnewlines, aVeryLongWordThatExceedsSixteenBytes "
                             "h\xC3\xA9h\xC3\xA9h\xC3\xA9h\xC3\xA9h\xC3\xA9h\xC3\xA9 end  ";
    auto const tokens = split_tokens(text);
    CHECK(joined(tokens) == text);
    for (auto const& t : tokens) {
        CHECK(t.size() <= 16);
        CHECK((static_cast<unsigned char>(t.front()) & 0xC0) != 0x80); // never starts mid-character
    }
    CHECK(split_tokens("") .empty());
    CHECK(count_words("  a b\tc\n") == 3);
    CHECK(joined(split_fragments(R"({"city":"sample city"})", 8)) == R"({"city":"sample city"})");
}

TEST_CASE("replies: max_tokens truncates with finish length, stop sequences cut before the match", "[emulator]")
{
    auto r = generate_chat_reply(request(chat_body("m", "one two three", R"("max_tokens":2)")), false);
    CHECK(r.content == "Hello! You");
    CHECK(r.finish_reason == "length");
    CHECK(r.completion_tokens == 2);

    r = generate_chat_reply(request(chat_body("m", "one two three", R"("max_completion_tokens":3,"max_tokens":1)")), false);
    CHECK(r.content == "Hello! You said:");

    r = generate_chat_reply(request(chat_body("m", "one two three", R"("stop":["two","You s"])")), false);
    CHECK(r.content == "Hello! ");
    CHECK(r.finish_reason == "stop");
    CHECK(r.content_tokens == std::vector<std::string>{"Hello!", " "});

    r = generate_chat_reply(request(chat_body("m", "one two three", R"("stop":"three","max_tokens":4)")), false);
    CHECK(r.content == "Hello! You said: one");
    CHECK(r.finish_reason == "length"); // the budget ran out before the stop text
}

TEST_CASE("replies: tool calls follow the user's mentions, tool_choice and parallel_tool_calls", "[emulator]")
{
    auto r = generate_chat_reply(request(chat_body("m", "time first: get_time, then get_weather", kTools)), false);
    REQUIRE(r.tool_calls.size() == 2);
    CHECK(r.finish_reason == "tool_calls");
    CHECK(r.content.empty());
    CHECK(r.tool_calls[0].name == "get_time");
    CHECK(r.tool_calls[0].arguments == R"({"tz":"sample tz"})");
    CHECK(r.tool_calls[1].name == "get_weather");
    CHECK(r.tool_calls[1].arguments == R"({"city":"sample city"})");
    CHECK(r.tool_calls[0].id.size() == 29);
    CHECK(r.tool_calls[0].id != r.tool_calls[1].id);
    CHECK(r.completion_tokens == r.tool_calls[0].fragments.size() + r.tool_calls[1].fragments.size());

    r = generate_chat_reply(request(chat_body("m", "get_time get_weather", kTools + R"(,"parallel_tool_calls":false)")), false);
    REQUIRE(r.tool_calls.size() == 1);
    CHECK(r.tool_calls[0].name == "get_time");

    r = generate_chat_reply(request(chat_body("m", "what now?", kTools)), false);
    REQUIRE(r.tool_calls.size() == 1);
    CHECK(r.tool_calls[0].name == "get_weather"); // no mention: the first tool

    r = generate_chat_reply(
        request(chat_body("m", "get_weather please", kTools + R"(,"tool_choice":{"type":"function","function":{"name":"get_time"}})")),
        false);
    REQUIRE(r.tool_calls.size() == 1);
    CHECK(r.tool_calls[0].name == "get_time");

    r = generate_chat_reply(request(chat_body("m", "get_weather please", kTools + R"(,"tool_choice":"none")")), false);
    CHECK(r.tool_calls.empty());
    CHECK(r.content == "Hello! You said: get_weather please");
}

TEST_CASE("replies: a tool result produces a final answer quoting it", "[emulator]")
{
    auto const r = generate_chat_reply(
        request(R"({"messages":[{"role":"user","content":"weather and time?"},)"
                R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}},)"
                R"({"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},)"
                R"({"role":"tool","tool_call_id":"call_1","content":"{\"temp_c\":21}"},)"
                R"({"role":"tool","tool_call_id":"call_2","content":"12:00"}],)" +
                kTools + "}"),
        false);
    CHECK(r.tool_calls.empty());
    CHECK(r.finish_reason == "stop");
    CHECK(r.content == R"(get_weather returned {"temp_c":21}. get_time returned 12:00.)");
}

TEST_CASE("replies: JSON Schema instances", "[emulator]")
{
    auto const schema = json::parse(R"({"type":"object","properties":{
        "name":{"type":"string"}, "age":{"type":"integer","minimum":18}, "score":{"type":"number","maximum":1},
        "ok":{"type":"boolean"}, "unit":{"enum":["c","f"]}, "tags":{"type":"array","items":{"type":"string"},"minItems":2},
        "when":{"type":"string","format":"date-time"}, "maybe":{"type":["null","integer"]},
        "nested":{"type":"object","properties":{"x":{"type":"number"},"skip":{"type":"string"}},"required":["x"]},
        "choice":{"anyOf":[{"type":"boolean"},{"type":"string"}]}, "fixed":{"const":42},
        "optional":{"type":"string"}},
        "required":["name","age","score","ok","unit","tags","when","maybe","nested","choice","fixed"]})");
    CHECK(to_json(sample_from_schema(schema)) ==
          R"({"name":"sample name","age":18,"score":1.0,"ok":true,"unit":"c","tags":["sample tags","sample tags"],)"
          R"("when":"2024-01-01T00:00:00Z","maybe":1,"nested":{"x":1.5},"choice":true,"fixed":42})");
    // No `required`: every property.
    CHECK(to_json(sample_from_schema(json::parse(R"({"properties":{"a":{"type":"integer"},"b":{}}})"))) ==
          R"({"a":1,"b":"sample b"})");
}

TEST_CASE("replies: structured output", "[emulator]")
{
    auto r = generate_chat_reply(
        request(chat_body("m", "Hi", R"("response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}}})")),
        false);
    CHECK(r.content == R"({"n":1})");
    r = generate_chat_reply(request(chat_body("m", "Hi", R"("response_format":{"type":"json_object"})")), false);
    CHECK(r.content == R"({"message":"Hello! You said: Hi"})");
    CHECK(json::parse(r.content).is_object());
}

TEST_CASE("replies: reasoning models think first, in reasoning_content", "[emulator]")
{
    auto const r = generate_chat_reply(request(chat_body("m", "Hi", R"("max_tokens":5)")), true);
    CHECK(r.reasoning == "Thinking about: Hi");
    CHECK(r.content == "Hello! You");
    CHECK(r.completion_tokens == 5);
    CHECK(r.finish_reason == "length");

    auto config = OpenAiEmulatorConfig::openai();
    config.models.push_back({"o-reasoner", ""});
    config.models.push_back({"thinker", ""});
    config.reasoning_models = {"thinker"};
    OpenAiEmulatorFixture emu(config);
    RawHttpClient client(emu.port());
    auto reply = client.request("POST", "/v1/chat/completions", chat_body("thinker", "Hi"));
    auto v = json::parse(reply.body);
    CHECK(v.at("choices").at(0).at("message").at("reasoning_content") == "Thinking about: Hi");
    CHECK(v.at("usage").at("completion_tokens_details").at("reasoning_tokens") == 3);
    CHECK(v.at("usage").at("completion_tokens") == 7);

    reply = client.request("POST", "/v1/chat/completions", chat_body("o-reasoner", "Hi", R"("stream":true)"));
    std::string reasoning, content;
    for (auto const& e : sse_data(reply.body)) {
        if (e == "[DONE]")
            continue;
        auto const chunk = json::parse(e);
        auto const& delta = chunk.at("choices").at(0).at("delta").as_object();
        if (auto const* x = delta.if_contains("reasoning_content"))
            reasoning += std::string(x->as_string());
        if (auto const* x = delta.if_contains("content"))
            content += std::string(x->as_string());
    }
    CHECK(reasoning == "Thinking about: Hi");
    CHECK(content == "Hello! You said: Hi");

    reply = client.request("POST", "/v1/chat/completions", chat_body("gpt-4o-mini", "Hi"));
    CHECK_FALSE(json::parse(reply.body).at("choices").at(0).at("message").as_object().contains("reasoning_content"));

    auto off = OpenAiEmulatorConfig::openai();
    off.models.push_back({"o-reasoner", ""});
    off.reasoning = ReasoningStyle::off;
    OpenAiEmulatorFixture plain(off);
    RawHttpClient client2(plain.port());
    reply = client2.request("POST", "/v1/chat/completions", chat_body("o-reasoner", "Hi"));
    CHECK_FALSE(json::parse(reply.body).at("choices").at(0).at("message").as_object().contains("reasoning_content"));
}

TEST_CASE("replies: tool calls on the wire, streamed and not, agree", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    RawHttpClient client(emu.port());
    auto const plain = json::parse(
        client.request("POST", "/v1/chat/completions", chat_body("gpt-4o-mini", "get_weather and get_time", kTools)).body);
    auto const& message = plain.at("choices").at(0).at("message");
    CHECK(plain.at("choices").at(0).at("finish_reason") == "tool_calls");
    CHECK(message.at("content").is_null());
    auto const& calls = message.at("tool_calls").as_array();
    REQUIRE(calls.size() == 2);
    CHECK(to_json(calls[0]) == R"({"id":")" + std::string(calls[0].at("id").as_string()) +
                                   R"(","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"sample city\"}"}})");

    auto const streamed = client.request("POST", "/v1/chat/completions",
                                         chat_body("gpt-4o-mini", "get_weather and get_time", kTools + R"(,"stream":true)"));
    auto const events = sse_data(streamed.body);
    REQUIRE(events.size() >= 3);
    // OpenAI opens with the role and the first call in one delta.
    auto const first = json::parse(events[0]).at("choices").at(0).at("delta");
    CHECK(first.at("role") == "assistant");
    CHECK(first.at("content").is_null());
    CHECK(first.at("tool_calls").at(0).at("id") == calls[0].at("id"));
    std::vector<std::string> args(2);
    for (auto const& e : events) {
        if (e == "[DONE]")
            continue;
        auto const chunk = json::parse(e);
        auto const& delta = chunk.at("choices").at(0).at("delta").as_object();
        if (auto const* tc = delta.if_contains("tool_calls"))
            for (auto const& d : tc->as_array())
                args[static_cast<std::size_t>(d.at("index").as_int64())] +=
                    std::string(d.at("function").at("arguments").as_string());
    }
    CHECK(args[0] == calls[0].at("function").at("arguments").as_string());
    CHECK(args[1] == calls[1].at("function").at("arguments").as_string());
}

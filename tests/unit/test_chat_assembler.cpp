// ChatAssembler: stream chunks in, one response out, whatever the server's tool-call dialect.

#include <llmio/chat_assembler.hpp>
#include <llmio/error.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace llmio;

namespace {

constexpr std::optional<int> no_index = std::nullopt;

ChatChunk calls(std::vector<ToolCallDelta> deltas)
{
    ChatChunk c;
    c.tool_calls = std::move(deltas);
    return c;
}

ChatChunk text(std::string content)
{
    ChatChunk c;
    c.content = std::move(content);
    return c;
}

ChatChunk finish(FinishReason reason, std::string raw)
{
    ChatChunk c;
    c.finish_reason = reason;
    c.finish_reason_raw = std::move(raw);
    return c;
}

struct ToolCase {
    char const* name;
    std::vector<ChatChunk> chunks;
    std::vector<ToolCall> expected;
};

// Every tool-call dialect of docs/protocols.md (OpenAI: tool-call deltas, quirks 1-7), with the
// exact result.
std::vector<ToolCase> tool_cases()
{
    return {
        {"OpenAI: header then fragments, two calls by index",
         {calls({{0, "call_a", "get_weather", ""}}),
          calls({{0, "", "", "{\"city\""}}),
          calls({{1, "call_b", "get_time", ""}}),
          calls({{0, "", "", ":\"Paris\"}"}, {1, "", "", "{\"tz\":\"CET\"}"}}),
          finish(FinishReason::tool_calls, "tool_calls")},
         {{"call_a", "get_weather", "{\"city\":\"Paris\"}"},
          {"call_b", "get_time", "{\"tz\":\"CET\"}"}}},

        {"LM Studio: empty name and id in later deltas mean no change",
         {calls({{0, "287528218", "get_weather", ""}}),
          calls({{0, "", "", "{\""}}),
          calls({{0, "", "", "location"}}),
          calls({{0, "", "", "\":\""}}),
          calls({{0, "", "", "San Francisco"}}),
          calls({{0, "", "", "\"}"}})},
         {{"287528218", "get_weather", "{\"location\":\"San Francisco\"}"}}},

        {"Ollama <0.4.7: no index, whole calls in one chunk",
         {calls({{no_index, "call_x", "f", "{\"a\":1}"}, {no_index, "call_y", "g", "{\"b\":2}"}})},
         {{"call_x", "f", "{\"a\":1}"}, {"call_y", "g", "{\"b\":2}"}}},

        {"No index: later fragments follow their position in the list",
         {calls({{no_index, "call_x", "f", "{"}, {no_index, "call_y", "g", "{"}}),
          calls({{no_index, "", "", "\"x\":1}"}, {no_index, "", "", "\"y\":2}"}})},
         {{"call_x", "f", "{\"x\":1}"}, {"call_y", "g", "{\"y\":2}"}}},

        {"No index and no id: one whole call per chunk is one call each",
         {calls({{no_index, "", "f", "{\"a\":1}"}}), calls({{no_index, "", "g", "{\"b\":2}"}})},
         {{"call_0", "f", "{\"a\":1}"}, {"call_1", "g", "{\"b\":2}"}}},

        {"No index: the same id on every chunk is the same call",
         {calls({{no_index, "call_1", "f", "{\"a\""}}),
          calls({{no_index, "call_1", "f", ":1}"}})},
         {{"call_1", "f", "{\"a\":1}"}}},

        {"Ollama: index 0 for every parallel call, new id starts a new call",
         {calls({{0, "call_a", "f", "{\"a\":1}"}}), calls({{0, "call_b", "g", "{\"b\":2}"}})},
         {{"call_a", "f", "{\"a\":1}"}, {"call_b", "g", "{\"b\":2}"}}},

        {"Index 0 for every call, no ids: a different name starts a new call",
         {calls({{0, "", "f", ""}}),
          calls({{0, "", "", "{\"a\":1}"}}),
          calls({{0, "", "g", ""}}),
          calls({{0, "", "", "{\"b\":2}"}})},
         {{"call_0", "f", "{\"a\":1}"}, {"call_1", "g", "{\"b\":2}"}}},

        {"Index 0, no ids, same name: a new object after complete arguments is a new call",
         {calls({{0, "", "f", "{\"a\":1}"}}), calls({{0, "", "f", "{\"a\":2}"}})},
         {{"call_0", "f", "{\"a\":1}"}, {"call_1", "f", "{\"a\":2}"}}},

        {"Ollama gpt-oss: index but no id gets call_<index>",
         {calls({{0, "", "lookup", "{\"q\":\"x\"}"}}), finish(FinishReason::tool_calls, "tool_calls")},
         {{"call_0", "lookup", "{\"q\":\"x\"}"}}},

        {"An id that arrives after the first delta replaces the generated one",
         {calls({{0, "", "lookup", "{\"q\""}}), calls({{0, "call_late", "", ":1}"}})},
         {{"call_late", "lookup", "{\"q\":1}"}}},

        {"llama.cpp: full name repeated on every delta, arguments start in the first",
         {calls({{0, "", "get_weather", "{\""}}),
          calls({{0, "", "get_weather", "city\":\""}}),
          calls({{0, "", "get_weather", "Paris\"}"}})},
         {{"call_0", "get_weather", "{\"city\":\"Paris\"}"}}},

        {"Proxies: id repeated on every chunk",
         {calls({{0, "call_1", "f", ""}}),
          calls({{0, "call_1", "", "{\"a\""}}),
          calls({{0, "call_1", "", ":1}"}})},
         {{"call_1", "f", "{\"a\":1}"}}},

        {"vLLM: the whole call in one delta",
         {calls({{0, "chatcmpl-tool-9", "search", "{\"q\":\"x\"}"}}),
          finish(FinishReason::tool_calls, "tool_calls")},
         {{"chatcmpl-tool-9", "search", "{\"q\":\"x\"}"}}},

        {"Trailing duplicate full copy of the arguments is ignored",
         {calls({{0, "call_1", "f", "{\"a\""}}),
          calls({{0, "", "", ":1}"}}),
          calls({{0, "call_1", "f", "{\"a\":1}"}})},
         {{"call_1", "f", "{\"a\":1}"}}},

        {"Trailing double-encoded copy of the arguments is ignored",
         {calls({{0, "call_1", "f", "{\"a\":1}"}}), calls({{0, "call_1", "", "\"{\\\"a\\\":1}\""}})},
         {{"call_1", "f", "{\"a\":1}"}}},

        {"A fragment equal to incomplete arguments is appended",
         {calls({{0, "call_1", "f", "["}}), calls({{0, "", "", "["}}), calls({{0, "", "", "]]"}})},
         {{"call_1", "f", "[[]]"}}},

        {"Indexes starting at 1 (and with gaps) map to 0..n-1",
         {calls({{1, "a", "f", "{}"}}), calls({{3, "b", "g", "{}"}}), calls({{1, "", "", ""}})},
         {{"a", "f", "{}"}, {"b", "g", "{}"}}},

        {"Empty ids from a server get call_<index>",
         {calls({{0, "", "f", "{}"}, {1, "", "g", "{}"}})},
         {{"call_0", "f", "{}"}, {"call_1", "g", "{}"}}},

        {"A trailing empty delta adds nothing",
         {calls({{0, "call_1", "f", "{\"a\":1}"}}), calls({{0, "", "", ""}})},
         {{"call_1", "f", "{\"a\":1}"}}},
    };
}

// What a consumer of the normalised chunks sees, per final index.
struct Observed {
    std::string id;
    std::string name;
    std::string arguments;
};

} // namespace

TEST_CASE("assembler joins tool-call deltas of every known dialect", "[assembler]")
{
    for (ToolCase& tc : tool_cases()) {
        SECTION(tc.name)
        {
            ChatAssembler a;
            std::map<int, Observed> seen;
            for (ChatChunk& chunk : tc.chunks) {
                a.apply(chunk);
                for (ToolCallDelta const& d : chunk.tool_calls) {
                    REQUIRE(d.index.has_value());
                    Observed& o = seen[*d.index];
                    CHECK_FALSE(d.id.empty());
                    o.id = d.id;
                    o.name += d.name; // set once, on the delta that revealed it
                    o.arguments += d.arguments;
                }
            }
            ChatResponse r = a.result();
            CHECK(r.tool_calls == tc.expected);
            CHECK(r.warnings.empty());

            // Normalised chunks tell the same story as the result.
            REQUIRE(seen.size() == tc.expected.size());
            for (std::size_t i = 0; i < tc.expected.size(); ++i) {
                Observed const& o = seen[static_cast<int>(i)];
                CHECK(o.id == tc.expected[i].id);
                CHECK(o.name == tc.expected[i].name);
                CHECK(o.arguments == tc.expected[i].arguments);
            }
        }
    }
}

TEST_CASE("assembler rewrites deltas in place with final index and id", "[assembler]")
{
    ChatAssembler a;
    ChatChunk first = calls({{5, "", "get_weather", "{\"c"}});
    a.apply(first);
    CHECK(first.tool_calls[0] == ToolCallDelta{0, "call_0", "get_weather", "{\"c"});

    ChatChunk second = calls({{5, "", "get_weather", "\":1}"}});
    a.apply(second);
    // The repeated name is not repeated to the consumer.
    CHECK(second.tool_calls[0] == ToolCallDelta{0, "call_0", "", "\":1}"});

    ChatChunk dup = calls({{5, "", "", "{\"c\":1}"}});
    a.apply(dup);
    CHECK(dup.tool_calls[0] == ToolCallDelta{0, "call_0", "", ""});
}

TEST_CASE("assembler repairs empty arguments and reports nameless calls", "[assembler]")
{
    ChatAssembler a;
    ChatChunk c = calls({{0, "call_1", "no_args", ""}, {1, "call_2", "", "{}"}});
    a.apply(c);
    ChatChunk f = finish(FinishReason::tool_calls, "tool_calls");
    a.apply(f);
    ChatResponse r = a.result();
    REQUIRE(r.tool_calls.size() == 2);
    CHECK(r.tool_calls[0] == ToolCall{"call_1", "no_args", "{}"});
    CHECK(r.tool_calls[1] == ToolCall{"call_2", "", "{}"});
    CHECK(r.warnings == std::vector<std::string>{
                            "tool call 0 (call_1) had empty arguments; replaced by {}",
                            "tool call 1 (call_2) has no function name"});
}

TEST_CASE("assembler bounds the number of tool calls", "[assembler]")
{
    ChatAssembler a;
    for (std::size_t i = 0; i < ChatAssembler::kMaxToolCalls; ++i) {
        ChatChunk c = calls({{no_index, "id" + std::to_string(i), "f", "{}"}});
        a.apply(c);
    }
    ChatChunk one_more = calls({{no_index, "id-last", "f", "{}"}});
    try {
        a.apply(one_more);
        FAIL("no exception");
    } catch (MalformedResponseError const& e) {
        CHECK(e.code() == errc::body_too_large);
        CHECK(e.info().detail == "more than 1024 tool calls in one answer");
    }
}

TEST_CASE("assembler concatenates content, reasoning and refusal separately", "[assembler]")
{
    ChatAssembler a;
    std::vector<ChatChunk> chunks(4);
    chunks[0].id = "chatcmpl-1";
    chunks[0].model = "m";
    chunks[0].reasoning = "Think";
    chunks[1].reasoning = "ing.";
    chunks[1].id = "chatcmpl-other"; // the first id wins
    chunks[2].content = "Hel";
    chunks[2].refusal = "No";
    chunks[3].content = "lo";
    chunks[3].refusal = "pe";
    for (auto& c : chunks)
        a.apply(c);
    CHECK_FALSE(a.finished());
    ChatResponse r = a.result();
    CHECK(r.id == "chatcmpl-1");
    CHECK(r.model == "m");
    CHECK(r.content == "Hello");
    CHECK(r.reasoning == "Thinking.");
    CHECK(r.refusal == "Nope");
    CHECK(r.finish_reason == FinishReason::none);
    CHECK(r.finish_reason_raw.empty());
    CHECK_FALSE(r.usage.has_value());
    CHECK(r.raw.is_null());
}

TEST_CASE("assembler keeps exactly one finish reason", "[assembler]")
{
    ChatAssembler a;
    ChatChunk t = text("Hi");
    a.apply(t);
    ChatChunk f1 = finish(FinishReason::other, "eos");
    a.apply(f1);
    CHECK(a.finished());
    CHECK(f1.finish_reason == FinishReason::other);
    ChatChunk f2 = finish(FinishReason::stop, "stop");
    a.apply(f2);
    CHECK_FALSE(f2.finish_reason.has_value());
    CHECK(f2.finish_reason_raw.empty());
    ChatResponse r = a.result();
    CHECK(r.finish_reason == FinishReason::other);
    CHECK(r.finish_reason_raw == "eos");
}

TEST_CASE("assembler trusts usage only from the trailer or the final chunk", "[assembler]")
{
    Usage zero{};
    Usage real{9, 2, 11, std::nullopt, std::nullopt};

    SECTION("zeroed usage on every content chunk (Ollama /v1/completions) is dropped")
    {
        ChatAssembler a;
        ChatChunk c = text("a");
        c.usage = zero;
        a.apply(c);
        CHECK_FALSE(c.usage.has_value());
        CHECK_FALSE(a.saw_usage());
        CHECK_FALSE(a.result().usage.has_value());
    }
    SECTION("the choices:[] trailer after the finish chunk")
    {
        ChatAssembler a;
        ChatChunk c = text("a");
        c.usage = zero;
        a.apply(c);
        ChatChunk f = finish(FinishReason::stop, "stop");
        a.apply(f);
        ChatChunk trailer;
        trailer.no_choice = true;
        trailer.usage = real;
        a.apply(trailer);
        CHECK(trailer.usage == real);
        CHECK(a.saw_usage());
        CHECK(a.result().usage == real);
    }
    SECTION("llama.cpp: usage on the chunk carrying the finish reason")
    {
        ChatAssembler a;
        ChatChunk f = finish(FinishReason::length, "length");
        f.usage = real;
        a.apply(f);
        CHECK(a.saw_usage());
        CHECK(a.result().usage == real);
    }
    SECTION("a later trusted report replaces an earlier one")
    {
        ChatAssembler a;
        ChatChunk f = finish(FinishReason::stop, "stop");
        f.usage = zero;
        a.apply(f);
        ChatChunk trailer;
        trailer.no_choice = true;
        trailer.usage = real;
        a.apply(trailer);
        CHECK(a.result().usage == real);
    }
}

TEST_CASE("assembler keeps the latest server stats and ignores other choices", "[assembler]")
{
    ChatAssembler a;
    ChatChunk s1 = text("x");
    s1.stats = ServerStats{};
    s1.stats->predicted_tokens = 1;
    a.apply(s1);
    ChatChunk s2 = text("y");
    s2.stats = ServerStats{};
    s2.stats->predicted_tokens = 2;
    a.apply(s2);
    ChatChunk other = text("from choice 1");
    other.choice_index = 1;
    other.tool_calls = {{0, "c", "f", "{}"}};
    a.apply(other);
    CHECK(other.tool_calls[0] == ToolCallDelta{0, "c", "f", "{}"}); // untouched

    ChatResponse r = a.take();
    CHECK(r.content == "xy");
    CHECK(r.tool_calls.empty());
    REQUIRE(r.stats.has_value());
    CHECK(r.stats->predicted_tokens == 2);

    // take() starts over.
    CHECK(a.result().content.empty());
    CHECK_FALSE(a.finished());
}

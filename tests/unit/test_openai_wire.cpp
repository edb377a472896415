// OpenAI wire mapping: request bodies, response and chunk parsing, every tolerated quirk and
// every rejected shape.

#include <llmio/error.hpp>
#include <llmio/openai/wire.hpp>

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace llmio;
namespace json = boost::json;

namespace {

json::object object(char const* text)
{
    return json::parse(text).as_object();
}

ChatRequest basic()
{
    ChatRequest r;
    r.model = "m";
    r.messages = {Message::user("Hi")};
    return r;
}

struct BodyCase {
    char const* name;
    std::function<ChatRequest()> make;
    bool stream;
    bool include_usage_default;
    char const* expected;
};

// Runs `f`, expecting a MalformedResponseError with this detail and the offending bytes.
template <class F>
void expect_malformed(F&& f, std::string const& input, std::string const& detail)
{
    try {
        f();
        FAIL("no exception for: " << input);
    } catch (MalformedResponseError const& e) {
        CHECK(e.code() == errc::malformed_response);
        CHECK(e.info().detail == detail);
        CHECK(e.raw_body() == input.substr(0, ErrorInfo::kMaxRawBody));
    }
}

ChatChunk chunk_of(openai::ChunkResult r)
{
    REQUIRE(std::holds_alternative<ChatChunk>(r));
    return std::get<ChatChunk>(std::move(r));
}

} // namespace

TEST_CASE("chat request bodies", "[openai-wire]")
{
    std::vector<BodyCase> const cases = {
        {"minimal: unset fields are not sent", basic, false, true,
         R"({"model":"m","messages":[{"role":"user","content":"Hi"}]})"},

        {"no model: not sent (llama.cpp serves its one model)",
         [] {
             ChatRequest r = basic();
             r.model.clear();
             return r;
         },
         false, false, R"({"messages":[{"role":"user","content":"Hi"}]})"},

        {"every sampling field",
         [] {
             ChatRequest r = basic();
             r.temperature = 0.5;
             r.top_p = 0.9;
             r.max_tokens = 64;
             r.stop = {"\n", "END"};
             r.seed = 42;
             r.presence_penalty = 0.25;
             r.frequency_penalty = -0.5;
             r.reasoning_effort = "low";
             return r;
         },
         false, false,
         R"({"model":"m","messages":[{"role":"user","content":"Hi"}],"temperature":0.5,
             "top_p":0.9,"max_tokens":64,"stop":["\n","END"],"seed":42,
             "presence_penalty":0.25,"frequency_penalty":-0.5,"reasoning_effort":"low"})"},

        {"streaming with usage by default",
         basic, true, true,
         R"({"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true,
             "stream_options":{"include_usage":true}})"},

        {"streaming without usage by default", basic, true, false,
         R"({"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true})"},

        {"the request's include_usage beats the default",
         [] {
             ChatRequest r = basic();
             r.include_usage = false;
             return r;
         },
         true, true, R"({"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true})"},

        {"include_usage is never sent without streaming",
         [] {
             ChatRequest r = basic();
             r.include_usage = true;
             return r;
         },
         false, true, R"({"model":"m","messages":[{"role":"user","content":"Hi"}]})"},

        {"tools and every tool choice",
         [] {
             ChatRequest r = basic();
             r.tools = {{"get_weather", "Weather for a city",
                         object(R"({"type":"object","properties":{"city":{"type":"string"}}})"),
                         true},
                        {"now", "", {}, std::nullopt}};
             r.tool_choice = ToolChoice::function("get_weather");
             r.parallel_tool_calls = false;
             return r;
         },
         false, false,
         R"({"model":"m","messages":[{"role":"user","content":"Hi"}],
             "tools":[{"type":"function","function":{"name":"get_weather",
                        "description":"Weather for a city",
                        "parameters":{"type":"object","properties":{"city":{"type":"string"}}},
                        "strict":true}},
                      {"type":"function","function":{"name":"now",
                        "parameters":{"type":"object","properties":{}}}}],
             "tool_choice":{"type":"function","function":{"name":"get_weather"}},
             "parallel_tool_calls":false})"},

        {"tool_choice auto",
         [] {
             ChatRequest r = basic();
             r.tool_choice = ToolChoice::automatic();
             return r;
         },
         false, false,
         R"({"model":"m","messages":[{"role":"user","content":"Hi"}],"tool_choice":"auto"})"},

        {"tool_choice none",
         [] {
             ChatRequest r = basic();
             r.tool_choice = ToolChoice::none();
             return r;
         },
         false, false,
         R"({"model":"m","messages":[{"role":"user","content":"Hi"}],"tool_choice":"none"})"},

        {"tool_choice required",
         [] {
             ChatRequest r = basic();
             r.tool_choice = ToolChoice::required();
             return r;
         },
         false, false,
         R"({"model":"m","messages":[{"role":"user","content":"Hi"}],"tool_choice":"required"})"},

        {"response_format text",
         [] {
             ChatRequest r = basic();
             r.response_format = ResponseFormat::text();
             return r;
         },
         false, false,
         R"({"model":"m","messages":[{"role":"user","content":"Hi"}],
             "response_format":{"type":"text"}})"},

        {"response_format json_object",
         [] {
             ChatRequest r = basic();
             r.response_format = ResponseFormat::json_object();
             return r;
         },
         false, false,
         R"({"model":"m","messages":[{"role":"user","content":"Hi"}],
             "response_format":{"type":"json_object"}})"},

        {"response_format json_schema",
         [] {
             ChatRequest r = basic();
             r.response_format = ResponseFormat::json_schema(
                 "answer", object(R"({"type":"object","properties":{"n":{"type":"integer"}}})"),
                 true);
             r.response_format->description = "One number";
             return r;
         },
         false, false,
         R"({"model":"m","messages":[{"role":"user","content":"Hi"}],
             "response_format":{"type":"json_schema","json_schema":{"name":"answer",
               "description":"One number",
               "schema":{"type":"object","properties":{"n":{"type":"integer"}}},
               "strict":true}}})"},

        {"extra is merged last: its keys win, null removes",
         [] {
             ChatRequest r = basic();
             r.max_tokens = 10;
             r.temperature = 1.0;
             r.extra = object(R"({"max_tokens":null,"max_completion_tokens":64,
                                  "temperature":0.1,"top_k":40,"stream":false})");
             return r;
         },
         true, false,
         R"({"model":"m","messages":[{"role":"user","content":"Hi"}],
             "max_completion_tokens":64,"temperature":0.1,"top_k":40,"stream":false})"},

        {"every message shape",
         [] {
             ChatRequest r;
             r.model = "m";
             Message dev = Message::developer("Be brief.");
             Message named = Message::user("Hello");
             named.name = "alice";
             Message parts = Message::user("Look:");
             parts.parts = {ContentPart::image("https://x/cat.png", "low"),
                            ContentPart::from_text("and this"),
                            ContentPart::image("data:image/png;base64,AAAA")};
             Message calls = Message::assistant_tool_calls(
                 {{"call_1", "f", "{\"a\":1}"}, {"call_2", "g", ""}});
             calls.reasoning = "not sent back";
             Message text_and_calls =
                 Message::assistant_tool_calls({{"call_3", "h", "{}"}}, "Let me check.");
             r.messages = {Message::system("sys"),
                           dev,
                           named,
                           parts,
                           calls,
                           Message::tool_result("call_1", "42"),
                           text_and_calls,
                           Message::assistant("")};
             return r;
         },
         false, false,
         R"({"model":"m","messages":[
             {"role":"system","content":"sys"},
             {"role":"developer","content":"Be brief."},
             {"role":"user","content":"Hello","name":"alice"},
             {"role":"user","content":[
                {"type":"text","text":"Look:"},
                {"type":"image_url","image_url":{"url":"https://x/cat.png","detail":"low"}},
                {"type":"text","text":"and this"},
                {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},
             {"role":"assistant","content":null,"tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}},
                {"id":"call_2","type":"function","function":{"name":"g","arguments":"{}"}}]},
             {"role":"tool","content":"42","tool_call_id":"call_1"},
             {"role":"assistant","content":"Let me check.","tool_calls":[
                {"id":"call_3","type":"function","function":{"name":"h","arguments":"{}"}}]},
             {"role":"assistant","content":""}]})"},
    };
    for (BodyCase const& c : cases) {
        SECTION(c.name)
        {
            json::value const body =
                openai::chat_request_body(c.make(), c.stream, c.include_usage_default);
            json::value const expected = json::parse(c.expected);
            INFO(json::serialize(body));
            CHECK(body == expected);
            // The text sent is the same body, key for key, built in a stack arena.
            CHECK(openai::chat_request_text(c.make(), c.stream, c.include_usage_default) ==
                  json::serialize(body));
        }
    }
}

TEST_CASE("chat request text: a body larger than its stack arena is whole", "[openai-wire]")
{
    ChatRequest r = basic();
    std::string long_text;
    for (int i = 0; i < 2000; ++i)
        long_text += "word" + std::to_string(i) + ' ';
    r.messages = {Message::system("sys"), Message::user(long_text), Message::assistant("ok"),
                  Message::user("\"quoted\" and \u00e9")};
    r.extra = object(R"({"top_k":40})");
    auto const text = openai::chat_request_text(r, true, true);
    REQUIRE(text.size() > 8192);
    auto const parsed = json::parse(text);
    CHECK(parsed.at("messages").at(1).at("content").as_string() == long_text);
    CHECK(parsed.at("messages").at(3).at("content").as_string() == "\"quoted\" and \u00e9");
    CHECK(parsed.at("top_k") == 40);
    CHECK(text == json::serialize(openai::chat_request_body(r, true, true)));
}

TEST_CASE("chat response: OpenAI reference shape with usage details", "[openai-wire]")
{
    std::string const body = R"({"id":"chatcmpl-1","object":"chat.completion","created":1741570283,
        "model":"gpt-4o-2024-08-06","system_fingerprint":"fp_1","service_tier":"default",
        "choices":[{"index":0,"finish_reason":"stop","logprobs":null,
          "message":{"role":"assistant","content":"Hi","refusal":null,"tool_calls":null,
                     "annotations":[]}}],
        "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,
          "prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},
          "completion_tokens_details":{"reasoning_tokens":1,"audio_tokens":0,
            "accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}})";
    ChatResponse r = openai::parse_chat_response(body);
    CHECK(r.id == "chatcmpl-1");
    CHECK(r.model == "gpt-4o-2024-08-06");
    CHECK(r.content == "Hi");
    CHECK(r.refusal.empty());
    CHECK(r.tool_calls.empty());
    CHECK(r.finish_reason == FinishReason::stop);
    CHECK(r.finish_reason_raw == "stop");
    CHECK(r.usage == Usage{9, 2, 11, 3, 1});
    CHECK_FALSE(r.stats.has_value());
    CHECK(r.raw == json::parse(body));
    CHECK(r.to_message() == Message::assistant("Hi"));
}

TEST_CASE("chat response: tolerated server quirks", "[openai-wire]")
{
    struct Case {
        char const* name;
        char const* body;
        std::function<void(ChatResponse const&)> check;
    };
    std::vector<Case> const cases = {
        {"nulls everywhere",
         R"({"id":null,"model":null,"choices":[{"index":0,"message":{"role":"assistant",
             "content":null,"refusal":null,"tool_calls":null},"finish_reason":null}],
             "usage":null,"timings":null})",
         [](ChatResponse const& r) {
             CHECK(r.id.empty());
             CHECK(r.content.empty());
             CHECK(r.finish_reason == FinishReason::none);
             CHECK(r.finish_reason_raw.empty());
             CHECK_FALSE(r.usage.has_value());
         }},
        {"missing message and fields",
         R"({"choices":[{}]})",
         [](ChatResponse const& r) {
             CHECK(r.content.empty());
             CHECK(r.finish_reason == FinishReason::none);
         }},
        {"refusal with null content",
         R"({"choices":[{"message":{"content":null,"refusal":"I can't help with that."},
             "finish_reason":"stop"}]})",
         [](ChatResponse const& r) {
             CHECK(r.content.empty());
             CHECK(r.refusal == "I can't help with that.");
         }},
        {"llama.cpp reasoning_content",
         R"({"choices":[{"message":{"content":"4","reasoning_content":"2+2"}}]})",
         [](ChatResponse const& r) { CHECK(r.reasoning == "2+2"); }},
        {"LM Studio gpt-oss reasoning",
         R"({"choices":[{"message":{"content":"4","reasoning":"adding"}}]})",
         [](ChatResponse const& r) { CHECK(r.reasoning == "adding"); }},
        {"both reasoning fields: reasoning_content wins",
         R"({"choices":[{"message":{"reasoning_content":"a","reasoning":"b"}}]})",
         [](ChatResponse const& r) { CHECK(r.reasoning == "a"); }},
        {"unknown finish reasons are kept as other",
         R"({"choices":[{"message":{"content":"x"},"finish_reason":"eos"}]})",
         [](ChatResponse const& r) {
             CHECK(r.finish_reason == FinishReason::other);
             CHECK(r.finish_reason_raw == "eos");
         }},
        {"empty finish reason is other with empty raw text",
         R"({"choices":[{"message":{"content":"x"},"finish_reason":""}]})",
         [](ChatResponse const& r) {
             CHECK(r.finish_reason == FinishReason::other);
             CHECK(r.finish_reason_raw.empty());
         }},
        {"content_filter",
         R"({"choices":[{"message":{"content":null},"finish_reason":"content_filter"}]})",
         [](ChatResponse const& r) { CHECK(r.finish_reason == FinishReason::content_filter); }},
        {"integers written as floats, total missing",
         R"({"choices":[{"message":{"content":"x"}}],
             "usage":{"prompt_tokens":12.0,"completion_tokens":3}})",
         [](ChatResponse const& r) { CHECK(r.usage == Usage{12, 3, 15, {}, {}}); }},
        {"llama.cpp timings become stats",
         R"({"choices":[{"message":{"content":"x"}}],"timings":{"cache_n":4,"prompt_n":55,
             "prompt_ms":1.5,"prompt_per_token_ms":0.02,"prompt_per_second":42372.5,
             "predicted_n":24,"predicted_ms":1375,"predicted_per_second":17454.5}})",
         [](ChatResponse const& r) {
             REQUIRE(r.stats.has_value());
             CHECK(r.stats->tokens_per_second == 17454.5);
             CHECK(r.stats->prompt_tokens_per_second == 42372.5);
             CHECK(r.stats->time_to_first_token_s == 0.0015);
             CHECK(r.stats->generation_time_s == 1.375);
             CHECK(r.stats->prompt_tokens == 55);
             CHECK(r.stats->predicted_tokens == 24);
             CHECK(r.stats->cached_prompt_tokens == 4);
             CHECK_FALSE(r.stats->model_load_time_s.has_value());
         }},
        {"content as an array of parts",
         R"({"choices":[{"message":{"content":[{"type":"text","text":"Hel"},
             {"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"lo"}]}}]})",
         [](ChatResponse const& r) { CHECK(r.content == "Hello"); }},
        {"tool calls: empty id, id inside function, arguments as object, numeric id",
         R"({"choices":[{"message":{"content":null,"tool_calls":[
             {"type":"function","id":"","function":{"name":"a","arguments":"{\"x\":1}"}},
             {"type":"function","function":{"id":"call_in_fn","name":"b","arguments":"{}"}},
             {"id":"c3","type":"function","function":{"name":"c","arguments":{"k":[1,2]}}},
             {"id":287528218,"type":"function","function":{"name":"d","arguments":"{}"}}]},
             "finish_reason":"tool_calls"}]})",
         [](ChatResponse const& r) {
             CHECK(r.tool_calls == std::vector<ToolCall>{{"call_0", "a", "{\"x\":1}"},
                                                         {"call_in_fn", "b", "{}"},
                                                         {"c3", "c", "{\"k\":[1,2]}"},
                                                         {"287528218", "d", "{}"}});
             CHECK(r.finish_reason == FinishReason::tool_calls);
             Message m = r.to_message();
             CHECK(m.role == Role::assistant);
             CHECK(m.tool_calls == r.tool_calls);
         }},
        {"deprecated function_call",
         R"({"choices":[{"message":{"content":null,"function_call":{"name":"f",
             "arguments":"{}"}},"finish_reason":"function_call"}]})",
         [](ChatResponse const& r) {
             CHECK(r.tool_calls == std::vector<ToolCall>{{"call_0", "f", "{}"}});
             CHECK(r.finish_reason == FinishReason::other);
             CHECK(r.finish_reason_raw == "function_call");
         }},
        {"choice 0 is read even when listed second",
         R"({"choices":[{"index":1,"message":{"content":"second"}},
                        {"index":0,"message":{"content":"first"}}]})",
         [](ChatResponse const& r) { CHECK(r.content == "first"); }},
        {"invalid UTF-8 inside a string is kept",
         "{\"choices\":[{\"message\":{\"content\":\"caf\xC3\"}}]}",
         [](ChatResponse const& r) { CHECK(r.content == "caf\xC3"); }},
    };
    for (Case const& c : cases) {
        SECTION(c.name)
        {
            c.check(openai::parse_chat_response(c.body));
        }
    }
}

TEST_CASE("chat response: wrong shapes are MalformedResponseError with the bytes",
          "[openai-wire]")
{
    struct Case {
        std::string body;
        std::string detail;
    };
    std::vector<Case> const cases = {
        {R"({"choices":[)", "invalid JSON: incomplete JSON"},
        {"", "invalid JSON: incomplete JSON"},
        {"<html>502 Bad Gateway</html>", "invalid JSON: syntax error"},
        {R"([{"choices":[]}])", "expected a JSON object, got array"},
        {R"({"id":"x"})", "the response has no choices"},
        {R"({"choices":[]})", "the response has no choices"},
        {R"({"choices":"none"})", "choices: expected an array, got string"},
        {R"({"choices":[1]})", "choices: expected an array of objects, got number"},
        {R"({"choices":[{"message":"hi"}]})", "choices[0].message: expected an object, got string"},
        {R"({"choices":[{"message":{"content":42}}]})",
         "message.content: expected a string, got number"},
        {R"({"choices":[{"message":{"content":"x"},"finish_reason":1}]})",
         "choices[0].finish_reason: expected a string, got number"},
        {R"({"choices":[{"message":{"tool_calls":[{"function":{"name":"f","arguments":5}}]}}]})",
         "message.tool_calls.function.arguments: expected a string, got number"},
        {R"({"choices":[{"message":{}}],"usage":{"prompt_tokens":1.5}})",
         "usage.prompt_tokens: expected an integer, got number"},
        {R"({"choices":[{"message":{}}],"usage":{"prompt_tokens":"9"}})",
         "usage.prompt_tokens: expected an integer, got string"},
        {R"({"choices":[{"message":{}}],"timings":{"predicted_n":true}})",
         "timings.predicted_n: expected an integer, got bool"},
    };
    for (Case const& c : cases)
        expect_malformed([&] { openai::parse_chat_response(c.body); }, c.body, c.detail);

    // The stored body is bounded.
    std::string const huge = "[" + std::string(10000, ' ') + "1]";
    expect_malformed([&] { openai::parse_chat_response(huge); }, huge,
                     "expected a JSON object, got array");
}

TEST_CASE("chunk parser: events of every dialect", "[openai-wire]")
{
    openai::ChunkParser p;

    SECTION("[DONE], with or without surrounding whitespace")
    {
        CHECK(std::holds_alternative<openai::StreamDone>(p.parse("[DONE]")));
        CHECK(std::holds_alternative<openai::StreamDone>(p.parse(" [DONE]\r\n")));
        CHECK(std::holds_alternative<openai::StreamDone>(p.parse_completion("[DONE]")));
    }
    SECTION("OpenAI first chunk: role, empty content, null refusal")
    {
        ChatChunk c = chunk_of(p.parse(
            R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",
                "choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},
                "logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"abc"})"));
        CHECK(c.id == "chatcmpl-1");
        CHECK(c.model == "m");
        CHECK(c.content.empty());
        CHECK_FALSE(c.finish_reason.has_value());
        CHECK_FALSE(c.usage.has_value());
        CHECK_FALSE(c.no_choice);
        CHECK(c.choice_index == 0);
    }
    SECTION("content, reasoning_content, reasoning and refusal deltas")
    {
        CHECK(chunk_of(p.parse(R"({"choices":[{"delta":{"content":"Hel"}}]})")).content == "Hel");
        CHECK(chunk_of(p.parse(R"({"choices":[{"delta":{"reasoning_content":"r1"}}]})"))
                  .reasoning == "r1");
        CHECK(chunk_of(p.parse(R"({"choices":[{"delta":{"reasoning":"r2"}}]})")).reasoning ==
              "r2");
        CHECK(chunk_of(p.parse(R"({"choices":[{"delta":{"refusal":"no"}}]})")).refusal == "no");
    }
    SECTION("tool-call deltas as sent, before normalisation")
    {
        ChatChunk c = chunk_of(p.parse(
            R"({"choices":[{"index":0,"delta":{"tool_calls":[
                {"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":""}},
                {"index":1,"function":{"arguments":"{\"x\""}},
                {"function":{"id":"in_fn","name":"g","arguments":{"y":2}}}]}}]})"));
        CHECK(c.tool_calls == std::vector<ToolCallDelta>{{0, "call_a", "f", ""},
                                                         {1, "", "", "{\"x\""},
                                                         {std::nullopt, "in_fn", "g", "{\"y\":2}"}});
    }
    SECTION("finish reasons: \"\" and null mean not finished")
    {
        CHECK_FALSE(chunk_of(p.parse(R"({"choices":[{"delta":{},"finish_reason":""}]})"))
                        .finish_reason.has_value());
        CHECK_FALSE(chunk_of(p.parse(R"({"choices":[{"delta":{},"finish_reason":null}]})"))
                        .finish_reason.has_value());
        ChatChunk c = chunk_of(p.parse(R"({"choices":[{"delta":{},"finish_reason":"eos"}]})"));
        CHECK(c.finish_reason == FinishReason::other);
        CHECK(c.finish_reason_raw == "eos");
    }
    SECTION("usage trailer with choices: [] and with choices absent")
    {
        ChatChunk c = chunk_of(p.parse(
            R"({"id":"x","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,
                "total_tokens":11}})"));
        CHECK(c.no_choice);
        CHECK(c.usage == Usage{9, 2, 11, {}, {}});
        CHECK(chunk_of(p.parse(R"({"usage":{"prompt_tokens":1}})")).no_choice);
    }
    SECTION("llama.cpp final chunk with usage and timings")
    {
        ChatChunk c = chunk_of(p.parse(
            R"({"choices":[{"finish_reason":"length","index":0,"delta":{}}],"created":1,
                "usage":{"completion_tokens":12,"prompt_tokens":55,"total_tokens":67},
                "timings":{"prompt_n":1,"predicted_n":12,"predicted_per_second":6825.9}})"));
        CHECK(c.finish_reason == FinishReason::length);
        CHECK(c.usage == Usage{55, 12, 67, {}, {}});
        REQUIRE(c.stats.has_value());
        CHECK(c.stats->predicted_tokens == 12);
    }
    SECTION("a chunk of another choice and a chunk with `message` instead of `delta`")
    {
        ChatChunk c = chunk_of(p.parse(R"({"choices":[{"index":1,"delta":{"content":"b"}}]})"));
        CHECK(c.choice_index == 1);
        CHECK(chunk_of(p.parse(R"({"choices":[{"message":{"content":"m"}}]})")).content == "m");
    }
    SECTION("in-band errors are returned, not thrown")
    {
        std::string const lmstudio =
            R"({"error":{"message":"Compute error."},"message":"Compute error."})";
        auto r = p.parse(lmstudio);
        REQUIRE(std::holds_alternative<openai::InBandError>(r));
        CHECK(std::get<openai::InBandError>(r).body == lmstudio); // as received, not re-serialised

        std::string const route =
            R"j({"error":"Unexpected endpoint or method. (POST /chat/completions)"})j";
        auto s = p.parse(route);
        REQUIRE(std::holds_alternative<openai::InBandError>(s));
        CHECK(std::get<openai::InBandError>(s).body == route);

        auto t = p.parse_completion(R"({"error":{"message":"boom"}})");
        CHECK(std::holds_alternative<openai::InBandError>(t));

        // A null error member is not an error.
        CHECK(chunk_of(p.parse(R"({"error":null,"choices":[{"delta":{"content":"ok"}}]})"))
                  .content == "ok");
    }
}

TEST_CASE("chunk parser: bad events are MalformedResponseError with the bytes", "[openai-wire]")
{
    openai::ChunkParser p;
    struct Case {
        std::string data;
        std::string detail;
    };
    std::vector<Case> const cases = {
        {R"({"choices":[{"delta":{"content":"x"})", "invalid JSON in stream event: incomplete JSON"},
        {"", "invalid JSON in stream event: incomplete JSON"},
        {"ping", "invalid JSON in stream event: syntax error"},
        {R"({"a":1} {"b":2})", "invalid JSON in stream event: extra data"},
        {"[1,2]", "expected a JSON object, got array"},
        {R"("text")", "expected a JSON object, got string"},
        {R"({"choices":{}})", "choices: expected an array, got object"},
        {R"({"choices":[{"delta":{"content":7}}]})", "delta.content: expected a string, got number"},
        {R"({"choices":[{"delta":{"tool_calls":[{"index":-1}]}}]})",
         "delta.tool_calls.index: out of range"},
        {R"({"choices":[{"delta":{"tool_calls":[{"index":"0"}]}}]})",
         "delta.tool_calls.index: expected an integer, got string"},
    };
    for (Case const& c : cases)
        expect_malformed([&] { p.parse(c.data); }, c.data, c.detail);

    // The parser is still usable after an error.
    CHECK(chunk_of(p.parse(R"({"choices":[{"delta":{"content":"after"}}]})")).content == "after");
}

TEST_CASE("chunk parser: reuse across events, small and larger than its arena", "[openai-wire]")
{
    openai::ChunkParser p;
    std::string const big(20000, 'x');
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 50; ++i) {
            std::string const text = std::to_string(round) + ":" + std::to_string(i);
            ChatChunk c = chunk_of(p.parse(R"({"choices":[{"delta":{"content":")" + text +
                                           R"("}}]})"));
            CHECK(c.content == text);
        }
        ChatChunk b = chunk_of(p.parse(R"({"choices":[{"delta":{"content":")" + big + R"("}}]})"));
        CHECK(b.content == big);
        auto e = p.parse(R"({"error":{"message":")" + big + R"("}})");
        REQUIRE(std::holds_alternative<openai::InBandError>(e));
        // The error body is a copy of the event, not a view into the arena: it survives later
        // events.
        ChatChunk next = chunk_of(p.parse(R"({"choices":[{"delta":{"content":"n"}}]})"));
        CHECK(next.content == "n");
        CHECK(std::get<openai::InBandError>(e).body == R"({"error":{"message":")" + big + R"("}})");
    }
}

TEST_CASE("completion request bodies", "[openai-wire]")
{
    CompletionRequest r;
    r.model = "m";
    r.prompt = "Once upon a time";
    CHECK(json::value(openai::completion_request_body(r, false, true)) ==
          json::parse(R"({"model":"m","prompt":"Once upon a time"})"));

    r.prompt = std::vector<std::string>{"Once upon", "a time"};
    r.suffix = "The end.";
    r.max_tokens = 16;
    r.temperature = 0.0;
    r.top_p = 1.0;
    r.n = 2;
    r.best_of = 3;
    r.logprobs = 5;
    r.echo = true;
    r.stop = {"\n"};
    r.presence_penalty = 0.5;
    r.frequency_penalty = 0.25;
    r.logit_bias = {{50256, -100.0}, {13, 2.5}};
    r.seed = 7;
    r.user = "u-1";
    r.extra = object(R"({"top_k":20})");
    CHECK(json::value(openai::completion_request_body(r, true, true)) ==
          json::parse(R"({"model":"m","prompt":["Once upon","a time"],"suffix":"The end.",
                "max_tokens":16,"temperature":0.0,"top_p":1.0,"n":2,"best_of":3,"logprobs":5,
                "echo":true,"stop":["\n"],"presence_penalty":0.5,"frequency_penalty":0.25,
                "logit_bias":{"13":2.5,"50256":-100.0},"seed":7,"user":"u-1","top_k":20,
                "stream":true,"stream_options":{"include_usage":true}})"));
}

TEST_CASE("completion responses and chunks", "[openai-wire]")
{
    CompletionResponse r = openai::parse_completion_response(
        R"({"id":"cmpl-1","object":"text_completion","model":"m","choices":[
            {"text":"b","index":1,"logprobs":null,"finish_reason":"stop"},
            {"text":"a","index":0,"logprobs":{"tokens":["a"]},"finish_reason":"length"}],
            "usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})");
    REQUIRE(r.choices.size() == 2);
    CHECK(r.choices[0].index == 0);
    CHECK(r.choices[0].text == "a");
    CHECK(r.choices[0].finish_reason == FinishReason::length);
    CHECK(r.choices[0].logprobs == json::parse(R"({"tokens":["a"]})"));
    CHECK(r.choices[1].text == "b");
    CHECK(r.text() == "a");
    CHECK(r.usage == Usage{3, 2, 5, {}, {}});

    expect_malformed([] { openai::parse_completion_response(R"({"choices":[]})"); },
                     R"({"choices":[]})", "the response has no choices");
    expect_malformed([] { openai::parse_completion_response("[1]"); }, "[1]",
                     "expected an array of completion objects");
    expect_malformed([] { openai::parse_completion_response(R"({"choices":[{"text":1}]})"); },
                     R"({"choices":[{"text":1}]})",
                     "choices[].text: expected a string, got number");

    openai::ChunkParser p;
    auto c = p.parse_completion(R"({"id":"c","model":"m","object":"text_completion",
        "choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"length"}],
        "usage":{"completion_tokens":8,"prompt_tokens":13,"total_tokens":21}})");
    REQUIRE(std::holds_alternative<CompletionChunk>(c));
    CompletionChunk const& chunk = std::get<CompletionChunk>(c);
    CHECK(chunk.finish_reason == FinishReason::length);
    CHECK(chunk.usage == Usage{13, 8, 21, {}, {}});
    CHECK(chunk.id == "c");
    auto trailer = p.parse_completion(R"({"choices":[],"usage":{"prompt_tokens":1}})");
    CHECK(std::get<CompletionChunk>(trailer).no_choice);
}

TEST_CASE("embedding request bodies", "[openai-wire]")
{
    EmbeddingRequest r;
    r.model = "e";
    r.input = {"hello"};
    CHECK(json::value(openai::embedding_request_body(r)) ==
          json::parse(R"({"model":"e","input":"hello"})"));
    r.input = {"a", "b"};
    r.encoding = EmbeddingEncoding::base64;
    r.dimensions = 32;
    r.user = "u";
    r.extra = object(R"({"truncate":true})");
    CHECK(json::value(openai::embedding_request_body(r)) ==
          json::parse(R"({"model":"e","input":["a","b"],"encoding_format":"base64",
                          "dimensions":32,"user":"u","truncate":true})"));
    r.encoding = EmbeddingEncoding::float32;
    CHECK(openai::embedding_request_body(r).at("encoding_format") == "float");
}

TEST_CASE("embedding responses: input order, base64, validation", "[openai-wire]")
{
    // 1.0f = 00 00 80 3f, -2.5f = 00 00 20 c0, 0.5f = 00 00 00 3f (little-endian).
    EmbeddingResponse r = openai::parse_embedding_response(
        R"({"object":"list","model":"e","data":[
            {"object":"embedding","index":2,"embedding":"AAAAPw=="},
            {"object":"embedding","index":0,"embedding":[1,-2.5]},
            {"object":"embedding","index":1,"embedding":"AACAPwAAIMA="}],
            "usage":{"prompt_tokens":4,"total_tokens":4}})");
    CHECK(r.model == "e");
    CHECK(r.embeddings == std::vector<std::vector<float>>{{1.0f, -2.5f}, {1.0f, -2.5f}, {0.5f}});
    CHECK(r.usage == Usage{4, 0, 4, {}, {}});

    // No index at all: positional.
    CHECK(openai::parse_embedding_response(R"({"data":[{"embedding":[1]},{"embedding":[2]}]})")
              .embeddings == std::vector<std::vector<float>>{{1.0f}, {2.0f}});
    // Unpadded base64 is accepted.
    CHECK(openai::parse_embedding_response(R"({"data":[{"index":0,"embedding":"AAAAPw"}]})")
              .embeddings == std::vector<std::vector<float>>{{0.5f}});

    struct Case {
        std::string body;
        std::string detail;
    };
    std::vector<Case> const cases = {
        {R"({"object":"list"})", "the response has no data array"},
        {R"({"data":{}})", "data: expected an array, got object"},
        {R"({"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[2]}]})",
         "data[1].index: 0 appears twice"},
        {R"({"data":[{"index":0,"embedding":[1]},{"index":2,"embedding":[2]}]})",
         "data[1].index: 2 is outside 0..1"},
        {R"({"data":[{"index":0,"embedding":[1]},{"embedding":[2]}]})",
         "data[1]: some items have an index and some do not"},
        {R"({"data":[{"index":0}]})", "data[0]: no embedding"},
        {R"({"data":[{"index":0,"embedding":["1"]}]})", "data[0].embedding: expected numbers"},
        {R"({"data":[{"index":0,"embedding":{}}]})",
         "data[0].embedding: expected an array or a string"},
        {R"({"data":[{"index":0,"embedding":"AAAA"}]})",
         "data[0].embedding: not base64 of float32 values"}, // 3 bytes
        {R"({"data":[{"index":0,"embedding":"AAA*AAA="}]})",
         "data[0].embedding: not base64 of float32 values"},
        {R"({"data":[{"index":0,"embedding":"A"}]})",
         "data[0].embedding: not base64 of float32 values"},
        {R"({"data":[3]})", "data[0]: expected an object"},
    };
    for (Case const& c : cases)
        expect_malformed([&] { openai::parse_embedding_response(c.body); }, c.body, c.detail);
}

TEST_CASE("model listings of every OpenAI-compatible server", "[openai-wire]")
{
    SECTION("OpenAI")
    {
        auto m = openai::parse_models(R"({"object":"list","data":[
            {"id":"gpt-4o","object":"model","created":1715367049,"owned_by":"system"}]})");
        REQUIRE(m.size() == 1);
        CHECK(m[0].id == "gpt-4o");
        CHECK(m[0].owned_by == "system");
        CHECK(m[0].capabilities == ModelCapabilities{});
        CHECK(m[0].raw.at("created") == 1715367049);
    }
    SECTION("LM Studio: no created")
    {
        auto m = openai::parse_models(R"({"data":[{"id":"qwen2.5-7b-instruct","object":"model",
            "owned_by":"organization_owner"},{"id":"text-embedding-nomic","object":"model",
            "owned_by":"organization_owner"}],"object":"list"})");
        REQUIRE(m.size() == 2);
        CHECK(m[1].id == "text-embedding-nomic");
    }
    SECTION("vLLM: max_model_len is the context length")
    {
        auto m = openai::parse_models(R"({"object":"list","data":[{"id":"Qwen/Qwen2.5-7B",
            "object":"model","created":1,"owned_by":"vllm","root":"Qwen/Qwen2.5-7B",
            "parent":null,"max_model_len":32768,"permission":[]}]})");
        CHECK(m.at(0).capabilities.context_length == 32768);
        CHECK(m.at(0).owned_by == "vllm");
    }
    SECTION("llama.cpp router: status tells whether it is loaded")
    {
        auto m = openai::parse_models(R"({"data":[
            {"id":"a","object":"model","status":{"value":"loaded"}},
            {"id":"b","object":"model","status":{"value":"unloaded"}}]})");
        CHECK(m.at(0).loaded_known);
        CHECK(m.at(0).loaded);
        CHECK(m.at(1).loaded_known);
        CHECK_FALSE(m.at(1).loaded);
    }
    SECTION("wrong shapes")
    {
        expect_malformed([] { openai::parse_models(R"({"object":"list"})"); },
                         R"({"object":"list"})", "the response has no data array");
        expect_malformed([] { openai::parse_models(R"({"data":[{"object":"model"}]})"); },
                         R"({"data":[{"object":"model"}]})", "data[0]: model without an id");
        expect_malformed([] { openai::parse_models(R"({"data":[{"id":"x","meta":[]}]})"); },
                         R"({"data":[{"id":"x","meta":[]}]})",
                         "data[0].meta: expected an object, got array");
    }
}

TEST_CASE("every truncation of valid input is parsed or rejected, never crashes",
          "[openai-wire]")
{
    std::string const chat = R"({"id":"c","model":"m","choices":[{"index":0,"message":{
        "role":"assistant","content":"Hi","reasoning_content":"r","tool_calls":[{"id":"a",
        "type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]},
        "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":1,"completion_tokens":2,
        "total_tokens":3,"prompt_tokens_details":{"cached_tokens":0}},"timings":{"prompt_n":1}})";
    std::string const chunk = R"({"id":"c","choices":[{"index":0,"delta":{"content":"a",
        "tool_calls":[{"index":0,"id":"x","function":{"name":"f","arguments":"{"}}]},
        "finish_reason":null}],"usage":null})";
    std::string const emb = R"({"model":"e","data":[{"index":1,"embedding":"AACAPw=="},
        {"index":0,"embedding":[1.5,2]}],"usage":{"prompt_tokens":2,"total_tokens":2}})";
    std::string const models = R"({"object":"list","data":[{"id":"a","meta":{"n_ctx_train":8}}]})";
    std::string const completion = R"([{"choices":[{"text":"a","index":0,
        "finish_reason":"stop"}]},{"choices":[{"text":"b","index":1,"finish_reason":"length"}]}])";

    openai::ChunkParser p;
    std::size_t parsed = 0;
    std::size_t rejected = 0;
    auto attempt = [&](auto&& f) {
        try {
            f();
            ++parsed;
        } catch (MalformedResponseError const&) {
            ++rejected;
        }
    };
    for (std::string const* text : {&chat, &chunk, &emb, &models, &completion}) {
        for (std::size_t len = 0; len <= text->size(); ++len) {
            std::string_view const cut(text->data(), len);
            attempt([&] { openai::parse_chat_response(cut); });
            attempt([&] { p.parse(cut); });
            attempt([&] { p.parse_completion(cut); });
            attempt([&] { openai::parse_completion_response(cut); });
            attempt([&] { openai::parse_embedding_response(cut); });
            attempt([&] { openai::parse_models(cut); });
        }
    }
    // Anything but MalformedResponseError would have escaped and failed the test.
    CHECK(parsed > 0);
    CHECK(rejected > 0);
    CHECK_NOTHROW(openai::parse_chat_response(chat));
    CHECK_NOTHROW(p.parse(chunk));
    CHECK_NOTHROW(openai::parse_embedding_response(emb));
    CHECK_NOTHROW(openai::parse_models(models));
    CHECK(openai::parse_completion_response(completion).choices.size() == 2);
}

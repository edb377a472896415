// Provider-neutral types: helpers, names, and their neutral JSON form (round trips and
// non-throwing reads of wrong shapes).

#include <llmio/detail/json_read.hpp>
#include <llmio/types.hpp>

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <limits>

using namespace llmio;
namespace json = boost::json;

namespace {

template <class T>
void check_round_trip(T const& original, char const* expected_json)
{
    json::value const v = json::value_from(original);
    INFO(json::serialize(v));
    CHECK(v == json::parse(expected_json));
    auto back = json::try_value_to<T>(v);
    REQUIRE(back.has_value());
    CHECK(*back == original);
}

} // namespace

TEST_CASE("message helpers build the right roles and fields", "[types]")
{
    CHECK(Message::system("s") == Message{Role::system, "s", {}, {}, {}, {}, {}});
    CHECK(Message::developer("d").role == Role::developer);
    CHECK(Message::user("u").content == "u");
    CHECK(Message::assistant("a").role == Role::assistant);
    Message t = Message::tool_result("call_1", "42");
    CHECK(t.role == Role::tool);
    CHECK(t.tool_call_id == "call_1");
    CHECK(t.content == "42");
    Message c = Message::assistant_tool_calls({{"call_1", "f", "{}"}}, "checking");
    CHECK(c.role == Role::assistant);
    CHECK(c.content == "checking");
    CHECK(c.tool_calls == std::vector<ToolCall>{{"call_1", "f", "{}"}});
    CHECK(ContentPart::image("u", "high") ==
          ContentPart{ContentPart::Type::image_url, "", "u", "high"});
    CHECK(ContentPart::from_text("x") == ContentPart{ContentPart::Type::text, "x", "", ""});
}

TEST_CASE("role and finish reason names", "[types]")
{
    for (Role r : {Role::system, Role::developer, Role::user, Role::assistant, Role::tool})
        CHECK(role_from_string(to_string(r)) == r);
    CHECK(to_string(Role::developer) == "developer");
    CHECK_FALSE(role_from_string("function").has_value());

    CHECK(finish_reason_from_string("stop") == FinishReason::stop);
    CHECK(finish_reason_from_string("length") == FinishReason::length);
    CHECK(finish_reason_from_string("tool_calls") == FinishReason::tool_calls);
    CHECK(finish_reason_from_string("content_filter") == FinishReason::content_filter);
    CHECK(finish_reason_from_string("") == FinishReason::other);
    CHECK(finish_reason_from_string("eos") == FinishReason::other);
    CHECK(finish_reason_from_string("none") == FinishReason::other); // never "none" from a server
    CHECK(to_string(FinishReason::none) == "none");
    CHECK(to_string(EmbeddingEncoding::float32) == "float");
    CHECK(to_string(EmbeddingEncoding::base64) == "base64");
}

TEST_CASE("neutral JSON round trips", "[types]")
{
    Message m = Message::user("Look");
    m.parts = {ContentPart::image("https://x/a.png", "low"), ContentPart::from_text("t")};
    m.name = "bob";
    check_round_trip(m, R"({"role":"user","content":"Look","name":"bob","parts":[
        {"type":"image_url","url":"https://x/a.png","detail":"low"},{"type":"text","text":"t"}]})");

    Message a = Message::assistant_tool_calls({{"c1", "f", "{\"a\":1}"}});
    a.reasoning = "why";
    check_round_trip(a, R"({"role":"assistant","content":"","reasoning":"why",
        "tool_calls":[{"id":"c1","name":"f","arguments":"{\"a\":1}"}]})");
    check_round_trip(Message::tool_result("c1", "ok"),
                     R"({"role":"tool","content":"ok","tool_call_id":"c1"})");

    check_round_trip(Usage{9, 2, 11, 3, std::nullopt},
                     R"({"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,
                         "cached_tokens":3})");
    ServerStats s;
    s.tokens_per_second = 50.5;
    s.predicted_tokens = 10;
    check_round_trip(s, R"({"tokens_per_second":50.5,"predicted_tokens":10})");

    ChatRequest r;
    r.model = "m";
    r.messages = {Message::user("hi")};
    r.temperature = 0.5;
    r.max_tokens = 10;
    r.stop = {"x"};
    r.tools = {{"f", "does f", json::parse(R"({"type":"object"})").as_object(), true}};
    r.tool_choice = ToolChoice::function("f");
    r.response_format = ResponseFormat::json_schema("s", json::parse(R"({"type":"object"})").as_object());
    r.include_usage = true;
    r.reasoning_effort = "high";
    r.extra = json::parse(R"({"top_k":5})").as_object();
    check_round_trip(r, R"({"model":"m","messages":[{"role":"user","content":"hi"}],
        "temperature":0.5,"max_tokens":10,"stop":["x"],
        "tools":[{"name":"f","description":"does f","parameters":{"type":"object"},"strict":true}],
        "tool_choice":{"function":"f"},
        "response_format":{"type":"json_schema","name":"s","schema":{"type":"object"}},
        "include_usage":true,"reasoning_effort":"high","extra":{"top_k":5}})");
    check_round_trip(ToolChoice::required(), R"("required")");
    check_round_trip(ToolChoice::automatic(), R"("auto")");
    check_round_trip(ResponseFormat::json_object(), R"({"type":"json_object"})");

    ChatResponse resp;
    resp.id = "x";
    resp.model = "m";
    resp.content = "hi";
    resp.tool_calls = {{"c", "f", "{}"}};
    resp.finish_reason = FinishReason::other;
    resp.finish_reason_raw = "eos";
    resp.usage = Usage{1, 2, 3, {}, {}};
    resp.warnings = {"w"};
    resp.raw = json::parse(R"({"id":"x"})");
    check_round_trip(resp, R"({"id":"x","model":"m","content":"hi",
        "tool_calls":[{"id":"c","name":"f","arguments":"{}"}],"finish_reason":"other",
        "finish_reason_raw":"eos","usage":{"prompt_tokens":1,"completion_tokens":2,
        "total_tokens":3},"warnings":["w"],"raw":{"id":"x"}})");

    ChatChunk chunk;
    chunk.content = "c";
    chunk.tool_calls = {{1, "id", "", "{"}};
    chunk.finish_reason = FinishReason::stop;
    chunk.finish_reason_raw = "stop";
    chunk.choice_index = 2;
    check_round_trip(chunk, R"({"content":"c","tool_calls":[{"index":1,"id":"id","name":"",
        "arguments":"{"}],"finish_reason":"stop","finish_reason_raw":"stop","choice_index":2})");

    ModelInfo info;
    info.id = "qwen";
    info.type = "llm";
    info.size_bytes = 1000;
    info.loaded_known = true;
    info.loaded = false;
    info.capabilities.context_length = 4096;
    info.capabilities.tool_use = true;
    check_round_trip(info, R"({"id":"qwen","type":"llm","size_bytes":1000,"loaded":false,
        "capabilities":{"context_length":4096,"tool_use":true}})");

    CompletionRequest cr;
    cr.model = "m";
    cr.prompt = std::vector<std::string>{"a", "b"};
    cr.logit_bias = {{13, -1.5}};
    cr.echo = true;
    cr.suffix = "s";
    check_round_trip(cr, R"({"model":"m","prompt":["a","b"],"suffix":"s","echo":true,
        "logit_bias":{"13":-1.5}})");

    CompletionResponse cresp;
    cresp.id = "c";
    cresp.choices = {{0, "t", FinishReason::length, "length", nullptr}};
    check_round_trip(cresp, R"({"id":"c","model":"","choices":[{"index":0,"text":"t",
        "finish_reason":"length","finish_reason_raw":"length"}]})");
    CHECK(cresp.text() == "t");
    CHECK(CompletionResponse{}.text().empty());

    EmbeddingRequest er;
    er.model = "e";
    er.input = {"a", "b"};
    er.encoding = EmbeddingEncoding::base64;
    check_round_trip(er, R"({"model":"e","input":["a","b"],"encoding":"base64"})");
    check_round_trip(EmbeddingResponse{"e", {{0.5f, -1.0f}, {2.0f}}, Usage{3, 0, 3, {}, {}}},
                     R"({"model":"e","embeddings":[[0.5,-1.0],[2.0]],
                         "usage":{"prompt_tokens":3,"completion_tokens":0,"total_tokens":3}})");
}

TEST_CASE("neutral JSON reads report wrong shapes as error codes", "[types]")
{
    CHECK(json::try_value_to<Message>(json::parse("[]")).error() == json::error::not_object);
    CHECK(json::try_value_to<Message>(json::parse(R"({"content":"x"})")).error() ==
          json::error::not_found);
    CHECK(json::try_value_to<Message>(json::parse(R"({"role":"wizard"})")).error() ==
          json::error::unknown_name);
    CHECK(json::try_value_to<Message>(json::parse(R"({"role":"user","content":1})")).error() ==
          json::error::not_string);
    CHECK(json::try_value_to<Message>(
              json::parse(R"({"role":"user","tool_calls":[{"id":"a","name":3}]})"))
              .error() == json::error::not_string);
    CHECK(json::try_value_to<Usage>(json::parse(R"({"prompt_tokens":1.5})")).error() ==
          json::error::not_exact);
    CHECK(json::try_value_to<ChatRequest>(json::parse(R"({"temperature":"hot"})")).error() ==
          json::error::not_number);
    CHECK(json::try_value_to<ToolChoice>(json::parse(R"("sometimes")")).error() ==
          json::error::unknown_name);
    CHECK(json::try_value_to<FinishReason>(json::parse(R"("eos")")).error() ==
          json::error::unknown_name);
    CHECK(json::try_value_to<ChatChunk>(json::parse(R"({"tool_calls":[{"index":-3}]})")).error() ==
          json::error::not_exact);
    CHECK(json::try_value_to<EmbeddingResponse>(json::parse(R"({"embeddings":[["x"]]})")).error() ==
          json::error::not_number);
    CHECK(json::try_value_to<ModelInfo>(json::parse(R"({"id":"x","loaded":"yes"})")).error() ==
          json::error::not_bool);
    // Nulls and missing fields are fine.
    auto u = json::try_value_to<Usage>(json::parse(R"({"prompt_tokens":2,"completion_tokens":null})"));
    REQUIRE(u.has_value());
    CHECK(*u == Usage{2, 0, 2, {}, {}});
    // value_to (throwing) works through the same conversion.
    CHECK(json::value_to<Role>(json::value("tool")) == Role::tool);
    CHECK_THROWS_AS(json::value_to<Role>(json::value(1)), boost::system::system_error);
}

TEST_CASE("base64 float32 decoding", "[types]")
{
    std::vector<float> out;
    CHECK(decode_base64_floats("AACAPwAAIMA=", out)); // 1.0f, -2.5f
    CHECK(out == std::vector<float>{1.0f, -2.5f});
    CHECK(decode_base64_floats("AACAPwAAIMA", out)); // unpadded
    CHECK(out == std::vector<float>{1.0f, -2.5f});
    CHECK(decode_base64_floats("", out));
    CHECK(out.empty());
    CHECK_FALSE(decode_base64_floats("AAAA", out));     // 3 bytes
    CHECK(decode_base64_floats("AAAAAA==", out));       // 4 zero bytes
    CHECK(out == std::vector<float>{0.0f});
    CHECK_FALSE(decode_base64_floats("AAAAAAA=", out)); // 5 bytes
    CHECK(decode_base64_floats("AAAAPw==", out));       // 0.5f
    CHECK(out == std::vector<float>{0.5f});
    CHECK_FALSE(decode_base64_floats("AAA-AAA=", out)); // URL alphabet is not base64
    CHECK_FALSE(decode_base64_floats("A", out));
    CHECK_FALSE(decode_base64_floats("AAAAP w==", out));
}

TEST_CASE("json_read helpers: integer quirks and extra merging", "[types]")
{
    using detail::as_integer;
    CHECK(as_integer(json::value(12)) == 12);
    CHECK(as_integer(json::value(12.0)) == 12);
    CHECK(as_integer(json::value(-0.0)) == 0);
    CHECK_FALSE(as_integer(json::value(12.5)).has_value());
    CHECK_FALSE(as_integer(json::value(1e300)).has_value());
    CHECK_FALSE(as_integer(json::value(9223372036854775808.0)).has_value());
    CHECK(as_integer(json::value(std::uint64_t{9223372036854775807ull})) ==
          std::numeric_limits<std::int64_t>::max());
    CHECK_FALSE(as_integer(json::value(std::uint64_t{9223372036854775808ull})).has_value());
    CHECK_FALSE(as_integer(json::value("12")).has_value());

    json::object body = json::parse(R"({"a":1,"b":2})").as_object();
    detail::merge_extra(body, json::parse(R"({"b":null,"c":{"d":3},"a":"x"})").as_object());
    CHECK(body == json::parse(R"({"a":"x","c":{"d":3}})").as_object());

    detail::ShapeError err;
    json::object const o = json::parse(R"({"n":"1","m":true})").as_object();
    CHECK_FALSE(detail::integer_field(o, "n", err, "root").has_value());
    CHECK_FALSE(detail::integer_field(o, "m", err, "root").has_value()); // first error is kept
    CHECK(err.message() == "root.n: expected an integer, got string");
    CHECK(err.code() == json::error::not_number);
}

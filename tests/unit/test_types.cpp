// Provider-neutral types: helpers and names.

#include <llmio/detail/json_read.hpp>
#include <llmio/types.hpp>

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <limits>

using namespace llmio;
namespace json = boost::json;

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

TEST_CASE("completion text is the first choice's", "[types]")
{
    CompletionResponse r;
    r.choices = {{0, "t", FinishReason::length, "length", nullptr}};
    CHECK(r.text() == "t");
    CHECK(CompletionResponse{}.text().empty());
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

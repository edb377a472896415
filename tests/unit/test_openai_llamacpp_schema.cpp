// llama.cpp servers of early 2025 ignore `response_format.json_schema`; for a server identified
// as llama.cpp the schema also goes in llama.cpp's own top-level `json_schema` field.

#include "support/emulator_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/openai/provider.hpp>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

using namespace llmio;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object const& schema()
{
    static json::object const s = json::parse(
        R"({"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]})").as_object();
    return s;
}

// Sends one structured chat (streamed or not) and returns the body the server received.
json::object sent_body(test::OpenAiEmulatorFixture& emulator, std::string server_kind, bool stream)
{
    openai::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    o.server_kind = std::move(server_kind);
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        openai::OpenAICompatibleProvider provider(ex, o);
        ChatRequest r;
        r.model = emulator.dialect->config().models.front().id;
        r.messages.push_back(Message::user("answer in JSON"));
        r.response_format = ResponseFormat::json_schema("answer", schema());
        if (stream) {
            auto s = co_await provider.chat_stream(r);
            while (co_await s.next()) {
            }
        } else {
            co_await provider.chat(r);
        }
    });
    auto const last = emulator.server.last_request();
    REQUIRE(last);
    REQUIRE(last->target == "/v1/chat/completions");
    return json::parse(last->body).as_object();
}

} // namespace

TEST_CASE("llama.cpp identified by its model list gets the schema as top-level json_schema too",
          "[openai][llamacpp][structured]")
{
    test::OpenAiEmulatorFixture emulator(emulators::OpenAiEmulatorConfig::llamacpp());
    for (bool const stream : {false, true}) {
        INFO("stream " << stream);
        auto const body = sent_body(emulator, "", stream);
        REQUIRE(body.contains("json_schema"));
        CHECK(body.at("json_schema") == schema());
        CHECK(body.at("response_format").at("json_schema").at("schema") == schema());
    }
}

TEST_CASE("other servers get the schema in response_format only", "[openai][llamacpp][structured]")
{
    SECTION("identified from the model list")
    {
        test::OpenAiEmulatorFixture emulator;
        auto const body = sent_body(emulator, "", false);
        CHECK_FALSE(body.contains("json_schema"));
        CHECK(body.at("response_format").at("json_schema").at("schema") == schema());
    }
    SECTION("named by server_kind, without asking the server")
    {
        test::OpenAiEmulatorFixture emulator(emulators::OpenAiEmulatorConfig::llamacpp());
        auto const body = sent_body(emulator, "openai", false);
        CHECK_FALSE(body.contains("json_schema"));
        CHECK(emulator.server.requests_served() == 1); // no /v1/models
    }
    SECTION("server_kind llamacpp needs no model list")
    {
        test::OpenAiEmulatorFixture emulator;
        auto const body = sent_body(emulator, "llamacpp", false);
        CHECK(body.at("json_schema") == schema());
        CHECK(emulator.server.requests_served() == 1);
    }
}

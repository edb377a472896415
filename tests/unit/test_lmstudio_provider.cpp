// The LM Studio provider against the LM Studio emulator: inference through /v1 and LM Studio's
// quirks (docs/protocols.md, LM Studio): empty tool-call name repeats, the refused json_object,
// errors with status 200 and inside streams, "No models loaded", context overflow.

#include "support/expect_error.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

using namespace llmio;
using test::expect_error;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

lmstudio::Options options_for(test::LmStudioEmulatorFixture const& emulator)
{
    lmstudio::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    return o;
}

template <class T, class Call>
T run(test::LmStudioEmulatorFixture const& emulator, Call call,
      std::optional<lmstudio::Options> options = std::nullopt)
{
    auto const o = options.value_or(options_for(emulator));
    return test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<T> {
        lmstudio::Provider provider(ex, o);
        co_return co_await call(provider);
    });
}

ChatRequest prompt(std::string model, std::string text)
{
    ChatRequest r;
    r.model = std::move(model);
    r.messages = {Message::user(std::move(text))};
    return r;
}

asio::awaitable<ChatResponse> stream_all(lmstudio::Provider& p, ChatRequest request)
{
    auto stream = co_await p.chat_stream(std::move(request));
    while (co_await stream.next()) {
    }
    co_return stream.result();
}

json::value last_body(test::LmStudioEmulatorFixture const& emulator)
{
    auto const last = emulator.server.last_request();
    REQUIRE(last);
    return json::parse(last->body);
}

constexpr char const* kModel = "qwen2.5-7b-instruct";

} // namespace

TEST_CASE("lmstudio: chat carries the ttl and draft_model defaults", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    auto o = options_for(emulator);
    o.ttl = std::chrono::seconds(300);
    o.draft_model = "qwen2.5-0.5b-instruct";
    auto response = run<ChatResponse>(emulator, [](auto& p) { return p.chat(prompt(kModel, "hi there")); }, o);
    CHECK(response.content == "Hello! You said: hi there");
    CHECK(emulator.server.last_request()->target == "/api/v0/chat/completions"); // for its stats
    auto body = last_body(emulator);
    CHECK(body.at("ttl") == 300);
    CHECK(body.at("draft_model") == "qwen2.5-0.5b-instruct");

    SECTION("a request's own extra wins over the defaults")
    {
        auto request = prompt(kModel, "hi");
        request.extra["ttl"] = 5;
        request.extra["draft_model"] = nullptr;
        run<ChatResponse>(emulator, [&](auto& p) { return p.chat(request); }, o);
        auto sent = last_body(emulator);
        CHECK(sent.at("ttl") == 5);
        CHECK_FALSE(sent.as_object().contains("draft_model"));
    }
    SECTION("embeddings get ttl but not draft_model")
    {
        EmbeddingRequest request;
        request.model = "text-embedding-nomic-embed-text-v1.5";
        request.input = {"a", "b"};
        auto r = run<EmbeddingResponse>(emulator, [&](auto& p) { return p.embed(request); }, o);
        CHECK(r.embeddings.size() == 2);
        auto sent = last_body(emulator);
        CHECK(sent.at("ttl") == 300);
        CHECK_FALSE(sent.as_object().contains("draft_model"));
    }
}

TEST_CASE("lmstudio: json_object is refused before anything is sent", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    auto request = prompt(kModel, "Describe a cat as JSON.");
    request.response_format = ResponseFormat::json_object();
    auto const check = [&](auto call) {
        auto const before = emulator.server.requests_served();
        auto const e = expect_error<InvalidRequestError>([&] { run<ChatResponse>(emulator, call); });
        CHECK(e.code() == errc::unsupported);
        CHECK(e.provider() == "lmstudio");
        CHECK(std::string(e.info().hint).find("json_schema") != std::string::npos);
        CHECK(emulator.server.requests_served() == before);
    };
    check([&](auto& p) { return p.chat(request); });
    check([&](auto& p) { return stream_all(p, request); });
    SECTION("also when json_object comes through extra")
    {
        auto r = prompt(kModel, "x");
        r.extra["response_format"] = json::object{{"type", "json_object"}};
        check([&](auto& p) { return p.chat(r); });
    }
}

TEST_CASE("lmstudio: streamed chats ask for usage and report it", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    auto response = run<ChatResponse>(emulator, [](auto& p) { return stream_all(p, prompt(kModel, "one two")); });
    CHECK(response.content == "Hello! You said: one two");
    CHECK(last_body(emulator).at("stream_options").at("include_usage") == true);
    REQUIRE(response.usage);
    CHECK(response.usage->prompt_tokens == 2);
}

TEST_CASE("lmstudio: reasoning text is kept apart from the answer", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    auto response = run<ChatResponse>(emulator, [](auto& p) { return p.chat(prompt("deepseek-r1-reasoner", "why")); });
    CHECK(response.reasoning == "Thinking about: why");
    CHECK(response.content == "Hello! You said: why");
}

TEST_CASE("lmstudio: a 200 'Unexpected endpoint or method' body is an InvalidRequestError", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    auto o = options_for(emulator);
    o.base_url += "/proxy"; // a wrong base path: every route is unknown to LM Studio
    auto const e = expect_error<InvalidRequestError>(
        [&] { run<std::vector<ModelInfo>>(emulator, [](auto& p) { return p.list_models(); }, o); });
    CHECK(e.http_status() == 200);
    CHECK(e.server_message() == "Unexpected endpoint or method. (GET /proxy/v1/models)");
    CHECK(e.provider() == "lmstudio");
    auto const chat = expect_error<InvalidRequestError>(
        [&] { run<ChatResponse>(emulator, [](auto& p) { return p.chat(prompt(kModel, "x")); }, o); });
    CHECK(chat.server_message() == "Unexpected endpoint or method. (POST /proxy/v1/chat/completions)");
}

TEST_CASE("lmstudio: 'No models loaded' is a ModelNotFoundError with a hint to load one", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    emulator.dialect->set_jit_loading(false);
    auto const e = expect_error<ModelNotFoundError>(
        [&] { run<ChatResponse>(emulator, [](auto& p) { return p.chat(prompt("deepseek-r1-reasoner", "x")); }); });
    CHECK(e.http_status() == 404);
    CHECK(e.server_message().rfind("No models loaded. Please load a model", 0) == 0);
    CHECK(std::string(e.info().hint).find("lms load") != std::string::npos);
    CHECK(std::string(e.info().hint).find("llmio load") != std::string::npos);
}

TEST_CASE("lmstudio: a request JIT-loads a downloaded model", "[lmstudio]")
{
    auto config = emulators::LmStudioEmulatorConfig::defaults();
    config.jit_load_delay = std::chrono::milliseconds(50);
    test::LmStudioEmulatorFixture emulator(config);
    CHECK_FALSE(emulator.dialect->loaded_context_length("deepseek-r1-reasoner"));
    auto r = run<ChatResponse>(emulator, [](auto& p) { return p.chat(prompt("deepseek-r1-reasoner", "x")); });
    CHECK(r.content == "Hello! You said: x");
    CHECK(emulator.dialect->loaded_context_length("deepseek-r1-reasoner") == 4096);
}

TEST_CASE("lmstudio: context overflow reported with status 200 is a ContextLengthError", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator; // qwen is loaded with 4096 tokens (words here)
    std::string text;
    for (int i = 0; i < 5000; ++i)
        text += "word ";
    auto const check = [&](ContextLengthError const& e) {
        CHECK(e.http_status() == 200);
        CHECK(e.server_message().rfind("Trying to keep the first 5000 tokens when context the overflows", 0) == 0);
        CHECK(e.provider() == "lmstudio");
    };
    check(expect_error<ContextLengthError>(
        [&] { run<ChatResponse>(emulator, [&](auto& p) { return p.chat(prompt(kModel, text)); }); }));
    check(expect_error<ContextLengthError>(
        [&] { run<ChatResponse>(emulator, [&](auto& p) { return stream_all(p, prompt(kModel, text)); }); }));
}

TEST_CASE("lmstudio: LM Studio's error event inside a 200 stream is a ServerError", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    std::string const body =
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
        "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
        "data: {\"error\":{\"message\":\"Compute error.\"},\"message\":\"Compute error.\"}\n\n";
    emulator.server.faults().add(
        emulators::Fault::respond(200, body, {{"Content-Type", "text/event-stream"}}).on("/v1/chat/completions"));
    auto const e = expect_error<ServerError>(
        [&] { run<ChatResponse>(emulator, [](auto& p) { return stream_all(p, prompt(kModel, "x")); }); });
    CHECK(e.server_message() == "Compute error.");
    CHECK(e.http_status() == 200);
}

TEST_CASE("lmstudio: empty names and ids in later tool-call deltas change nothing", "[lmstudio]")
{
    auto config = emulators::LmStudioEmulatorConfig::defaults();
    config.tool_quirks.empty_name_and_id_later = true;
    test::LmStudioEmulatorFixture emulator(config);
    auto request = prompt(kModel, "Weather in Paris? Use get_weather.");
    ToolDefinition tool;
    tool.name = "get_weather";
    tool.parameters = json::parse(R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})").as_object();
    request.tools = {tool};
    auto streamed = run<ChatResponse>(emulator, [&](auto& p) { return stream_all(p, request); });
    auto whole = run<ChatResponse>(emulator, [&](auto& p) { return p.chat(request); });
    REQUIRE(streamed.tool_calls.size() == 1);
    CHECK(streamed.tool_calls[0].name == "get_weather");
    CHECK(streamed.tool_calls[0].id == whole.tool_calls.at(0).id);
    CHECK(streamed.tool_calls[0].arguments == whole.tool_calls.at(0).arguments);
    CHECK(streamed.finish_reason == FinishReason::tool_calls);
}

TEST_CASE("lmstudio: info() reads the greeting", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    auto info = run<ServerInfo>(emulator, [](auto& p) { return p.info(); });
    CHECK(info.kind == "lmstudio");
    CHECK(info.version == "0.4.2");
    CHECK(info.model_count == std::size_t{4});
    CHECK_FALSE(info.auth_required);
}

TEST_CASE("lmstudio: the API token is sent as a bearer token", "[lmstudio]")
{
    auto config = emulators::LmStudioEmulatorConfig::defaults();
    config.api_token = "sk-lm-abcdefgh:abcdefghijklmnopqrst";
    test::LmStudioEmulatorFixture emulator(config);
    auto const e = expect_error<AuthenticationError>(
        [&] { run<ChatResponse>(emulator, [](auto& p) { return p.chat(prompt(kModel, "x")); }); });
    CHECK(e.server_message().find("LM Studio API token is required") != std::string::npos);
    auto o = options_for(emulator);
    o.api_key = *config.api_token;
    auto r = run<ChatResponse>(emulator, [](auto& p) { return p.chat(prompt(kModel, "x")); }, o);
    CHECK(r.content == "Hello! You said: x");
    auto info = run<ServerInfo>(emulator, [](auto& p) { return p.info(); });
    CHECK(info.auth_required);
}

TEST_CASE("lmstudio: the former api_token still sends the token", "[lmstudio]")
{
    auto config = emulators::LmStudioEmulatorConfig::defaults();
    config.api_token = "sk-lm-abcdefgh:abcdefghijklmnopqrst";
    test::LmStudioEmulatorFixture emulator(config);
    auto o = options_for(emulator);
    o.api_token = *config.api_token;
    auto r = run<ChatResponse>(emulator, [](auto& p) { return p.chat(prompt(kModel, "x")); }, o);
    CHECK(r.content == "Hello! You said: x");
    // api_key wins over it.
    o.api_key = "sk-lm-wrong:key";
    auto const e = expect_error<AuthenticationError>(
        [&] { run<ChatResponse>(emulator, [](auto& p) { return p.chat(prompt(kModel, "x")); }, o); });
    CHECK(e.code() == errc::authentication_failed);
}

TEST_CASE("lmstudio: a base URL ending in /api/v0 or /api/v1 is the same server", "[lmstudio][endpoint]")
{
    test::LmStudioEmulatorFixture emulator;
    for (std::string prefix : {"/api/v0", "/api/v1/", "/v1"}) {
        INFO("prefix: " << prefix);
        auto o = options_for(emulator);
        o.base_url = emulator.server.base_url() + prefix;
        o.native_stats = false;
        auto r = run<ChatResponse>(emulator, [](auto& p) { return p.chat(prompt(kModel, "x")); }, o);
        CHECK(r.content == "Hello! You said: x");
        CHECK(emulator.server.last_request()->target == "/v1/chat/completions");
    }
}

TEST_CASE("lmstudio: an instance's name is in its errors, as a config file names it", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    auto o = options_for(emulator);
    o.name = "ws";
    auto request = prompt(kModel, "Describe a cat as JSON.");
    request.response_format = ResponseFormat::json_object();
    auto const refused = expect_error<InvalidRequestError>([&] {
        run<ChatResponse>(emulator, [&](auto& p) { return p.chat(request); }, o);
    });
    CHECK(refused.provider() == "ws");
    auto const unknown = expect_error<ModelNotFoundError>([&] {
        run<ChatResponse>(emulator, [&](auto& p) { return p.chat(prompt("no-such-model", "hi")); }, o);
    });
    CHECK(unknown.provider() == "ws");
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        lmstudio::Provider provider(ex, o);
        CHECK(provider.name() == "ws");
        LoadOptions defaults;
        try {
            co_await provider.model_manager()->load("bad\nid", defaults);
            FAIL("no exception");
        } catch (InvalidRequestError const& e) {
            CHECK(e.provider() == "ws"); // an invalid id, refused before anything is sent
        }
    });
}

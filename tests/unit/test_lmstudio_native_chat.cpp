// LM Studio's /api/v1/chat through lmstudio::Provider::native_chat against the emulator: events,
// progress callbacks, deadlines that follow a visibly advancing load, typed error events; and
// the v0 `stats` on ChatResponse.

#include "support/expect_error.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/lmstudio/stats_wire.hpp>
#include <llmio/openai/wire.hpp>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

using namespace llmio;
using test::expect_error;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using lmstudio::ChatProgress;

namespace {

lmstudio::Options options_for(test::LmStudioEmulatorFixture const& emulator)
{
    lmstudio::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    return o;
}

struct Outcome {
    ChatResponse response;
    std::vector<ChatProgress> progress;
    std::string streamed_content;
    std::string streamed_reasoning;
};

Outcome native(test::LmStudioEmulatorFixture const& emulator, lmstudio::NativeChatRequest request,
               std::optional<http::Timeouts> timeouts = std::nullopt,
               std::optional<lmstudio::Options> options = std::nullopt)
{
    auto const o = options.value_or(options_for(emulator));
    return test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<Outcome> {
        lmstudio::Provider provider(ex, o);
        Outcome out;
        lmstudio::NativeChatCallbacks callbacks;
        callbacks.on_progress = [&out](ChatProgress const& p) { out.progress.push_back(p); };
        callbacks.on_chunk = [&out](ChatChunk const& c) {
            out.streamed_content += c.content;
            out.streamed_reasoning += c.reasoning;
        };
        CallOptions call;
        call.timeouts = timeouts;
        out.response = co_await provider.native_chat(request, callbacks, call);
        co_return out;
    });
}

lmstudio::NativeChatRequest ask(std::string model, std::string input, bool stream = true)
{
    lmstudio::NativeChatRequest r;
    r.model = std::move(model);
    r.input = std::move(input);
    r.stream = stream;
    return r;
}

http::Timeouts short_timeouts()
{
    http::Timeouts t;
    t.connect = 2s;
    t.first_byte = 250ms;
    t.idle = 250ms;
    return t;
}

} // namespace

TEST_CASE("lmstudio native chat: the streamed result equals the non-streamed one", "[lmstudio][native_chat]")
{
    test::LmStudioEmulatorFixture emulator;
    auto request = ask("qwen2.5-7b-instruct", "hi there", false);
    request.store = false; // no response id, which differs per request
    auto const plain = native(emulator, request);
    auto const sent_plain = emulator.server.last_request();
    request.stream = true;
    auto const streamed = native(emulator, request);

    CHECK(plain.response.content == "Hello! You said: hi there");
    CHECK(streamed.response == plain.response);
    CHECK(streamed.streamed_content == plain.response.content);
    CHECK(plain.progress.empty());
    REQUIRE(plain.response.stats);
    CHECK(plain.response.stats->tokens_per_second == Approx(29.75));
    CHECK(plain.response.stats->time_to_first_token_s == Approx(1.088));
    CHECK_FALSE(plain.response.stats->model_load_time_s); // the model was loaded already
    REQUIRE(plain.response.usage);
    CHECK(plain.response.usage->completion_tokens == plain.response.stats->predicted_tokens);
    CHECK(plain.response.model == "qwen2.5-7b-instruct");
    REQUIRE(sent_plain);
    CHECK(sent_plain->target == "/api/v1/chat");
    CHECK(sent_plain->body.find("\"input\":\"hi there\"") != std::string::npos);
    // Prompt processing reported progress on the streamed request.
    REQUIRE(streamed.progress.size() == 4);
    CHECK(streamed.progress.front().stage == ChatProgress::Stage::prompt_processing);
    CHECK(streamed.progress.front().event == ChatProgress::Event::start);
    CHECK(streamed.progress.back().event == ChatProgress::Event::end);

    SECTION("stored conversations get a response id")
    {
        auto const stored = native(emulator, ask("qwen2.5-7b-instruct", "again"));
        CHECK(stored.response.id.rfind("resp_", 0) == 0);
    }
}

TEST_CASE("lmstudio native chat: a cold load slower than the timeouts succeeds while it advances",
          "[lmstudio][native_chat]")
{
    auto config = emulators::LmStudioEmulatorConfig::defaults();
    config.jit_load_delay = 600ms; // progress every 100 ms
    config.load_progress_steps = 5;
    test::LmStudioEmulatorFixture emulator(config);
    auto const out = native(emulator, ask("deepseek-r1-reasoner", "think"), short_timeouts());
    CHECK(out.response.content == "Hello! You said: think");
    CHECK_FALSE(out.response.reasoning.empty());
    CHECK(out.streamed_reasoning == out.response.reasoning);
    REQUIRE(out.response.stats);
    CHECK(out.response.stats->model_load_time_s == Approx(0.6));

    std::vector<ChatProgress> loads;
    for (auto const& p : out.progress)
        if (p.stage == ChatProgress::Stage::model_load)
            loads.push_back(p);
    REQUIRE(loads.size() == 7);
    CHECK(loads.front().event == ChatProgress::Event::start);
    CHECK(loads.front().model_instance_id == "deepseek-r1-reasoner");
    for (std::size_t i = 1; i < 6; ++i) {
        CHECK(loads[i].event == ChatProgress::Event::progress);
        CHECK(loads[i].progress == Approx(static_cast<double>(i) / 6.0));
    }
    CHECK(loads.back().event == ChatProgress::Event::end);
    CHECK(loads.back().progress == 1.0);
    REQUIRE(loads.back().load_time_s);
    CHECK(*loads.back().load_time_s == Approx(0.6));
}

TEST_CASE("lmstudio native chat: a load that does not advance times out", "[lmstudio][native_chat]")
{
    // The load takes 4 s, far beyond the 250 ms idle timeout: had the deadline followed the
    // load anyway, the chat would succeed instead of timing out (no wall-clock bound needed).
    auto config = emulators::LmStudioEmulatorConfig::defaults();
    config.jit_load_delay = 4000ms;
    SECTION("silent load")
    {
        config.load_progress_steps = 0;
    }
    SECTION("progress stuck at the same value")
    {
        config.load_progress_steps = 40; // every 100 ms, always 25 %
        config.load_progress_stuck = true;
    }
    test::LmStudioEmulatorFixture emulator(config);
    auto const e = expect_error<TimeoutError>(
        [&] { native(emulator, ask("deepseek-r1-reasoner", "x"), short_timeouts()); });
    CHECK(e.code() == errc::idle_timeout);
}

TEST_CASE("lmstudio native chat: errors are typed", "[lmstudio][native_chat]")
{
    test::LmStudioEmulatorFixture emulator;
    SECTION("an error event inside the 200 stream")
    {
        auto const e = expect_error<ModelNotFoundError>([&] { native(emulator, ask("nope", "x")); });
        CHECK(e.http_status() == 200);
        CHECK(e.server_message() == "Model \"nope\" not found");
        CHECK(e.info().server_type == "model_not_found");
        // An empty model is refused before sending (the server would answer "model" is required).
        auto const served = emulator.server.requests_served();
        auto const missing = expect_error<InvalidRequestError>([&] { native(emulator, ask("", "x")); });
        CHECK(missing.info().detail == "the model id is empty; name a model");
        CHECK(missing.code() == errc::invalid_request);
        CHECK(emulator.server.requests_served() == served);
    }
    SECTION("not streamed: the status")
    {
        auto const e = expect_error<ModelNotFoundError>([&] { native(emulator, ask("nope", "x", false)); });
        CHECK(e.http_status() == 404);
    }
    SECTION("a server without /api/v1")
    {
        auto config = emulators::LmStudioEmulatorConfig::defaults();
        config.version = emulators::LmStudioVersion::v0;
        test::LmStudioEmulatorFixture old(config);
        auto const e = expect_error<InvalidRequestError>([&] { native(old, ask("qwen2.5-7b-instruct", "x")); });
        CHECK(e.code() == errc::unsupported);
    }
}

TEST_CASE("lmstudio: non-streamed chats carry LM Studio's v0 stats", "[lmstudio][stats]")
{
    auto run_chat = [](lmstudio::Options o) {
        return test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
            lmstudio::Provider provider(ex, o);
            ChatRequest r;
            r.model = "qwen2.5-7b-instruct";
            r.messages = {Message::user("hello")};
            co_return co_await provider.chat(r);
        });
    };
    SECTION("0.3.6+: /api/v0/chat/completions")
    {
        test::LmStudioEmulatorFixture emulator;
        auto const r = run_chat(options_for(emulator));
        CHECK(emulator.server.last_request()->target == "/api/v0/chat/completions");
        CHECK(r.content == "Hello! You said: hello");
        REQUIRE(r.stats);
        CHECK(r.stats->tokens_per_second == Approx(51.43));
        CHECK(r.stats->time_to_first_token_s == Approx(0.111));
        CHECK(r.stats->generation_time_s == Approx(0.954));
        CHECK(r.stats->stop_reason == "eosFound");
        CHECK(r.finish_reason == FinishReason::stop);
    }
    SECTION("native_stats off, or before 0.3.6: /v1 without stats")
    {
        test::LmStudioEmulatorFixture emulator;
        auto o = options_for(emulator);
        o.native_stats = false;
        auto const r = run_chat(o);
        CHECK(emulator.server.last_request()->target == "/v1/chat/completions");
        CHECK_FALSE(r.stats);
        auto config = emulators::LmStudioEmulatorConfig::defaults();
        config.version = emulators::LmStudioVersion::openai_only;
        test::LmStudioEmulatorFixture old(config);
        auto const r_old = run_chat(options_for(old));
        CHECK(old.server.last_request()->target == "/v1/chat/completions");
        CHECK_FALSE(r_old.stats);
    }
}

TEST_CASE("LM Studio stats objects become ServerStats", "[lmstudio][stats][openai]")
{
    SECTION("v0 chat (docs/protocols.md LM Studio: /api/v0)")
    {
        std::string const body =
            R"({"id":"chatcmpl-1","object":"chat.completion","created":1731990317,"model":"granite-3.0-2b-instruct",)"
            R"("choices":[{"index":0,"logprobs":null,"finish_reason":"length","message":{"role":"assistant","content":"x"}}],)"
            R"("usage":{"prompt_tokens":24,"completion_tokens":53,"total_tokens":77},)"
            R"("stats":{"tokens_per_second":51.43,"time_to_first_token":0.111,"generation_time":0.954,)"
            R"("stop_reason":"maxPredictedTokensReached"},"model_info":{"arch":"granite"}})";
        // The OpenAI reader knows nothing of LM Studio's `stats`.
        CHECK_FALSE(openai::parse_chat_response(body).stats);
        auto const r = lmstudio::parse_v0_chat_response(body);
        CHECK(r.content == "x");
        CHECK(r.usage->completion_tokens == 53);
        REQUIRE(r.stats);
        ServerStats expected;
        expected.tokens_per_second = 51.43;
        expected.time_to_first_token_s = 0.111;
        expected.generation_time_s = 0.954;
        expected.stop_reason = "maxPredictedTokensReached";
        CHECK(*r.stats == expected);
    }
    SECTION("v1 chat (docs/protocols.md LM Studio: /api/v1)")
    {
        auto const r = lmstudio::parse_native_chat_response(
            boost::json::parse(
                R"({"model_instance_id":"ibm/granite-4-micro","output":[{"type":"reasoning","content":"hm"},)"
                R"({"type":"tool_call","tool":"model_search","arguments":{"limit":1},"output":"[]"},)"
                R"({"type":"message","content":"done"}],)"
                R"("stats":{"input_tokens":646,"total_output_tokens":586,"reasoning_output_tokens":0,)"
                R"("tokens_per_second":29.75,"time_to_first_token_seconds":1.088,"model_load_time_seconds":2.656},)"
                R"("response_id":"resp_4ef0"})"),
            "");
        CHECK(r.content == "done");
        CHECK(r.reasoning == "hm");
        CHECK(r.id == "resp_4ef0");
        CHECK(r.model == "ibm/granite-4-micro");
        REQUIRE(r.stats);
        CHECK(r.stats->model_load_time_s == Approx(2.656));
        CHECK(r.stats->time_to_first_token_s == Approx(1.088));
        CHECK(r.stats->prompt_tokens == 646);
        CHECK(r.stats->predicted_tokens == 586);
        REQUIRE(r.usage);
        CHECK(r.usage->prompt_tokens == 646);
        CHECK(r.usage->completion_tokens == 586);
        CHECK(r.usage->total_tokens == 1232);
        CHECK(r.usage->reasoning_tokens == 0);
    }
    SECTION("v0 completion")
    {
        std::string const body =
            R"({"id":"cmpl-1","object":"text_completion","created":1731990488,"model":"granite-3.0-2b-instruct",)"
            R"("choices":[{"index":0,"text":" a","logprobs":null,"finish_reason":"length"}],)"
            R"("usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14},)"
            R"("stats":{"tokens_per_second":57.69,"time_to_first_token":0.299,"generation_time":0.156,)"
            R"("stop_reason":"maxPredictedTokensReached"}})";
        CHECK_FALSE(openai::parse_completion_response(body).stats);
        auto const r = lmstudio::parse_v0_completion_response(body);
        CHECK(r.text() == " a");
        ServerStats expected;
        expected.tokens_per_second = 57.69;
        expected.time_to_first_token_s = 0.299;
        expected.generation_time_s = 0.156;
        expected.stop_reason = "maxPredictedTokensReached";
        REQUIRE(r.stats);
        CHECK(*r.stats == expected);
    }
    SECTION("a null stats is no stats")
    {
        auto const r = lmstudio::parse_v0_chat_response(R"({"choices":[{"index":0,"message":{"content":"x"}}],"stats":null})");
        CHECK_FALSE(r.stats);
    }
    SECTION("a stats value of the wrong shape is MalformedResponseError")
    {
        std::string const body = R"({"choices":[{"index":0,"message":{"content":"x"}}],"stats":"fast"})";
        auto const e = expect_error<MalformedResponseError>([&] { lmstudio::parse_v0_chat_response(body); });
        CHECK(e.info().provider == "lmstudio");
        CHECK(e.info().detail == "stats: expected an object, got string");
        CHECK(e.info().raw_body == body);
    }
}

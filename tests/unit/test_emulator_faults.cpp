// Every fault-injection knob of the emulator framework does what it says, on the OpenAI dialect
// and on a minimal NDJSON dialect (the framing later dialects such as Ollama use).

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/openai_emulator.hpp>
#include <llmio/testing/emulators/router.hpp>
#include "support/emulator_fixture.hpp"
#include "support/raw_http_client.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <thread>

using namespace llmio::emulators;
using llmio::test::HttpReply;
using llmio::test::OpenAiEmulatorFixture;
using llmio::test::RawHttpClient;
using llmio::test::chat_body;
using llmio::test::sse_data;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kChat = "/v1/chat/completions";

bool is_json(std::string const& text)
{
    boost::system::error_code ec;
    json::parse(text, ec);
    return !ec;
}

/// Streams 9 events for the default text: role, "Hello!", " You", " said:", " one", " two",
/// " three", the finish chunk, [DONE].
std::string stream_body(std::string_view text = "one two three")
{
    return chat_body("gpt-4o-mini", text, R"("stream":true)");
}

auto elapsed_since(std::chrono::steady_clock::time_point t)
{
    return std::chrono::steady_clock::now() - t;
}

/// A minimal dialect streaming NDJSON: GET /count?n=K answers {"n":0} ... {"n":K-1}, then
/// {"done":true}.
class NdjsonDialect : public Dialect {
public:
    NdjsonDialect()
    {
        router_.get("/count", [](Request& r, ResponseWriter& w) -> boost::asio::awaitable<void> {
            int const n = std::stoi(r.query_param("n").value_or("3"));
            if (!co_await w.begin_stream(200, StreamFormat::ndjson, "application/x-ndjson"))
                co_return;
            for (int i = 0; i < n; ++i)
                if (!co_await w.event("{\"n\":" + std::to_string(i) + "}"))
                    co_return;
            co_await w.finish(R"({"done":true})");
        });
    }
    boost::asio::awaitable<void> handle(Request& r, ResponseWriter& w) override
    {
        co_await router_.dispatch(r, w);
    }

private:
    Router router_;
};

} // namespace

TEST_CASE("fault: status, body and headers for the next N matching requests", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    std::string const body = R"({"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}})";
    emu.server.faults().add(Fault::respond(429, body, {{"Retry-After", "2"}, {"x-should-retry", "true"}})
                                .on(std::string(kChat))
                                .times(2));
    CHECK(emu.server.faults().pending() == 1);
    RawHttpClient client(emu.port());
    CHECK(client.request("GET", "/v1/models").status == 200); // other paths are untouched
    for (int i = 0; i < 2; ++i) {
        auto const r = client.request("POST", kChat, chat_body("gpt-4o-mini", "Hi"));
        CHECK(r.status == 429);
        CHECK(r.body == body);
        CHECK(r.header("Retry-After") == "2");
        CHECK(r.header("x-should-retry") == "true");
        CHECK(r.header("Content-Type") == "application/json");
    }
    CHECK(emu.server.faults().pending() == 0);
    CHECK(client.request("POST", kChat, chat_body("gpt-4o-mini", "Hi")).status == 200);

    // A custom Content-Type replaces the default one; count -1 never runs out.
    emu.server.faults().add(Fault::respond(502, "<html>Bad Gateway</html>", {{"Content-Type", "text/html"}}).times(-1));
    for (int i = 0; i < 3; ++i) {
        auto const r = client.request("GET", "/v1/models");
        CHECK(r.status == 502);
        CHECK(r.header("Content-Type") == "text/html");
        CHECK(r.body == "<html>Bad Gateway</html>");
    }
    emu.server.faults().clear();
    CHECK(client.request("GET", "/v1/models").status == 200);
}

TEST_CASE("fault: delay before headers", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    emu.server.faults().add(Fault::delay(150ms));
    RawHttpClient client(emu.port());
    auto const start = std::chrono::steady_clock::now();
    auto const r = client.request("GET", "/v1/models");
    CHECK(elapsed_since(start) >= 150ms);
    CHECK(r.status == 200);
    CHECK(emu.server.faults().pending() == 0); // used up: the next request is not delayed
}

TEST_CASE("fault: delay between stream chunks", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    Fault f;
    f.chunk_delay = 30ms;
    emu.server.faults().add(f);
    RawHttpClient client(emu.port());
    auto const start = std::chrono::steady_clock::now();
    auto const r = client.request("POST", kChat, stream_body("a b"));
    // role, "Hello!", " You", " said:", " a", " b", finish, [DONE]: 8 delays.
    CHECK(elapsed_since(start) >= 8 * 30ms);
    CHECK(r.complete);
    CHECK(sse_data(r.body).size() == 8);
}

TEST_CASE("fault: stall until the client closes, observed by the server", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    SECTION("mid-stream")
    {
        emu.server.faults().add(Fault::stall_after(2));
        RawHttpClient client(emu.port());
        client.send("POST", kChat, stream_body());
        auto got = client.read_until(R"({"content":"Hello!"})");
        CHECK(got.find("HTTP/1.1 200 OK") == 0);
        CHECK(emu.server.observed_client_closes() == 0);
        // Nothing more arrives while stalled; the read's timeout then closes our socket.
        got += client.read_for(100ms);
        std::size_t events = 0;
        for (auto pos = got.find("data: "); pos != std::string::npos; pos = got.find("data: ", pos + 1))
            ++events;
        CHECK(events == 2);
        CHECK(emu.server.wait_for_client_closes(1, 10s));
    }
    SECTION("before the headers")
    {
        Fault f;
        f.stall_before_headers = true;
        emu.server.faults().add(f);
        RawHttpClient client(emu.port(), 150ms);
        client.send("POST", kChat, stream_body());
        auto const r = client.read();
        CHECK(r.status == 0); // timed out: no byte at all
        client.close();
        CHECK(emu.server.wait_for_client_closes(1, 10s));
    }
}

TEST_CASE("stop() closes a stalled stream promptly", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    emu.server.faults().add(Fault::stall_after(1));
    RawHttpClient client(emu.port());
    client.send("POST", kChat, stream_body());
    client.read_until(R"("refusal":null})");
    auto const start = std::chrono::steady_clock::now();
    emu.server.stop();
    // Without the prompt close stop() would wait for the client forever; the bound is generous
    // because CI's cores are busy.
    CHECK(elapsed_since(start) < 10s);
    CHECK(client.wait_server_close());
    // The server's own close is not a client close.
    CHECK(emu.server.observed_client_closes() == 0);
}

TEST_CASE("fault: drop the connection", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    SECTION("before any response byte")
    {
        emu.server.faults().add(Fault::drop_before_any_byte());
        RawHttpClient client(emu.port());
        auto const r = client.request("POST", kChat, chat_body("gpt-4o-mini", "Hi"));
        CHECK(r.status == 0);
        CHECK(r.error == boost::beast::http::error::end_of_stream);
    }
    SECTION("after K stream events")
    {
        emu.server.faults().add(Fault::drop_after(3));
        RawHttpClient client(emu.port());
        auto const r = client.request("POST", kChat, stream_body());
        CHECK(r.status == 200);
        CHECK_FALSE(r.complete);
        CHECK(r.chunks.size() == 3);
        CHECK(sse_data(r.body).size() == 3);
        CHECK(r.error == boost::beast::http::error::partial_message);
    }
    SECTION("after K body bytes of a stream")
    {
        Fault f;
        f.drop_after_bytes = 100;
        emu.server.faults().add(f);
        RawHttpClient client(emu.port());
        auto const r = client.request("POST", kChat, stream_body());
        CHECK(r.status == 200);
        CHECK_FALSE(r.complete);
        CHECK(r.body.size() == 100);
    }
    SECTION("after K body bytes of a Content-Length body")
    {
        RawHttpClient full(emu.port());
        auto const whole = full.request("GET", "/v1/models");
        Fault f;
        f.drop_after_bytes = 20;
        emu.server.faults().add(f);
        RawHttpClient client(emu.port());
        auto const r = client.request("GET", "/v1/models");
        CHECK(r.header("Content-Length") == std::to_string(whole.body.size()));
        CHECK_FALSE(r.complete);
        CHECK(r.body == whole.body.substr(0, 20));
    }
}

TEST_CASE("fault: malformed event, error event, missing terminator", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    RawHttpClient client(emu.port());
    SECTION("malformed JSON event at position K")
    {
        Fault f;
        f.malformed_event_at = 2;
        emu.server.faults().add(f);
        auto const r = client.request("POST", kChat, stream_body());
        CHECK(r.complete);
        auto const events = sse_data(r.body);
        REQUIRE(events.size() == 9);
        for (std::size_t i = 0; i + 1 < events.size(); ++i)
            CHECK(is_json(events[i]) == (i != 2));
        CHECK(events.back() == "[DONE]");
    }
    SECTION("OpenAI-style error event inside a 200 stream")
    {
        Fault f;
        f.error_event = StreamErrorEvent{2, StreamErrorForm::openai_data, 500, "Compute error.", "server_error"};
        emu.server.faults().add(f);
        auto const r = client.request("POST", kChat, stream_body());
        CHECK(r.status == 200);
        CHECK(r.complete);
        auto const events = sse_data(r.body);
        REQUIRE(events.size() == 4);
        CHECK(events[2] == R"({"error":{"message":"Compute error.","type":"server_error","param":null,"code":null}})");
        CHECK(events[3] == "[DONE]");
        // The connection stays usable.
        CHECK(client.request("GET", "/v1/models").status == 200);
    }
    SECTION("llama.cpp-style error line inside a 200 stream")
    {
        Fault f;
        f.error_event = StreamErrorEvent{1, StreamErrorForm::llamacpp_line, 500, "context shift is disabled",
                                         "server_error"};
        emu.server.faults().add(f);
        auto const r = client.request("POST", kChat, stream_body());
        CHECK(r.complete);
        CHECK(r.chunks.size() == 3);
        CHECK(r.chunks[1] == "error: {\"code\":500,\"message\":\"context shift is disabled\",\"type\":\"server_error\"}\n\n");
        CHECK(r.chunks[2] == "data: [DONE]\n\n");
    }
    SECTION("stream without [DONE]")
    {
        Fault f;
        f.omit_done = true;
        emu.server.faults().add(f);
        auto const r = client.request("POST", kChat, stream_body());
        CHECK(r.complete); // properly ended chunked body, but no terminator event
        auto const events = sse_data(r.body);
        REQUIRE(events.size() == 8);
        CHECK(events.back() != "[DONE]");
        CHECK(json::parse(events.back()).at("choices").at(0).at("finish_reason") == "stop");
    }
}

TEST_CASE("fault: oversized bodies", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    RawHttpClient client(emu.port());
    SECTION("plain body")
    {
        Fault f;
        f.oversized_body = 3'000'000;
        emu.server.faults().add(f);
        auto const r = client.request("POST", kChat, chat_body("gpt-4o-mini", "Hi"));
        CHECK(r.complete);
        CHECK(r.header("Content-Length") == "3000000");
        CHECK(r.body.size() == 3'000'000);
        CHECK(r.body.rfind(R"({"pad":"xxxx)", 0) == 0);
        CHECK(is_json(r.body));
    }
    SECTION("one huge event at the start of a stream")
    {
        Fault f;
        f.oversized_body = 200'000;
        emu.server.faults().add(f);
        auto const r = client.request("POST", kChat, stream_body());
        CHECK(r.complete);
        auto const events = sse_data(r.body);
        REQUIRE(events.size() == 10);
        CHECK(events[0].size() == 200'000);
        CHECK(is_json(events[0]));
        CHECK(r.chunks[0].size() == 200'000 + 8);
        CHECK(events.back() == "[DONE]");
    }
}

TEST_CASE("fault: close-delimited responses", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    Fault f;
    f.close_delimited = true;
    emu.server.faults().add(std::move(f).times(2));
    {
        RawHttpClient client(emu.port());
        auto const r = client.request("GET", "/v1/models");
        CHECK(r.complete);
        CHECK_FALSE(r.header("Content-Length"));
        CHECK_FALSE(r.header("Transfer-Encoding"));
        CHECK(r.header("Connection") == "close");
        CHECK(is_json(r.body));
    }
    {
        RawHttpClient client(emu.port());
        auto const r = client.request("POST", kChat, stream_body());
        CHECK(r.complete);
        CHECK_FALSE(r.chunked);
        CHECK(r.header("Connection") == "close");
        auto const events = sse_data(r.body);
        REQUIRE(events.size() == 9);
        CHECK(events.back() == "[DONE]");
    }
}

TEST_CASE("fault: the tool-call delta quirks listed in docs/protocols.md", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    std::string const body = R"({"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Use get_weather and get_time"}],)"
                             R"("tools":[{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"tz":{"type":"string"}},"required":["tz"]}}},)"
                             R"({"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]})";
    std::string const weather = R"({"city":"sample city"})";
    std::string const time = R"({"tz":"sample tz"})";

    auto deltas_with = [&](ToolDeltaQuirks q) {
        Fault f;
        f.tool_quirks = q;
        emu.server.faults().add(f);
        RawHttpClient client(emu.port());
        auto const r = client.request("POST", kChat, body);
        REQUIRE(r.complete);
        std::vector<json::object> out;
        std::string finish;
        for (auto const& e : sse_data(r.body)) {
            if (e == "[DONE]")
                continue;
            auto const v = json::parse(e);
            auto const& choice = v.at("choices").at(0);
            if (auto const* tc = choice.at("delta").as_object().if_contains("tool_calls")) {
                REQUIRE(tc->as_array().size() == 1);
                out.push_back(tc->as_array().front().as_object());
            }
            if (choice.at("finish_reason").is_string())
                finish = std::string(choice.at("finish_reason").as_string());
        }
        CHECK(finish == "tool_calls");
        return out;
    };
    auto args = [](json::object const& d) {
        return std::string(d.at("function").at("arguments").as_string());
    };
    auto has_fn_key = [](json::object const& d, char const* key) {
        return d.at("function").as_object().contains(key);
    };

    SECTION("well-formed: header delta then argument fragments, by index, in order of mention")
    {
        auto const d = deltas_with({});
        std::map<std::int64_t, std::string> joined;
        std::map<std::int64_t, std::string> names;
        for (auto const& x : d) {
            joined[x.at("index").as_int64()] += args(x);
            if (has_fn_key(x, "name"))
                names[x.at("index").as_int64()] = std::string(x.at("function").at("name").as_string());
        }
        CHECK(names == std::map<std::int64_t, std::string>{{0, "get_weather"}, {1, "get_time"}});
        CHECK(joined == std::map<std::int64_t, std::string>{{0, weather}, {1, time}});
        CHECK(args(d.front()).empty());
        CHECK(d.front().at("id").as_string().starts_with("call_"));
        CHECK(d.front().at("type") == "function");
        CHECK_FALSE(d[1].contains("id"));
        CHECK_FALSE(has_fn_key(d[1], "name"));
    }
    SECTION("1: later deltas with empty name and id")
    {
        ToolDeltaQuirks q;
        q.empty_name_and_id_later = true;
        auto const d = deltas_with(q);
        CHECK(d[1].at("id") == "");
        CHECK(d[1].at("function").at("name") == "");
        CHECK(d[0].at("function").at("name") == "get_weather");
    }
    SECTION("2: missing index")
    {
        ToolDeltaQuirks q;
        q.missing_index = true;
        for (auto const& x : deltas_with(q))
            CHECK_FALSE(x.contains("index"));
    }
    SECTION("2: index always 0 for parallel calls")
    {
        ToolDeltaQuirks q;
        q.index_always_zero = true;
        auto const d = deltas_with(q);
        std::size_t headers = 0;
        std::string all;
        for (auto const& x : d) {
            CHECK(x.at("index") == 0);
            headers += x.contains("id");
            all += args(x);
        }
        CHECK(headers == 2); // only a new id tells the second call apart
        CHECK(all == weather + time);
    }
    SECTION("3: no id, and empty id")
    {
        ToolDeltaQuirks q;
        q.no_id = true;
        for (auto const& x : deltas_with(q))
            CHECK_FALSE(x.contains("id"));
        ToolDeltaQuirks e;
        e.empty_id = true;
        auto const d = deltas_with(e);
        CHECK(d.front().at("id") == "");
    }
    SECTION("5: name repeated on every delta, arguments starting in the first delta")
    {
        ToolDeltaQuirks q;
        q.name_on_every_delta = true;
        q.arguments_in_first_delta = true;
        auto const d = deltas_with(q);
        CHECK(args(d.front()) == R"({"city":)");
        std::string joined;
        for (auto const& x : d) {
            if (x.at("index") == 0) {
                CHECK(x.at("function").at("name") == "get_weather");
                joined += args(x);
            }
        }
        CHECK(joined == weather);
    }
    SECTION("6: id repeated on every chunk, trailing duplicate of the full arguments")
    {
        ToolDeltaQuirks q;
        q.id_on_every_delta = true;
        q.trailing_duplicate_arguments = true;
        auto const d = deltas_with(q);
        auto const first_id = d.front().at("id");
        std::string joined;
        std::size_t i = 0;
        for (; i < d.size() && d[i].at("index") == 0; ++i) {
            CHECK(d[i].at("id") == first_id);
            joined += args(d[i]);
        }
        CHECK(args(d[i - 1]) == weather);         // the trailing full copy
        CHECK(joined == weather + weather);       // naive appending doubles it
    }
    SECTION("7: whole call in one delta")
    {
        ToolDeltaQuirks q;
        q.whole_call_in_one_delta = true;
        auto const d = deltas_with(q);
        REQUIRE(d.size() == 2);
        CHECK(args(d[0]) == weather);
        CHECK(d[0].at("function").at("name") == "get_weather");
        CHECK(args(d[1]) == time);
    }
    SECTION("emulator-wide quirks apply without a fault")
    {
        auto config = OpenAiEmulatorConfig::openai();
        config.tool_quirks.missing_index = true;
        OpenAiEmulatorFixture quirky(config);
        RawHttpClient client(quirky.port());
        auto const r = client.request("POST", kChat, body);
        CHECK(r.body.find(R"("index":0,"id")") == std::string::npos);
        CHECK(r.body.find(R"("tool_calls":[{"id":"call_)") != std::string::npos);
    }
}

TEST_CASE("framework: an NDJSON dialect streams one line per chunk and shares the faults", "[emulator]")
{
    EmulatorServer server(std::make_shared<NdjsonDialect>());
    server.start();
    RawHttpClient client(server.port());
    auto r = client.request("GET", "/count?n=3");
    CHECK(r.header("Content-Type") == "application/x-ndjson");
    CHECK(r.chunks == std::vector<std::string>{"{\"n\":0}\n", "{\"n\":1}\n", "{\"n\":2}\n", "{\"done\":true}\n"});

    Fault f;
    f.error_event = StreamErrorEvent{1, StreamErrorForm::ndjson, 500, "model runner crashed", "server_error"};
    server.faults().add(f);
    r = client.request("GET", "/count?n=3");
    CHECK(r.complete);
    CHECK(r.body == "{\"n\":0}\n{\"error\":\"model runner crashed\"}\n");

    Fault g;
    g.omit_done = true;
    g.malformed_event_at = 0;
    server.faults().add(g);
    r = client.request("GET", "/count?n=2");
    CHECK(r.body == "{\"n\n{\"n\":1}\n"); // the first half of {"n":0}, no done line

    CHECK(client.request("GET", "/nope").status == 404);
    CHECK(client.request("POST", "/count").status == 405);
    server.stop();
}

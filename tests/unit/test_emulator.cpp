// The OpenAI-compatible emulator: routes, exact JSON shapes, streaming framing, HTTP/1.1
// behaviour, and replay of the llama-server captures against the llama.cpp flavour.

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/openai_emulator.hpp>
#include "support/emulator_fixture.hpp"
#include "support/raw_http_client.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

using namespace llmio::emulators;
using llmio::test::HttpReply;
using llmio::test::OpenAiEmulatorFixture;
using llmio::test::RawHttpClient;
using llmio::test::chat_body;
using llmio::test::sse_data;
namespace json = boost::json;

namespace {

json::value parse(std::string const& text)
{
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    INFO(text);
    REQUIRE_FALSE(ec);
    return v;
}

std::string replace_all(std::string s, std::string const& from, std::string const& to)
{
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
    return s;
}

/// The JSON's structure without its values: keys in order, value kinds, first array element.
std::string shape(json::value const& v)
{
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "b";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "n";
    case json::kind::string: return "s";
    case json::kind::array: {
        auto const& a = v.get_array();
        return "[" + (a.empty() ? std::string() : shape(a.front())) + "]";
    }
    case json::kind::object: {
        std::string out = "{";
        for (auto const& [k, e] : v.get_object())
            out += std::string(k) + ":" + shape(e) + ",";
        return out + "}";
    }
    }
    return {};
}

std::string chunk_frame(std::string const& payload)
{
    std::ostringstream hex;
    hex << std::hex << payload.size();
    return hex.str() + "\r\n" + payload + "\r\n";
}

} // namespace

TEST_CASE("emulator: GET /v1/models lists the configured models (openai)", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    RawHttpClient client(emu.port());
    auto const reply = client.request("GET", "/v1/models");
    CHECK(reply.status == 200);
    CHECK(reply.header("Content-Type") == "application/json");
    CHECK(reply.header("Content-Length") == std::to_string(reply.body.size()));
    CHECK(reply.body ==
          R"({"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":1700000000,"owned_by":"system"},)"
          R"({"id":"text-embedding-3-small","object":"model","created":1700000000,"owned_by":"system"}]})");

    auto const one = client.request("GET", "/v1/models/gpt-4o-mini");
    CHECK(one.body == R"({"id":"gpt-4o-mini","object":"model","created":1700000000,"owned_by":"system"})");
    auto const missing = client.request("GET", "/v1/models/nope");
    CHECK(missing.status == 404);
    CHECK(missing.body == R"({"error":{"message":"The model 'nope' does not exist","type":"invalid_request_error","param":"model","code":"model_not_found"}})");
}

TEST_CASE("emulator: llama.cpp flavour /v1/models, /models and /health match the captures", "[emulator]")
{
    OpenAiEmulatorFixture emu(OpenAiEmulatorConfig::llamacpp());
    RawHttpClient client(emu.port());
    auto const reply = client.request("GET", "/v1/models");
    CHECK(reply.status == 200);
    CHECK(reply.header_names() == std::vector<std::string>{"Keep-Alive", "Content-Type", "Server",
                                                           "Content-Length", "Access-Control-Allow-Origin"});
    CHECK(reply.header("Content-Type") == "application/json; charset=utf-8");
    CHECK(reply.header("Server") == "llama.cpp");
    CHECK(reply.header("Access-Control-Allow-Origin") == "");
    CHECK(reply.body ==
          R"({"object":"list","data":[{"id":"tiny-llama","object":"model","created":1700000000,"owned_by":"llamacpp",)"
          R"("meta":{"vocab_type":2,"n_vocab":298,"n_ctx_train":2048,"n_embd":64,"n_params":136768,"size":547072}}]})");
    CHECK(client.request("GET", "/models").body == reply.body);
    auto const health = client.request("GET", "/health");
    CHECK(health.status == 200);
    CHECK(health.body == R"({"status":"ok"})");

    emu.dialect->set_loading(true);
    auto const loading = client.request("GET", "/health");
    CHECK(loading.status == 503);
    CHECK(loading.body == R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})");
}

TEST_CASE("emulator: non-streamed chat completion has OpenAI's exact shape", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    RawHttpClient client(emu.port());
    auto const reply = client.request("POST", "/v1/chat/completions", chat_body("gpt-4o-mini", "Hi"));
    REQUIRE(reply.status == 200);
    CHECK(reply.header("Content-Type") == "application/json");
    REQUIRE(reply.header("x-request-id"));
    CHECK(reply.header("x-request-id")->rfind("req_", 0) == 0);
    auto const id = std::string(parse(reply.body).at("id").as_string());
    CHECK(id.rfind("chatcmpl-", 0) == 0);
    CHECK(id.size() == 38);
    CHECK(replace_all(reply.body, id, "ID") ==
          R"({"id":"ID","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,)"
          R"("message":{"role":"assistant","content":"Hello! You said: Hi","refusal":null,"annotations":[]},)"
          R"("logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":4,"total_tokens":5,)"
          R"("prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,)"
          R"("audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default",)"
          R"("system_fingerprint":"fp_emulator"})");

    // Deterministic: the same request on a fresh server gives the same id and body.
    OpenAiEmulatorFixture again;
    RawHttpClient client2(again.port());
    CHECK(client2.request("POST", "/v1/chat/completions", chat_body("gpt-4o-mini", "Hi")).body == reply.body);
}

TEST_CASE("emulator: non-streamed chat completion in llama.cpp shape", "[emulator]")
{
    OpenAiEmulatorFixture emu(OpenAiEmulatorConfig::llamacpp());
    RawHttpClient client(emu.port());
    auto const reply = client.request("POST", "/v1/chat/completions", chat_body("tiny-llama", "Hi"));
    REQUIRE(reply.status == 200);
    auto const id = std::string(parse(reply.body).at("id").as_string());
    CHECK(id.size() == 41);
    CHECK(replace_all(reply.body, id, "ID") ==
          R"({"choices":[{"finish_reason":"stop","index":0,"message":{"role":"assistant","content":"Hello! You said: Hi"}}],)"
          R"("created":1700000000,"model":"tiny-llama","system_fingerprint":"b0-unknown","object":"chat.completion",)"
          R"("usage":{"completion_tokens":4,"prompt_tokens":1,"total_tokens":5},"id":"ID","timings":{"prompt_n":1,)"
          R"("prompt_ms":0.25,"prompt_per_token_ms":0.25,"prompt_per_second":4000.0,"predicted_n":4,"predicted_ms":4.0,)"
          R"("predicted_per_token_ms":1.0,"predicted_per_second":1000.0}})");
}

TEST_CASE("emulator: OpenAI stream framing is byte-exact, one HTTP chunk per event", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    for (bool usage : {false, true}) {
        RawHttpClient client(emu.port());
        std::string const extra = usage ? R"("stream":true,"stream_options":{"include_usage":true})"
                                        : R"("stream":true)";
        client.send("POST", "/v1/chat/completions", chat_body("gpt-4o-mini", "Hi", extra),
                    {{"Connection", "close"}});
        auto const raw = client.read_until_close();
        auto const split = raw.find("\r\n\r\n");
        REQUIRE(split != std::string::npos);
        auto const head = raw.substr(0, split + 4);
        auto const body = raw.substr(split + 4);
        CHECK(head.rfind("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                         "Transfer-Encoding: chunked\r\n",
                         0) == 0);
        CHECK(head.find("Connection: close\r\n") != std::string::npos);

        auto const id_at = body.find("chatcmpl-");
        REQUIRE(id_at != std::string::npos);
        std::string const id = body.substr(id_at, 38);
        std::string const u = usage ? R"(,"usage":null)" : "";
        std::string const pre = R"({"id":")" + id +
                                R"(","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","system_fingerprint":"fp_emulator","choices":[{"index":0,"delta":)";
        std::string const post = R"(,"logprobs":null,"finish_reason":null}])" + u + "}";
        std::vector<std::string> events = {
            pre + R"({"role":"assistant","content":"","refusal":null})" + post,
            pre + R"({"content":"Hello!"})" + post,
            pre + R"({"content":" You"})" + post,
            pre + R"({"content":" said:"})" + post,
            pre + R"({"content":" Hi"})" + post,
            pre + R"({},"logprobs":null,"finish_reason":"stop"}])" + u + "}",
        };
        if (usage)
            events.push_back(
                R"({"id":")" + id +
                R"(","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","system_fingerprint":"fp_emulator","choices":[],)"
                R"("usage":{"prompt_tokens":1,"completion_tokens":4,"total_tokens":5,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},)"
                R"("completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}})");
        events.push_back("[DONE]");
        std::string expected;
        for (auto const& e : events)
            expected += chunk_frame("data: " + e + "\n\n");
        expected += "0\r\n\r\n";
        CHECK(body == expected);
    }
}

TEST_CASE("emulator: llama.cpp stream framing is byte-exact and shaped like capture 12", "[emulator]")
{
    OpenAiEmulatorFixture emu(OpenAiEmulatorConfig::llamacpp());
    RawHttpClient client(emu.port());
    client.send("POST", "/v1/chat/completions",
                chat_body("tiny-llama", "Hi", R"("stream":true,"stream_options":{"include_usage":true})"),
                {{"Connection", "close"}});
    auto const raw = client.read_until_close();
    auto const split = raw.find("\r\n\r\n");
    REQUIRE(split != std::string::npos);
    CHECK(raw.substr(0, split + 4) ==
          "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nServer: llama.cpp\r\n"
          "Transfer-Encoding: chunked\r\nAccess-Control-Allow-Origin: \r\nConnection: close\r\n\r\n");
    auto const body = raw.substr(split + 4);
    auto const id_at = body.find("chatcmpl-");
    REQUIRE(id_at != std::string::npos);
    std::string const id = body.substr(id_at, 41);
    auto chunk = [&](std::string const& delta) {
        return R"({"choices":[{"finish_reason":null,"index":0,"delta":)" + delta +
               R"(}],"created":1700000000,"id":")" + id +
               R"(","model":"tiny-llama","system_fingerprint":"b0-unknown","object":"chat.completion.chunk"})";
    };
    std::vector<std::string> events = {
        chunk(R"({"content":"Hello!"})"), chunk(R"({"content":" You"})"), chunk(R"({"content":" said:"})"),
        chunk(R"({"content":" Hi"})"),
        R"({"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"created":1700000000,"id":")" + id +
            R"(","model":"tiny-llama","system_fingerprint":"b0-unknown","object":"chat.completion.chunk",)"
            R"("usage":{"completion_tokens":4,"prompt_tokens":1,"total_tokens":5},"timings":{"prompt_n":1,"prompt_ms":0.25,)"
            R"("prompt_per_token_ms":0.25,"prompt_per_second":4000.0,"predicted_n":4,"predicted_ms":4.0,)"
            R"("predicted_per_token_ms":1.0,"predicted_per_second":1000.0}})",
        "[DONE]"};
    std::string expected;
    for (auto const& e : events)
        expected += chunk_frame("data: " + e + "\n\n");
    expected += "0\r\n\r\n";
    CHECK(body == expected);
}

TEST_CASE("emulator: keep-alive serves several requests on one connection", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    RawHttpClient client(emu.port());
    CHECK(client.request("GET", "/v1/models").status == 200);
    auto const streamed = client.request("POST", "/v1/chat/completions",
                                         chat_body("gpt-4o-mini", "one two", R"("stream":true)"));
    CHECK(streamed.complete);
    CHECK(streamed.chunked);
    CHECK(client.request("POST", "/v1/chat/completions", chat_body("gpt-4o-mini", "x")).status == 200);
    CHECK(emu.server.accepted_connections() == 1);
    CHECK(emu.server.requests_served() == 3);
    CHECK(emu.server.open_connections() == 1);
    client.close();
    CHECK(emu.server.wait_for_open_connections_at_most(0, std::chrono::seconds(10)));
    CHECK(emu.server.open_connections() == 0);
}

TEST_CASE("emulator: HEAD, unknown methods, unknown routes and Connection: close", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    RawHttpClient client(emu.port());
    auto const get = client.request("GET", "/v1/models");
    auto const head = client.request("HEAD", "/v1/models");
    CHECK(head.status == 200);
    CHECK(head.header("Content-Length") == std::to_string(get.body.size()));
    CHECK(head.body.empty());
    // No body bytes followed the HEAD answer: the next response parses cleanly.
    CHECK(client.request("GET", "/v1/models").body == get.body);

    auto const patch = client.request("PATCH", "/v1/models");
    CHECK(patch.status == 405);
    CHECK(patch.header("Allow") == "GET, HEAD");
    CHECK(patch.body == R"J({"error":{"message":"Invalid method for URL (PATCH /v1/models)","type":"invalid_request_error","param":null,"code":null}})J");
    auto const brew = client.request("BREW", "/v1/models");
    CHECK(brew.status == 501);

    auto const missing = client.request("GET", "/v1/does-not-exist");
    CHECK(missing.status == 404);
    CHECK(missing.body == R"J({"error":{"message":"Invalid URL (GET /v1/does-not-exist)","type":"invalid_request_error","param":null,"code":null}})J");
    CHECK(emu.server.accepted_connections() == 1);

    auto const closing = client.request("GET", "/v1/models", {}, {{"Connection", "close"}});
    CHECK(closing.header("Connection") == "close");
    CHECK(client.wait_server_close());
}

TEST_CASE("emulator: Expect 100-continue, body limit and malformed requests", "[emulator]")
{
    ServerOptions options;
    options.body_limit = 1024;
    OpenAiEmulatorFixture emu(OpenAiEmulatorConfig::openai(), options);
    {
        RawHttpClient client(emu.port());
        auto const body = chat_body("gpt-4o-mini", "Hi");
        client.send_raw("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Expect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
        CHECK(client.read_until("\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n");
        client.send_raw(body);
        auto const reply = client.read();
        CHECK(reply.status == 200);
        CHECK(parse(reply.body).at("choices").at(0).at("message").at("content") == "Hello! You said: Hi");
    }
    {
        RawHttpClient client(emu.port());
        auto const reply = client.request("POST", "/v1/chat/completions", std::string(2000, 'x'));
        CHECK(reply.status == 413);
        CHECK(reply.header("Connection") == "close");
        CHECK(reply.body == R"({"error":{"message":"request body too large","type":"invalid_request_error","param":null,"code":null}})");
    }
    {
        RawHttpClient client(emu.port());
        client.send_raw("NOT HTTP AT ALL\r\n\r\n");
        auto const reply = client.read();
        CHECK(reply.status == 400);
        CHECK(client.wait_server_close());
    }
}

TEST_CASE("emulator: OpenAI errors for bad chat requests", "[emulator]")
{
    auto config = OpenAiEmulatorConfig::openai();
    config.context_length = 5;
    OpenAiEmulatorFixture emu(config);
    RawHttpClient client(emu.port());
    auto post = [&](std::string const& body) { return client.request("POST", "/v1/chat/completions", body); };

    auto r = post(chat_body("no-such-model", "Hi"));
    CHECK(r.status == 404);
    CHECK(r.body == R"({"error":{"message":"The model `no-such-model` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}})");

    r = post(R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"})");
    CHECK(r.status == 400);
    CHECK(r.body.find(R"("message":"We could not parse the JSON body of your request.)") != std::string::npos);
    CHECK(r.body.find(R"("type":"invalid_request_error","param":null,"code":null}})") != std::string::npos);

    r = post(R"({"model":"gpt-4o-mini"})");
    CHECK(r.status == 400);
    CHECK(r.body == R"({"error":{"message":"Missing required parameter: 'messages'.","type":"invalid_request_error","param":"messages","code":"missing_required_parameter"}})");

    r = post(R"({"model":"gpt-4o-mini","messages":[]})");
    CHECK(r.status == 400);
    CHECK(r.body == R"({"error":{"message":"Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.","type":"invalid_request_error","param":"messages","code":"empty_array"}})");

    r = post(R"({"messages":[{"role":"user","content":"hi"}]})");
    CHECK(r.status == 400);
    CHECK(r.body == R"({"error":{"message":"you must provide a model parameter","type":"invalid_request_error","param":null,"code":null}})");

    r = post(chat_body("gpt-4o-mini", "one two three four five six"));
    CHECK(r.status == 400);
    CHECK(r.body == R"({"error":{"message":"This model's maximum context length is 5 tokens. However, your messages resulted in 6 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})");
    CHECK(post(chat_body("gpt-4o-mini", "one two three four five")).status == 200);
}

TEST_CASE("emulator: API key checks in both flavours", "[emulator]")
{
    SECTION("openai")
    {
        auto config = OpenAiEmulatorConfig::openai();
        config.api_key = "sk-test-secret-1234";
        OpenAiEmulatorFixture emu(config);
        RawHttpClient client(emu.port());
        auto r = client.request("GET", "/v1/models");
        CHECK(r.status == 401);
        CHECK(r.body.find(R"({"error":{"message":"You didn't provide an API key.)") == 0);
        r = client.request("POST", "/v1/chat/completions", chat_body("gpt-4o-mini", "Hi"),
                           {{"Authorization", "Bearer sk-wrong-key-9999"}});
        CHECK(r.status == 401);
        CHECK(r.body == R"({"error":{"message":"Incorrect API key provided: sk-**********9999. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})");
        r = client.request("POST", "/v1/chat/completions", chat_body("gpt-4o-mini", "Hi"),
                           {{"Authorization", "Bearer sk-test-secret-1234"}});
        CHECK(r.status == 200);
        // The log keeps the scheme only.
        auto const logged = emu.server.last_request();
        REQUIRE(logged);
        CHECK(logged->header("Authorization") == "Bearer");
    }
    SECTION("llama.cpp (captures 58-63)")
    {
        auto config = OpenAiEmulatorConfig::llamacpp();
        config.api_key = "test-key";
        OpenAiEmulatorFixture emu(config);
        RawHttpClient client(emu.port());
        CHECK(client.request("GET", "/health").status == 200);
        CHECK(client.request("GET", "/v1/models").status == 200);
        std::string const invalid = R"({"error":{"code":401,"message":"Invalid API Key","type":"authentication_error"}})";
        auto r = client.request("POST", "/v1/chat/completions", chat_body("m", "Hi"));
        CHECK(r.status == 401);
        CHECK(r.body == invalid);
        r = client.request("POST", "/v1/chat/completions", chat_body("m", "Hi"), {{"X-Api-Key", "test-key"}});
        CHECK(r.body == invalid);
        r = client.request("POST", "/v1/chat/completions", chat_body("m", "Hi"), {{"Authorization", "Bearer test-key"}});
        CHECK(r.status == 200);
    }
}

TEST_CASE("emulator: legacy completions", "[emulator]")
{
    OpenAiEmulatorFixture emu;
    RawHttpClient client(emu.port());
    auto r = client.request("POST", "/v1/completions", R"({"model":"gpt-4o-mini","prompt":"Once upon"})");
    REQUIRE(r.status == 200);
    auto v = parse(r.body);
    CHECK(v.at("object") == "text_completion");
    CHECK(v.at("id").as_string().starts_with("cmpl-"));
    CHECK(v.at("choices").at(0).at("text") == "Hello! You said: Once upon");
    CHECK(v.at("choices").at(0).at("finish_reason") == "stop");
    CHECK(v.at("usage") == parse(R"({"prompt_tokens":2,"completion_tokens":5,"total_tokens":7})"));

    r = client.request("POST", "/v1/completions",
                       R"({"model":"gpt-4o-mini","prompt":["a","b c"],"echo":true,"suffix":"END","max_tokens":4})");
    v = parse(r.body);
    auto const& choices = v.at("choices").as_array();
    REQUIRE(choices.size() == 2);
    CHECK(choices[0].at("index") == 0);
    CHECK(choices[0].at("text") == "aHello! You said: a");
    CHECK(choices[0].at("finish_reason") == "length");
    CHECK(choices[1].at("index") == 1);
    CHECK(choices[1].at("text") == "b cHello! You said: b");

    r = client.request("POST", "/v1/completions",
                       R"({"model":"gpt-4o-mini","prompt":"x y","stream":true,"stream_options":{"include_usage":true}})");
    CHECK(r.chunked);
    auto const events = sse_data(r.body);
    REQUIRE(events.size() == 8);
    std::string text;
    for (std::size_t i = 0; i + 3 < events.size(); ++i) {
        auto const e = parse(events[i]);
        CHECK(e.at("object") == "text_completion");
        text += std::string(e.at("choices").at(0).at("text").as_string());
    }
    CHECK(text == "Hello! You said: x y");
    CHECK(parse(events[5]).at("choices").at(0).at("finish_reason") == "stop");
    CHECK(parse(events[6]).at("choices").as_array().empty());
    CHECK(parse(events[6]).at("usage").at("total_tokens") == 7);
    CHECK(events[7] == "[DONE]");

    r = client.request("POST", "/v1/completions", R"({"model":"gpt-4o-mini"})");
    CHECK(r.status == 400);
}

TEST_CASE("emulator: embeddings are deterministic unit vectors", "[emulator]")
{
    auto config = OpenAiEmulatorConfig::openai();
    config.embedding_dimensions = 16;
    OpenAiEmulatorFixture emu(config);
    RawHttpClient client(emu.port());
    auto r = client.request("POST", "/v1/embeddings",
                            R"({"model":"text-embedding-3-small","input":["hello","world","hello"]})");
    REQUIRE(r.status == 200);
    auto v = parse(r.body);
    CHECK(shape(v) == "{object:s,data:[{object:s,index:n,embedding:[n],}],model:s,usage:{prompt_tokens:n,total_tokens:n,},}");
    auto const& data = v.at("data").as_array();
    REQUIRE(data.size() == 3);
    std::vector<std::vector<double>> vectors;
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(data[i].at("index") == i);
        std::vector<double> values;
        double norm = 0;
        for (auto const& x : data[i].at("embedding").as_array()) {
            values.push_back(x.as_double());
            norm += x.as_double() * x.as_double();
        }
        CHECK(values.size() == 16);
        CHECK(std::abs(std::sqrt(norm) - 1.0) < 1e-6);
        vectors.push_back(values);
    }
    CHECK(vectors[0] == vectors[2]);
    CHECK(vectors[0] != vectors[1]);
    CHECK(v.at("usage").at("prompt_tokens") == 3);

    // base64: little-endian float32 of the same numbers.
    r = client.request("POST", "/v1/embeddings",
                       R"({"model":"text-embedding-3-small","input":"hello","encoding_format":"base64"})");
    auto const b64 = std::string(parse(r.body).at("data").at(0).at("embedding").as_string());
    std::string bytes;
    {
        static std::string const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        std::uint32_t acc = 0;
        int bits = 0;
        for (char c : b64) {
            if (c == '=')
                break;
            acc = (acc << 6) | static_cast<std::uint32_t>(alphabet.find(c));
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                bytes += static_cast<char>((acc >> bits) & 0xFF);
            }
        }
    }
    REQUIRE(bytes.size() == 16 * 4);
    for (std::size_t i = 0; i < 16; ++i) {
        std::uint32_t u = 0;
        for (int k = 3; k >= 0; --k)
            u = (u << 8) | static_cast<unsigned char>(bytes[i * 4 + static_cast<std::size_t>(k)]);
        float f = 0;
        std::memcpy(&f, &u, sizeof f);
        // (Boost.JSON 1.81 parses doubles to within an ulp; as float32 they are identical.)
        CHECK(f == static_cast<float>(vectors[0][i]));
    }

    r = client.request("POST", "/v1/embeddings",
                       R"({"model":"text-embedding-3-small","input":"hello","dimensions":4})");
    CHECK(parse(r.body).at("data").at(0).at("embedding").as_array().size() == 4);
    r = client.request("POST", "/v1/embeddings", R"({"model":"text-embedding-3-small","input":[[1,2],[3]]})");
    CHECK(parse(r.body).at("data").as_array().size() == 2);
    r = client.request("POST", "/v1/embeddings", R"({"model":"text-embedding-3-small","input":""})");
    CHECK(r.status == 400);
    r = client.request("POST", "/v1/embeddings", R"({"model":"nope","input":"a"})");
    CHECK(r.status == 404);
}

TEST_CASE("emulator: request log records and bounds what it received", "[emulator]")
{
    ServerOptions options;
    options.log_capacity = 3;
    options.log_max_body = 10;
    OpenAiEmulatorFixture emu(OpenAiEmulatorConfig::openai(), options);
    RawHttpClient client(emu.port());
    for (int i = 0; i < 4; ++i)
        client.request("GET", "/v1/models?i=" + std::to_string(i), {}, {{"X-Api-Key", "secret"}});
    client.request("POST", "/v1/chat/completions", chat_body("gpt-4o-mini", "Hi"),
                   {{"Authorization", "Bearer sk-secret"}});
    auto const log = emu.server.requests();
    REQUIRE(log.size() == 3);
    CHECK(log[0].sequence == 3);
    CHECK(log[0].target == "/v1/models?i=2");
    CHECK(log[0].header("X-Api-Key") == "<redacted>");
    CHECK(log[2].method == "POST");
    CHECK(log[2].header("authorization") == "Bearer");
    CHECK(log[2].body == chat_body("gpt-4o-mini", "Hi").substr(0, 10));
    CHECK(log[2].body_truncated);
    CHECK(log[2].connection == 1);
    emu.server.clear_requests();
    CHECK(emu.server.requests().empty());
}

namespace {

/// Opens `clients` streaming requests at once (20 ms between events, so they overlap) and
/// checks every one gets its own complete reply.
void run_concurrent_streams(int clients)
{
    namespace asio = boost::asio;
    namespace beast = boost::beast;
    namespace http = beast::http;
    OpenAiEmulatorFixture emu;
    // 20 ms before every event, so the streams overlap.
    Fault slow;
    slow.chunk_delay = std::chrono::milliseconds(20);
    emu.server.faults().add(std::move(slow).times(-1));
    asio::io_context ioc;
    int ok = 0;
    std::uint64_t most_open = 0;
    auto one = [&](int n) -> asio::awaitable<void> {
        beast::tcp_stream stream(ioc);
        stream.expires_after(std::chrono::seconds(10));
        co_await stream.async_connect(
            asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), emu.port()), asio::use_awaitable);
        http::request<http::string_body> req{http::verb::post, "/v1/chat/completions", 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::content_type, "application/json");
        req.body() = chat_body("gpt-4o-mini", "client " + std::to_string(n) + " says hi", R"("stream":true)");
        req.prepare_payload();
        co_await http::async_write(stream, req, asio::use_awaitable);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        co_await http::async_read(stream, buffer, res, asio::use_awaitable);
        most_open = std::max(most_open, emu.server.open_connections());
        std::string text;
        auto const events = sse_data(res.body());
        for (auto const& e : events) {
            if (e == "[DONE]")
                break;
            auto const v = json::parse(e);
            auto const* content = v.at("choices").at(0).at("delta").as_object().if_contains("content");
            if (content)
                text += std::string(content->as_string());
        }
        if (text == "Hello! You said: client " + std::to_string(n) + " says hi" && events.back() == "[DONE]")
            ++ok;
    };
    for (int i = 0; i < clients; ++i)
        asio::co_spawn(ioc, one(i), asio::detached);
    ioc.run();
    CHECK(ok == clients);
    // The streams overlapped: most of them were open at once (no wall-clock bound, which a
    // busy machine could break).
    CHECK(most_open > static_cast<std::uint64_t>(clients) / 2);
    CHECK(emu.server.accepted_connections() == static_cast<std::uint64_t>(clients));
    CHECK(emu.server.requests_served() == static_cast<std::uint64_t>(clients));
}

} // namespace

TEST_CASE("emulator: 200 concurrent streams are all served correctly", "[emulator]")
{
    run_concurrent_streams(200);
}

// Capacity check, run on demand: llmio_tests "[emulator-load]".
TEST_CASE("emulator: 600 concurrent streams", "[.][emulator-load]")
{
    run_concurrent_streams(600);
}

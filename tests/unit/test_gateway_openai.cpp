// The gateway's OpenAI-compatible API against an OpenAI emulator: chat streamed and not, the
// model listing, model resolution, health, and the answers to unknown paths and bad requests.

#include "support/emulator_fixture.hpp"
#include "support/gateway_fixture.hpp"
#include "support/raw_http_client.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace json = boost::json;
using namespace llmio;

namespace {

// One OpenAI-compatible instance "up" (the default provider) and a route "chat" to it.
std::string config_for(test::OpenAiEmulatorFixture const& upstream)
{
    return R"({"default_provider": "up",
               "providers": {"up": {"kind": "openai", "base_url": ")" +
           upstream.server.base_url() + R"(/v1", "api_key": "sk-upstream-secret"}},
               "routes": {"chat": {"targets": [{"providers": ["up"], "model": "gpt-4o-mini"}]}}})";
}

json::value body_json(test::HttpReply const& reply)
{
    return json::parse(reply.body);
}

} // namespace

TEST_CASE("gateway: a non-streamed chat through a route is answered in OpenAI's format", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const reply = client.request("POST", "/v1/chat/completions", test::chat_body("chat", "hi"));
    REQUIRE(reply.status == 200);
    CHECK(reply.header("Content-Type") == "application/json");
    auto const body = body_json(reply);
    std::string const id(body.at("id").as_string());
    CHECK(id.starts_with("chatcmpl-"));
    CHECK(reply.body == R"({"id":")" + id + R"(","object":"chat.completion","created":)" +
                            std::to_string(body.at("created").as_int64()) +
                            R"(,"model":"chat","choices":[{"index":0,"message":{"role":"assistant",)"
                            R"("content":"Hello! You said: hi","refusal":null},"logprobs":null,"finish_reason":"stop"}],)"
                            R"("usage":{"prompt_tokens":1,"completion_tokens":4,"total_tokens":5,)"
                            R"("prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}})");
    // The route's model went upstream, with the upstream key (never the client's).
    auto const sent = upstream.server.last_request();
    REQUIRE(sent);
    CHECK(json::parse(sent->body).at("model") == "gpt-4o-mini");
}

TEST_CASE("gateway: a streamed chat is OpenAI's chunk events, the usage chunk and [DONE]", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const reply = client.request("POST", "/v1/chat/completions",
                                      test::chat_body("up/gpt-4o-mini", "hi",
                                                      R"("stream":true,"stream_options":{"include_usage":true})"));
    REQUIRE(reply.status == 200);
    CHECK(reply.header("Content-Type") == "text/event-stream");
    CHECK(reply.chunked);
    CHECK(reply.complete);
    auto const events = test::sse_data(reply.body);
    REQUIRE(events.size() == 8);
    CHECK(events.back() == "[DONE]");
    // Every event exactly as OpenAI writes it, with this answer's id and time.
    auto const first = json::parse(events[0]);
    std::string const head = R"({"id":")" + std::string(first.at("id").as_string()) +
                             R"(","object":"chat.completion.chunk","created":)" +
                             std::to_string(first.at("created").as_int64()) +
                             R"(,"model":"up/gpt-4o-mini","system_fingerprint":null,)";
    auto const delta = [&](std::string const& fields, std::string const& finish) {
        return head + R"("choices":[{"index":0,"delta":{)" + fields + R"(},"logprobs":null,"finish_reason":)" + finish +
               R"(}],"usage":null})";
    };
    CHECK(events == std::vector<std::string>{
                        delta(R"("role":"assistant","content":"")", "null"),
                        delta(R"("content":"Hello!")", "null"),
                        delta(R"("content":" You")", "null"),
                        delta(R"("content":" said:")", "null"),
                        delta(R"("content":" hi")", "null"),
                        delta("", R"("stop")"),
                        head + R"("choices":[],"usage":{"prompt_tokens":1,"completion_tokens":4,"total_tokens":5,)"
                               R"("prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}})",
                        "[DONE]",
                    });
}

TEST_CASE("gateway: /v1/models lists the routes first, then each provider's models as provider/model", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const reply = client.request("GET", "/v1/models");
    REQUIRE(reply.status == 200);
    auto const body = body_json(reply);
    std::vector<std::string> ids;
    for (auto const& model : body.at("data").as_array())
        ids.emplace_back(model.at("id").as_string());
    CHECK(ids == std::vector<std::string>{"chat", "up/gpt-4o-mini", "up/text-embedding-3-small"});
}

TEST_CASE("gateway: /v1/models/{model} is one entry of the list, its id plain or percent-encoded", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const plain = client.request("GET", "/v1/models/up/gpt-4o-mini");
    REQUIRE(plain.status == 200);
    CHECK(body_json(plain).at("id") == "up/gpt-4o-mini");
    CHECK(body_json(plain).at("object") == "model");
    auto const encoded = client.request("GET", "/v1/models/up%2Fgpt-4o-mini");
    CHECK(encoded.status == 200);
    CHECK(encoded.body == plain.body);
    auto const route = client.request("GET", "/v1/models/chat");
    CHECK(body_json(route) == json::parse(R"({"id":"chat","object":"model","created":0,"owned_by":"llmio"})"));

    auto const unknown = client.request("GET", "/v1/models/up/no-such-model");
    CHECK(unknown.status == 404);
    CHECK(unknown.body == R"({"error":{"message":"The model 'up/no-such-model' does not exist.",)"
                          R"("type":"invalid_request_error","param":"model","code":"model_not_found"}})");
    auto const malformed = client.request("GET", "/v1/models/up%2");
    CHECK(malformed.status == 400);
    auto const posted = client.request("POST", "/v1/models/chat", "{}");
    CHECK(posted.status == 405);
    CHECK(posted.header("Allow") == "GET");
    // The exact path is still the list.
    CHECK(body_json(client.request("GET", "/v1/models")).at("object") == "list");
}

TEST_CASE("gateway: /health lists each provider and answers 200 while one is healthy", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const reply = client.request("GET", "/health");
    REQUIRE(reply.status == 200);
    auto const body = body_json(reply);
    CHECK(body.at("status") == "ok");
    auto const& providers = body.at("providers").as_array();
    std::vector<std::string> names;
    for (auto const& provider : providers) {
        names.emplace_back(provider.at("name").as_string());
        CHECK(provider.at("healthy") == true);
    }
    CHECK(names == std::vector<std::string>{"router", "up"});

    upstream.server.stop();
    auto const down = client.request("GET", "/health");
    CHECK(down.status == 503);
    CHECK(body_json(down).at("status") == "unavailable");
}

TEST_CASE("gateway: unknown paths, wrong methods, malformed JSON and unknown models get OpenAI's error body",
          "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const missing = client.request("GET", "/v1/nothing");
    CHECK(missing.status == 404);
    CHECK(missing.body ==
          R"({"error":{"message":"no such endpoint: /v1/nothing","type":"invalid_request_error","param":null,"code":null}})");

    auto const wrong = client.request("GET", "/v1/chat/completions");
    CHECK(wrong.status == 405);
    CHECK(wrong.header("Allow") == "POST");

    auto const malformed = client.request("POST", "/v1/chat/completions", "{\"model\": ");
    CHECK(malformed.status == 400);
    CHECK(body_json(malformed).at("error").at("message").as_string().starts_with(
        "the request body is not valid JSON: "));

    auto const no_messages = client.request("POST", "/v1/chat/completions", R"({"model":"chat","messages":[]})");
    CHECK(no_messages.status == 400);
    CHECK(no_messages.body == R"({"error":{"message":"'messages' must be a non-empty array",)"
                              R"("type":"invalid_request_error","param":"messages","code":null}})");

    // The connection survives every one of those answers.
    auto const fine = client.request("POST", "/v1/chat/completions", test::chat_body("chat", "hi"));
    CHECK(fine.status == 200);
}

TEST_CASE("gateway: /metrics serves the Prometheus text of the requests served", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    auto const metrics = std::make_shared<Metrics>();
    test::GatewayFixture gateway(config_for(upstream), test::test_gateway_options(), metrics);
    test::RawHttpClient client(gateway.port());

    CHECK(client.request("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi")).status == 200);
    auto const page = client.request("GET", "/metrics");
    CHECK(page.status == 200);
    CHECK(page.header("Content-Type") == "text/plain; version=0.0.4");
    CHECK(page.body == metrics->to_prometheus());
    CHECK(page.body.find(R"(provider="up")") != std::string::npos);
}

TEST_CASE("gateway: completions streamed and not, and embeddings as floats and base64", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const whole = client.request("POST", "/v1/completions", R"({"model":"up/gpt-4o-mini","prompt":"hi"})");
    REQUIRE(whole.status == 200);
    auto const completion = body_json(whole);
    CHECK(completion.at("object") == "text_completion");
    CHECK(completion.at("model") == "up/gpt-4o-mini");
    CHECK(completion.at("choices").at(0).at("finish_reason") == "stop");
    auto const text = std::string(completion.at("choices").at(0).at("text").as_string());
    CHECK(!text.empty());

    auto const streamed =
        client.request("POST", "/v1/completions", R"({"model":"up/gpt-4o-mini","prompt":"hi","stream":true})");
    REQUIRE(streamed.status == 200);
    auto const events = test::sse_data(streamed.body);
    REQUIRE(events.size() >= 2);
    CHECK(events.back() == "[DONE]");
    std::string joined;
    for (std::size_t i = 0; i + 1 < events.size(); ++i)
        joined += json::parse(events[i]).at("choices").at(0).at("text").as_string();
    CHECK(joined == text);

    auto const floats =
        client.request("POST", "/v1/embeddings", R"({"model":"up/text-embedding-3-small","input":["a","b"]})");
    REQUIRE(floats.status == 200);
    auto const vectors = body_json(floats).at("data").as_array();
    REQUIRE(vectors.size() == 2);
    CHECK(vectors[1].at("index") == 1);
    CHECK(vectors[0].at("embedding").as_array().size() == 64);

    auto const packed = client.request(
        "POST", "/v1/embeddings",
        R"({"model":"up/text-embedding-3-small","input":["a","b"],"encoding_format":"base64"})");
    REQUIRE(packed.status == 200);
    auto const packed_body = body_json(packed);
    auto const& packed_vectors = packed_body.at("data").as_array();
    std::vector<float> decoded;
    REQUIRE(decode_base64_floats(packed_vectors[1].at("embedding").as_string(), decoded));
    std::vector<float> expected;
    for (auto const& value : vectors[1].at("embedding").as_array())
        expected.push_back(static_cast<float>(value.to_number<double>()));
    CHECK(decoded == expected);

    auto const wrong = client.request(
        "POST", "/v1/embeddings", R"({"model":"up/text-embedding-3-small","input":"a","encoding_format":"int8"})");
    CHECK(wrong.status == 400);
    CHECK(body_json(wrong).at("error").at("param") == "encoding_format");
}

TEST_CASE("gateway: tool-call deltas are streamed in OpenAI's shape", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const tools =
        R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",)"
        R"("properties":{"city":{"type":"string"}},"required":["city"]}}}],"stream":true)";
    auto const reply =
        client.request("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "weather?", tools));
    REQUIRE(reply.status == 200);
    auto const events = test::sse_data(reply.body);
    REQUIRE(events.size() >= 4);
    CHECK(events.back() == "[DONE]");
    // The first tool delta names the call; later ones carry argument pieces only.
    auto const first = json::parse(events[1]).at("choices").at(0).at("delta").at("tool_calls").at(0);
    CHECK(first.at("index") == 0);
    CHECK(first.at("id").as_string().starts_with("call_"));
    CHECK(first.at("type") == "function");
    CHECK(first.at("function").at("name") == "get_weather");
    std::string arguments;
    std::string finish;
    for (std::size_t i = 1; i + 1 < events.size(); ++i) {
        auto const event = json::parse(events[i]);
        auto const& choice = event.at("choices").at(0);
        if (auto const* calls = choice.at("delta").as_object().if_contains("tool_calls")) {
            auto const& call = calls->at(0);
            if (i > 1) {
                CHECK(!call.as_object().contains("id"));
                CHECK(!call.at("function").as_object().contains("name"));
            }
            arguments += call.at("function").at("arguments").as_string();
        }
        if (!choice.at("finish_reason").is_null())
            finish = std::string(choice.at("finish_reason").as_string());
    }
    CHECK(arguments == R"({"city":"sample city"})");
    CHECK(finish == "tool_calls");
}

TEST_CASE("gateway: every request field llmio models reaches upstream, and unknown ones pass through", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const request = R"({"model":"up/gpt-4o-mini","messages":[
        {"role":"system","content":"be brief"},
        {"role":"user","content":[{"type":"text","text":"what is this?"},
                                  {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]},
        {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                                  "function":{"name":"look","arguments":"{\"at\":\"image\"}"}}]},
        {"role":"tool","tool_call_id":"call_1","content":"a cat"}],
        "temperature":0.5,"top_p":0.9,"max_completion_tokens":64,"stop":["END"],"seed":7,
        "tools":[{"type":"function","function":{"name":"look","description":"Looks","parameters":{"type":"object"}}}],
        "tool_choice":"auto","parallel_tool_calls":false,
        "response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object"},"strict":true}},
        "top_k":40})";
    auto const reply = client.request("POST", "/v1/chat/completions", request);
    REQUIRE(reply.status == 200);
    auto const sent = json::parse(upstream.server.last_request()->body).as_object();
    CHECK(sent.at("messages") == json::parse(R"([
        {"role":"system","content":"be brief"},
        {"role":"user","content":[{"type":"text","text":"what is this?"},
                                  {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]},
        {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                                  "function":{"name":"look","arguments":"{\"at\":\"image\"}"}}]},
        {"role":"tool","tool_call_id":"call_1","content":"a cat"}])"));
    CHECK(sent.at("temperature") == 0.5);
    CHECK(sent.at("top_p") == 0.9);
    CHECK(sent.at("max_tokens") == 64);
    CHECK(sent.at("stop") == json::parse(R"(["END"])"));
    CHECK(sent.at("seed") == 7);
    CHECK(sent.at("tools") == json::parse(R"([{"type":"function","function":{"name":"look","description":"Looks",)"
                                          R"("parameters":{"type":"object"}}}])"));
    CHECK(sent.at("tool_choice") == "auto");
    CHECK(sent.at("parallel_tool_calls") == false);
    CHECK(sent.at("response_format") ==
          json::parse(R"({"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object"},"strict":true}})"));
    CHECK(sent.at("top_k") == 40);

    auto const bad_role = client.request("POST", "/v1/chat/completions",
                                         R"({"model":"up/gpt-4o-mini","messages":[{"role":"robot","content":"x"}]})");
    CHECK(bad_role.status == 400);
    CHECK(bad_role.body == R"x({"error":{"message":"'messages[0].role' must be system, developer, user, assistant or )x"
                           R"x(tool (not \"robot\")","type":"invalid_request_error","param":"messages[0].role","code":null}})x");
}

// The gateway's Ollama API end to end: an Ollama client's requests answered by an
// OpenAI-compatible server (and by Ollama itself), translated both ways: whole and NDJSON
// answers, tool calls assembled from fragments, formats, options, errors and disconnects.

#include "support/emulator_fixture.hpp"
#include "support/gateway_fixture.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/raw_http_client.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace json = boost::json;
using namespace llmio;
using namespace std::chrono_literals;

namespace {

// One OpenAI-compatible instance "up" and a route "chat" to it.
std::string config_for(test::OpenAiEmulatorFixture const& upstream)
{
    return R"({"providers": {"up": {"kind": "openai", "base_url": ")" + upstream.server.base_url() +
           R"(/v1", "max_retries": 0}},
               "routes": {"chat": {"targets": [{"providers": ["up"], "model": "gpt-4o-mini"}]}}})";
}

// A line or body without what changes from run to run (the time, the measured durations).
std::string stable(std::string_view text)
{
    json::object o = json::parse(text).as_object();
    CHECK(o.at("created_at").as_string().ends_with("Z"));
    json::object out;
    for (auto const& [key, value] : o)
        if (key != "created_at" && !key.ends_with("_duration"))
            out[key] = value;
    return json::serialize(out);
}

std::vector<std::string> lines_of(std::string_view body)
{
    std::vector<std::string> lines;
    while (!body.empty()) {
        auto const end = body.find('\n');
        REQUIRE(end != std::string_view::npos); // every line ends with its newline
        lines.emplace_back(body.substr(0, end));
        body.remove_prefix(end + 1);
    }
    return lines;
}

json::object upstream_body(test::OpenAiEmulatorFixture const& upstream)
{
    auto const sent = upstream.server.last_request();
    REQUIRE(sent);
    return json::parse(sent->body).as_object();
}

} // namespace

TEST_CASE("gateway ollama: a chat with stream false is one Ollama answer, served by an OpenAI server", "[gateway][ollama]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const reply = client.request("POST", "/api/chat",
                                      R"({"model":"chat","stream":false,"messages":[{"role":"user","content":"hi"}],
                                          "options":{"temperature":0.5,"num_predict":20,"num_ctx":4096}})");
    REQUIRE(reply.status == 200);
    CHECK(reply.header("Content-Type") == "application/json; charset=utf-8");
    CHECK(stable(reply.body) ==
          R"({"model":"chat","message":{"role":"assistant","content":"Hello! You said: hi"},)"
          R"("done_reason":"stop","done":true,"prompt_eval_count":1,"eval_count":4})");
    CHECK(json::parse(reply.body).at("total_duration").as_int64() > 0);
    // Options in OpenAI's words; num_ctx, which only Ollama knows, stays out.
    auto const sent = upstream_body(upstream);
    CHECK(sent.at("model") == "gpt-4o-mini");
    CHECK(sent.at("temperature") == 0.5);
    CHECK(sent.at("max_tokens") == 20);
    CHECK_FALSE(sent.contains("options"));
    CHECK_FALSE(sent.contains("num_ctx"));
}

TEST_CASE("gateway ollama: a chat streams NDJSON by default, deltas then the done line", "[gateway][ollama]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const reply = client.request("POST", "/api/chat",
                                      R"({"model":"up/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})");
    REQUIRE(reply.status == 200);
    CHECK(reply.header("Content-Type") == "application/x-ndjson");
    CHECK(reply.chunked);
    CHECK(reply.complete);
    auto const lines = lines_of(reply.body);
    std::vector<std::string> stable_lines;
    for (auto const& line : lines)
        stable_lines.push_back(stable(line));
    auto const delta = [](std::string_view text) {
        return R"({"model":"up/gpt-4o-mini","message":{"role":"assistant","content":")" + std::string(text) +
               R"("},"done":false})";
    };
    CHECK(stable_lines == std::vector<std::string>{
                              delta("Hello!"), delta(" You"), delta(" said:"), delta(" hi"),
                              R"({"model":"up/gpt-4o-mini","message":{"role":"assistant","content":""},)"
                              R"("done_reason":"stop","done":true,"prompt_eval_count":1,"eval_count":4})"});
    // Without server figures, the gateway's own: time to the first token, then the rest.
    auto const last = json::parse(lines.back()).as_object();
    CHECK(last.at("prompt_eval_duration").as_int64() > 0);
    CHECK(last.at("eval_duration").as_int64() >= 0);
}

TEST_CASE("gateway ollama: OpenAI tool-call fragments reach the client as one whole call with object arguments",
          "[gateway][ollama]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());
    std::string const request = R"({"model":"chat","messages":[{"role":"user","content":"weather in Oslo"}],
        "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
                  "properties":{"city":{"type":"string"}},"required":["city"]}}}]})";

    auto const reply = client.request("POST", "/api/chat", request);
    REQUIRE(reply.status == 200);
    auto const lines = lines_of(reply.body);
    REQUIRE(lines.size() == 2);
    auto const call_line = json::parse(lines[0]).as_object();
    auto const& calls = call_line.at("message").at("tool_calls").as_array();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].at("id").as_string().starts_with("call_"));
    CHECK(json::serialize(calls[0].at("function")) ==
          R"({"index":0,"name":"get_weather","arguments":{"city":"sample city"}})");
    CHECK(stable(lines[1]).starts_with(
        R"({"model":"chat","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,)"));
    // The upstream got the tools in OpenAI's shape.
    CHECK(upstream_body(upstream).at("tools").at(0).at("function").at("name") == "get_weather");

    // The result goes back named by the tool (Ollama's way); OpenAI's server gets the call id.
    std::string const id(calls[0].at("id").as_string());
    auto const answer = client.request("POST", "/api/chat", R"({"model":"chat","stream":false,"messages":[
        {"role":"user","content":"weather in Oslo"},
        {"role":"assistant","content":"","tool_calls":[{"id":")" + id + R"(","function":{"name":"get_weather",
         "arguments":{"city":"Oslo"}}}]},
        {"role":"tool","tool_name":"get_weather","content":"sunny"}]})");
    REQUIRE(answer.status == 200);
    CHECK(json::parse(answer.body).at("message").at("content") == "get_weather returned sunny.");
    auto const sent = upstream_body(upstream);
    CHECK(sent.at("messages").at(1).at("tool_calls").at(0).at("function").at("arguments") == R"({"city":"Oslo"})");
    CHECK(sent.at("messages").at(2).at("tool_call_id") == id.c_str());
}

TEST_CASE("gateway ollama: format schema, generate (templated and raw), embeddings", "[gateway][ollama]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const formatted = client.request("POST", "/api/chat", R"({"model":"chat","stream":false,
        "messages":[{"role":"user","content":"count"}],
        "format":{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}})");
    REQUIRE(formatted.status == 200);
    CHECK(json::parse(formatted.body).at("message").at("content") == R"({"n":1})");
    CHECK(upstream_body(upstream).at("response_format").at("type") == "json_schema");

    auto const generated = client.request("POST", "/api/generate",
                                          R"({"model":"chat","prompt":"hi","system":"Be brief.","stream":false})");
    REQUIRE(generated.status == 200);
    CHECK(stable(generated.body) == R"({"model":"chat","response":"Hello! You said: hi","done_reason":"stop",)"
                                    R"("done":true,"prompt_eval_count":3,"eval_count":4})");
    CHECK(upstream_body(upstream).at("messages").at(0).at("role") == "system");

    auto const streamed = client.request("POST", "/api/generate", R"({"model":"chat","prompt":"hi"})");
    REQUIRE(streamed.status == 200);
    auto const lines = lines_of(streamed.body);
    REQUIRE(lines.size() == 5);
    CHECK(stable(lines[0]) == R"({"model":"chat","response":"Hello!","done":false})");
    CHECK(json::parse(lines[4]).at("done") == true);

    auto const raw = client.request("POST", "/api/generate",
                                    R"({"model":"up/gpt-4o-mini","prompt":"Once","raw":true,"stream":false})");
    REQUIRE(raw.status == 200);
    CHECK(json::parse(raw.body).at("done") == true);
    auto const raw_sent = upstream.server.last_request();
    REQUIRE(raw_sent);
    CHECK(raw_sent->target == "/v1/completions");
    CHECK(json::parse(raw_sent->body).at("prompt") == "Once");

    auto const embedded = client.request("POST", "/api/embed",
                                         R"({"model":"up/text-embedding-3-small","input":["a","b"]})");
    REQUIRE(embedded.status == 200);
    auto const e = json::parse(embedded.body).as_object();
    CHECK(e.at("model") == "up/text-embedding-3-small");
    REQUIRE(e.at("embeddings").as_array().size() == 2);
    CHECK(e.at("embeddings").at(0).as_array().size() == 64);
    auto const legacy = client.request("POST", "/api/embeddings", R"({"model":"up/text-embedding-3-small","prompt":"b"})");
    REQUIRE(legacy.status == 200);
    CHECK(json::parse(legacy.body).at("embedding") == e.at("embeddings").at(1));
}

TEST_CASE("gateway ollama: tags lists the routes then every model, version and errors in Ollama's shape",
          "[gateway][ollama]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    auto const tags = client.request("GET", "/api/tags");
    INFO(tags.body);
    REQUIRE(tags.status == 200);
    std::vector<std::string> names;
    auto const listed = json::parse(tags.body);
    for (auto const& m : listed.at("models").as_array())
        names.emplace_back(m.at("name").as_string());
    CHECK(names == std::vector<std::string>{"chat", "up/gpt-4o-mini", "up/text-embedding-3-small"});
    CHECK(client.request("GET", "/api/version").body == R"({"version":"0.9.0"})");

    auto const malformed = client.request("POST", "/api/chat", "{\"model\":");
    CHECK(malformed.status == 400);
    CHECK(json::parse(malformed.body).at("error").as_string().starts_with("invalid JSON: "));
    auto const no_model = client.request("POST", "/api/chat", R"({"messages":[]})");
    CHECK(no_model.status == 400);
    CHECK(no_model.body == R"({"error":"model is required"})");
    auto const bad_type = client.request("POST", "/api/generate", R"({"model":"chat","prompt":3})");
    CHECK(bad_type.status == 400);
    CHECK(bad_type.body == R"({"error":"prompt: expected a string, got number"})");
    auto const unknown = client.request("POST", "/api/chat", R"({"model":"nosuch","messages":[]})");
    CHECK(unknown.status == 404);
    CHECK(unknown.body == R"({"error":"model \"nosuch\" not found, try pulling it first"})");
    // A model the server does not know: its 404, in Ollama's words.
    auto const upstream_unknown = client.request(
        "POST", "/api/chat", R"({"model":"up/no-such-model","stream":false,"messages":[{"role":"user","content":"x"}]})");
    CHECK(upstream_unknown.status == 404);
    CHECK(upstream_unknown.body == R"({"error":"model \"up/no-such-model\" not found, try pulling it first"})");
}

TEST_CASE("gateway ollama: an error after the stream started is its last line", "[gateway][ollama]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    emulators::Fault fault;
    fault.path = "/v1/chat/completions";
    fault.error_event = emulators::StreamErrorEvent{2, emulators::StreamErrorForm::openai_data, 500,
                                                    "Compute error.", "server_error"};
    upstream.server.faults().add(fault);
    test::RawHttpClient client(gateway.port());

    auto const reply = client.request("POST", "/api/chat",
                                      R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})");
    REQUIRE(reply.status == 200);
    CHECK(reply.complete);
    auto const lines = lines_of(reply.body);
    REQUIRE(lines.size() == 2);
    CHECK(stable(lines[0]) == R"({"model":"chat","message":{"role":"assistant","content":"Hello!"},"done":false})");
    CHECK(lines[1] == R"({"error":"Compute error."})");
}

TEST_CASE("gateway ollama: a client that disconnects mid-stream cancels the upstream stream at once",
          "[gateway][ollama]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    upstream.server.faults().add(emulators::Fault::stall_after(2).on("/v1/chat/completions"));

    test::RawHttpClient client(gateway.port());
    client.send("POST", "/api/chat", R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})");
    CHECK(client.read_until("Hello!").find("Hello!") != std::string::npos);
    client.close();
    CHECK(upstream.server.wait_for_client_closes(1, 10s));
}

TEST_CASE("gateway ollama: an Ollama server behind the gateway gets Ollama's own options", "[gateway][ollama]")
{
    test::OllamaEmulatorFixture upstream;
    test::GatewayFixture gateway(R"({"providers": {"local": {"kind": "ollama", "base_url": ")" +
                                 upstream.server.base_url() + R"("}}})");
    test::RawHttpClient client(gateway.port());

    auto const reply = client.request("POST", "/api/chat", R"({"model":"local/llama3.2:latest","stream":false,
        "messages":[{"role":"user","content":"hi"}],"keep_alive":"5m",
        "options":{"temperature":0.5,"num_ctx":8192,"top_k":5}})");
    REQUIRE(reply.status == 200);
    CHECK(json::parse(reply.body).at("message").at("content") == "Hello! You said: hi");
    // Its figures pass through: the emulator's load time is 0.5 s for a model it had to load.
    CHECK(json::parse(reply.body).at("load_duration") == 500000000);
    auto const sent = upstream.server.last_request();
    REQUIRE(sent);
    auto const body = json::parse(sent->body).as_object();
    CHECK(json::serialize(body.at("options")) == R"({"temperature":5E-1,"num_ctx":8192,"top_k":5})");
    CHECK(body.at("keep_alive") == "5m");

    auto const tags = client.request("GET", "/api/tags");
    auto const first = json::parse(tags.body).at("models").at(0).as_object();
    CHECK(first.at("name") == "local/llama3.2:latest");
    CHECK(first.at("details").at("family") == "llama");
    CHECK(first.at("size") == 2019393189);
}

TEST_CASE("gateway ollama: show gives what the model's server lists of it, in Ollama's shape", "[gateway][ollama]")
{
    test::LmStudioEmulatorFixture upstream;
    test::GatewayFixture gateway(R"({"providers": {"lms": {"kind": "lmstudio", "base_url": ")" +
                                 upstream.server.base_url() + R"(", "max_retries": 0}},
        "routes": {"fast": {"targets": [{"providers": ["lms"], "model": "qwen2.5-7b-instruct"}]}}})");
    test::RawHttpClient client(gateway.port());

    auto const qwen = client.request("POST", "/api/show", R"({"model":"lms/qwen2.5-7b-instruct"})");
    INFO(qwen.body);
    REQUIRE(qwen.status == 200);
    auto const shown = json::parse(qwen.body).as_object();
    CHECK(shown.at("capabilities") == json::parse(R"(["completion","tools"])"));
    CHECK(shown.at("model_info") == json::parse(R"({"general.architecture":"qwen2","qwen2.context_length":32768})"));
    CHECK(shown.at("details").at("quantization_level") == "Q4_K_M");
    CHECK(shown.at("details").at("format") == "gguf");
    CHECK(shown.at("modelfile") == "");

    // The older `name`, a vision model, an embedding model.
    auto const vlm = client.request("POST", "/api/show", R"({"name":"lms/qwen2-vl-7b-instruct"})");
    CHECK(json::parse(vlm.body).at("capabilities") == json::parse(R"(["completion","vision"])"));
    auto const embed = client.request("POST", "/api/show", R"({"model":"lms/text-embedding-nomic-embed-text-v1.5"})");
    CHECK(json::parse(embed.body).at("capabilities") == json::parse(R"(["embedding"])"));

    // A route resolves (its router lists it by name only); an unknown model is Ollama's 404.
    auto const route = client.request("POST", "/api/show", R"({"model":"fast"})");
    CHECK(route.status == 200);
    CHECK(json::parse(route.body).at("capabilities").as_array().at(0) == "completion");
    auto const unknown = client.request("POST", "/api/show", R"({"model":"nosuch"})");
    CHECK(unknown.status == 404);
    CHECK(unknown.body == R"({"error":"model \"nosuch\" not found, try pulling it first"})");
    auto const no_model = client.request("POST", "/api/show", R"({})");
    CHECK(no_model.status == 400);
    CHECK(no_model.body == R"({"error":"model is required"})");
}

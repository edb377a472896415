// The gateway's Ollama API as pure translation: Ollama requests in, llmio requests out;
// llmio answers in, Ollama JSON and NDJSON lines out (no I/O).

#include "gateway/ollama_wire.hpp"

#include <llmio/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

using namespace llmio;
namespace json = boost::json;
namespace ow = llmio::gateway::ollama;

namespace {

// The message a bad request is answered with.
std::string refusal(std::string_view body, ow::ChatCall (*parse)(std::string_view) = ow::parse_chat_request)
{
    try {
        parse(body);
    } catch (InvalidRequestError const& e) {
        return e.info().detail;
    }
    return "(accepted)";
}

} // namespace

TEST_CASE("ollama chat request: messages, images, tool calls and results, tools, options", "[gateway][ollama]")
{
    auto const call = ow::parse_chat_request(R"({
        "model": "llama3.2",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is this?", "images": ["iVBORw0KGgoAAAA", "/9j/4AAQ"]},
            {"role": "assistant", "content": "", "thinking": "look it up",
             "tool_calls": [{"function": {"name": "lookup", "arguments": {"q": "cat"}}},
                            {"id": "call_x", "function": {"name": "weather", "arguments": {}}}]},
            {"role": "tool", "content": "sunny", "tool_name": "weather"},
            {"role": "tool", "content": "a cat"}
        ],
        "tools": [{"type": "function", "function": {"name": "lookup", "description": "Search",
                   "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}],
        "format": "json",
        "options": {"temperature": 0.2, "top_p": 0.9, "seed": 7, "num_predict": 64, "stop": ["END"],
                    "presence_penalty": 0.5, "frequency_penalty": 0.25, "num_ctx": 8192, "top_k": 40},
        "keep_alive": "10m",
        "think": false
    })");
    CHECK(call.stream); // absent means streamed, in Ollama
    CHECK_FALSE(call.load_only);
    ChatRequest const& r = call.request;
    CHECK(r.model == "llama3.2");
    REQUIRE(r.messages.size() == 5);
    CHECK(r.messages[0] == Message::system("Be brief."));
    Message user = Message::user("What is this?");
    user.parts = {ContentPart::image("data:image/png;base64,iVBORw0KGgoAAAA"),
                  ContentPart::image("data:image/jpeg;base64,/9j/4AAQ")};
    CHECK(r.messages[1] == user);
    Message assistant = Message::assistant_tool_calls(
        {ToolCall{"call_2_0", "lookup", R"({"q":"cat"})"}, ToolCall{"call_x", "weather", "{}"}});
    assistant.reasoning = "look it up";
    CHECK(r.messages[2] == assistant);
    // A result without an id answers the pending call of its tool, else the first pending one.
    CHECK(r.messages[3] == Message::tool_result("call_x", "sunny"));
    CHECK(r.messages[4] == Message::tool_result("call_2_0", "a cat"));
    REQUIRE(r.tools.size() == 1);
    CHECK(r.tools[0].name == "lookup");
    CHECK(r.tools[0].description == "Search");
    CHECK(json::serialize(r.tools[0].parameters) ==
          R"({"type":"object","properties":{"q":{"type":"string"}}})");
    CHECK(r.response_format == ResponseFormat::json_object());
    CHECK(r.temperature == 0.2);
    CHECK(r.top_p == 0.9);
    CHECK(r.seed == 7);
    CHECK(r.max_tokens == 64);
    CHECK(r.stop == std::vector<std::string>{"END"});
    CHECK(r.presence_penalty == 0.5);
    CHECK(r.frequency_penalty == 0.25);
    CHECK_FALSE(r.reasoning_effort);
    CHECK(r.extra.empty());
    // What only Ollama understands is kept apart for an Ollama backend.
    CHECK(json::serialize(call.ollama_only) ==
          R"({"think":false,"options":{"num_ctx":8192,"top_k":40},"keep_alive":"10m"})");
    CHECK_FALSE(ow::unloads(call.ollama_only));
}

TEST_CASE("ollama chat request: schema format, think level, stream false, endless num_predict", "[gateway][ollama]")
{
    auto const call = ow::parse_chat_request(R"({"model":"m","stream":false,"think":"high",
        "messages":[{"role":"user","content":"hi"}],
        "format":{"type":"object","properties":{"a":{"type":"integer"}}},
        "options":{"num_predict":-1},"keep_alive":0})");
    CHECK_FALSE(call.stream);
    CHECK(call.request.reasoning_effort == "high");
    REQUIRE(call.request.response_format);
    CHECK(call.request.response_format->type == ResponseFormat::Type::json_schema);
    CHECK(call.request.response_format->name == "response");
    CHECK(json::serialize(call.request.response_format->schema) ==
          R"({"type":"object","properties":{"a":{"type":"integer"}}})");
    CHECK_FALSE(call.request.max_tokens);
    CHECK(json::serialize(call.ollama_only) == R"({"keep_alive":0})");
    CHECK(ow::unloads(call.ollama_only));

    auto const load = ow::parse_chat_request(R"({"model":"m","keep_alive":"0s"})");
    CHECK(load.load_only);
    CHECK(ow::unloads(load.ollama_only));
    CHECK(ow::parse_chat_request(R"({"model":"m","messages":[],"format":""})").load_only);
}

TEST_CASE("ollama chat request: every malformed request is a 400 with a clear message", "[gateway][ollama]")
{
    CHECK(refusal("") == "missing request body");
    CHECK(refusal("  \n") == "missing request body");
    CHECK(refusal("{\"model\":").rfind("invalid JSON: ", 0) == 0);
    CHECK(refusal("[1]") == "the request body must be a JSON object, got array");
    CHECK(refusal("{}") == "model is required");
    CHECK(refusal(R"({"model":""})") == "model is required");
    CHECK(refusal(R"({"model":5})") == "model: expected a string, got number");
    CHECK(refusal(R"({"model":"m","stream":"yes"})") == "stream: expected a bool, got string");
    CHECK(refusal(R"({"model":"m","messages":"hi"})") == "messages: expected an array, got string");
    CHECK(refusal(R"({"model":"m","messages":[3]})") == "messages[0]: expected an object, got number");
    CHECK(refusal(R"({"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]})") ==
          "messages[0].content: expected a string, got array");
    CHECK(refusal(R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})") ==
          "messages[0].role: unknown role \"wizard\" (expected system, user, assistant or tool)");
    CHECK(refusal(R"({"model":"m","messages":[{"role":"user","images":[1]}]})") ==
          "messages[0].images[0]: expected a base64 string, got number");
    // OpenAI's string arguments are refused, as Ollama refuses them.
    CHECK(refusal(R"({"model":"m","messages":[{"role":"assistant",
                     "tool_calls":[{"function":{"name":"f","arguments":"{}"}}]}]})") ==
          "messages[0].tool_calls[0].function.arguments: expected an object, got string");
    CHECK(refusal(R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{}]}]})") ==
          "messages[0].tool_calls[0].function: required");
    CHECK(refusal(R"({"model":"m","tools":[{"type":"function"}]})") ==
          "tools[0]: expected an object with a function");
    CHECK(refusal(R"({"model":"m","tools":[{"function":{"description":"x"}}]})") ==
          "tools[0].function.name: required");
    CHECK(refusal(R"({"model":"m","format":"xml"})") == "format: expected \"json\" or a JSON schema object");
    CHECK(refusal(R"({"model":"m","options":[]})") == "options: expected an object, got array");
    CHECK(refusal(R"({"model":"m","options":{"temperature":"hot"}})") ==
          "options.temperature: expected a number, got string");
    CHECK(refusal(R"({"model":"m","options":{"seed":1.5}})") == "options.seed: expected an integer, got number");
    CHECK(refusal(R"({"model":"m","options":{"stop":[1]}})") == "options.stop[0]: expected a string, got number");
    CHECK(refusal(R"({"model":"m","think":1})") ==
          "think: expected a boolean or \"high\", \"medium\", \"low\", got number");
    CHECK(refusal(R"({"model":"m","keep_alive":[]})") ==
          "keep_alive: expected a number of seconds or a duration, got array");
}

TEST_CASE("ollama generate request: templated prompts are chat turns, raw and suffix are completions", "[gateway][ollama]")
{
    auto const chat = ow::parse_generate_request(R"({"model":"m","prompt":"Why?","system":"Be kind.",
        "images":["R0lGODlh"],"format":"json","options":{"temperature":0,"min_p":0.1},"stream":false})");
    CHECK_FALSE(chat.stream);
    CHECK_FALSE(chat.load_only);
    CHECK(chat.model() == "m");
    REQUIRE(std::holds_alternative<ChatRequest>(chat.request));
    ChatRequest const& c = std::get<ChatRequest>(chat.request);
    Message user = Message::user("Why?");
    user.parts = {ContentPart::image("data:image/gif;base64,R0lGODlh")};
    CHECK(c.messages == std::vector<Message>{Message::system("Be kind."), user});
    CHECK(c.response_format == ResponseFormat::json_object());
    CHECK(c.temperature == 0.0);
    CHECK(json::serialize(chat.ollama_only) == R"({"options":{"min_p":1E-1}})");

    auto const raw = ow::parse_generate_request(R"({"model":"m","prompt":"[INST] hi [/INST]","raw":true,
        "system":"ignored","options":{"num_predict":5}})");
    CHECK(raw.stream);
    REQUIRE(std::holds_alternative<CompletionRequest>(raw.request));
    CompletionRequest const& r = std::get<CompletionRequest>(raw.request);
    CHECK(std::get<std::string>(r.prompt) == "[INST] hi [/INST]");
    CHECK_FALSE(r.suffix);
    CHECK(r.max_tokens == 5);

    auto const fim = ow::parse_generate_request(R"({"model":"m","prompt":"def f(","suffix":"    return x"})");
    REQUIRE(std::holds_alternative<CompletionRequest>(fim.request));
    CHECK(std::get<CompletionRequest>(fim.request).suffix == "    return x");

    auto const load = ow::parse_generate_request(R"({"model":"m","keep_alive":0})");
    CHECK(load.load_only);
    CHECK(ow::unloads(load.ollama_only));

    auto const refused = [](std::string_view body) {
        try {
            ow::parse_generate_request(body);
        } catch (InvalidRequestError const& e) {
            return e.info().detail;
        }
        return std::string("(accepted)");
    };
    CHECK(refused(R"({"prompt":"x"})") == "model is required");
    CHECK(refused(R"({"model":"m","prompt":["x"]})") == "prompt: expected a string, got array");
    CHECK(refused(R"({"model":"m","prompt":"x","raw":true,"images":["AAAA"]})") ==
          "images need a templated prompt: not with raw or suffix");
    CHECK(refused(R"({"model":"m","prompt":"x","raw":true,"format":"json"})") ==
          "format needs a templated prompt: not with raw or suffix");
    CHECK(refused(R"({"model":"m","raw":"yes"})") == "raw: expected a bool, got string");
}

TEST_CASE("ollama embed requests: input string or array, legacy prompt, options kept for Ollama", "[gateway][ollama]")
{
    auto const one = ow::parse_embed_request(R"({"model":"e","input":"hello","truncate":false,"dimensions":8,
        "options":{"num_ctx":512},"keep_alive":"1m"})");
    CHECK(one.request.model == "e");
    CHECK(one.request.input == std::vector<std::string>{"hello"});
    CHECK(one.request.dimensions == 8);
    CHECK_FALSE(one.legacy);
    CHECK(json::serialize(one.ollama_only) == R"({"truncate":false,"options":{"num_ctx":512},"keep_alive":"1m"})");
    CHECK(ow::parse_embed_request(R"({"model":"e","input":["a","b"]})").request.input ==
          std::vector<std::string>{"a", "b"});
    CHECK(ow::parse_embed_request(R"({"model":"e"})").request.input.empty());

    auto const legacy = ow::parse_legacy_embeddings_request(R"({"model":"e","prompt":"hello"})");
    CHECK(legacy.legacy);
    CHECK(legacy.request.input == std::vector<std::string>{"hello"});

    auto const refused = [](std::string_view body) {
        try {
            ow::parse_embed_request(body);
        } catch (InvalidRequestError const& e) {
            return e.info().detail;
        }
        return std::string("(accepted)");
    };
    CHECK(refused(R"({"model":"e","input":5})") == "input: expected a string or an array of strings, got number");
    CHECK(refused(R"({"model":"e","input":["a",null]})") == "input[1]: expected a string, got null");
    CHECK(refused(R"({"model":"e","truncate":1})") == "truncate: expected a bool, got number");
    CHECK(refused(R"({"input":"x"})") == "model is required");
}

TEST_CASE("ollama chat stream lines: deltas, whole tool calls, the done line with metrics", "[gateway][ollama]")
{
    std::string const at = "2026-12-06T23:10:00.000000001Z";
    auto const chat_delta = [](std::string_view model, std::string_view created_at, std::string_view content,
                               std::string_view thinking) {
        std::string out = "kept|";
        ow::append_chat_delta(out, ow::line_head(model, created_at), content, thinking);
        REQUIRE(out.rfind("kept|", 0) == 0);
        return out.substr(5);
    };
    CHECK(chat_delta("llama3.2", at, "Hel\"lo\n", "") ==
          R"({"model":"llama3.2","created_at":"2026-12-06T23:10:00.000000001Z",)"
          R"("message":{"role":"assistant","content":"Hel\"lo\n"},"done":false})");
    CHECK(chat_delta("m", at, "", "hmm") ==
          R"({"model":"m","created_at":"2026-12-06T23:10:00.000000001Z",)"
          R"("message":{"role":"assistant","content":"","thinking":"hmm"},"done":false})");
    CHECK(ow::chat_tool_calls_line("m", at, {ToolCall{"call_0", "f", R"({"a": [1, 2]})"}, ToolCall{"", "g", ""}}) ==
          R"({"model":"m","created_at":"2026-12-06T23:10:00.000000001Z","message":{"role":"assistant",)"
          R"("content":"","tool_calls":[{"id":"call_0","function":{"index":0,"name":"f","arguments":{"a":[1,2]}}},)"
          R"({"function":{"index":1,"name":"g","arguments":{}}}]},"done":false})");
    CHECK_THROWS_AS(ow::chat_tool_calls_line("m", at, {ToolCall{"c", "f", "[1]"}}), MalformedResponseError);
    CHECK_THROWS_AS(ow::chat_tool_calls_line("m", at, {ToolCall{"c", "f", "{\"a\":"}}), MalformedResponseError);

    // The server's own figures win.
    ow::Final end;
    end.finish_reason = FinishReason::tool_calls;
    end.usage = Usage{12, 34, 46, {}, {}};
    ServerStats stats;
    stats.time_to_first_token_s = 0.5;
    stats.generation_time_s = 2.0;
    stats.model_load_time_s = 0.25;
    end.stats = stats;
    ow::Timing const timing{at, 3000000000, 700000000};
    CHECK(ow::chat_done_line("m", timing, end) ==
          R"({"model":"m","created_at":"2026-12-06T23:10:00.000000001Z","message":{"role":"assistant","content":""},)"
          R"("done_reason":"stop","done":true,"total_duration":3000000000,"load_duration":250000000,)"
          R"("prompt_eval_count":12,"prompt_eval_duration":500000000,"eval_count":34,"eval_duration":2000000000})");
    // Without them, the gateway's measurement; zeros are left out as Ollama does.
    ow::Final plain;
    plain.finish_reason = FinishReason::length;
    CHECK(ow::chat_done_line("m", timing, plain) ==
          R"({"model":"m","created_at":"2026-12-06T23:10:00.000000001Z","message":{"role":"assistant","content":""},)"
          R"("done_reason":"length","done":true,"total_duration":3000000000,)"
          R"("prompt_eval_duration":700000000,"eval_duration":2300000000})");
}

TEST_CASE("ollama chat answer: content, thinking, tool calls with object arguments", "[gateway][ollama]")
{
    ChatResponse r;
    r.content = "It is sunny.";
    r.reasoning = "check";
    r.tool_calls = {ToolCall{"call_1", "weather", R"({"city":"Oslo"})"}};
    r.finish_reason = FinishReason::tool_calls;
    r.usage = Usage{3, 4, 7, {}, {}};
    CHECK(ow::chat_response("m", ow::Timing{"T", 1000, 0}, r) ==
          R"({"model":"m","created_at":"T","message":{"role":"assistant","content":"It is sunny.",)"
          R"("thinking":"check","tool_calls":[{"id":"call_1","function":{"index":0,"name":"weather",)"
          R"("arguments":{"city":"Oslo"}}}]},"done_reason":"stop","done":true,"total_duration":1000,)"
          R"("prompt_eval_count":3,"eval_count":4})");
    CHECK(ow::chat_load_response("m", "T", false) ==
          R"({"model":"m","created_at":"T","message":{"role":"assistant","content":""},"done_reason":"load","done":true})");
    CHECK(ow::chat_load_response("m", "T", true) ==
          R"({"model":"m","created_at":"T","message":{"role":"assistant","content":""},"done_reason":"unload","done":true})");
}

TEST_CASE("ollama generate lines, embeddings, version and errors", "[gateway][ollama]")
{
    auto const generate_delta = [](std::string_view response, std::string_view thinking) {
        std::string out;
        ow::append_generate_delta(out, ow::line_head("m", "T"), response, thinking);
        return out;
    };
    CHECK(generate_delta("Hi", "") == R"({"model":"m","created_at":"T","response":"Hi","done":false})");
    CHECK(generate_delta("", "so") ==
          R"({"model":"m","created_at":"T","response":"","thinking":"so","done":false})");
    ow::Final end;
    end.usage = Usage{2, 1, 3, {}, {}};
    CHECK(ow::generate_done_line("m", ow::Timing{"T", 10, 0}, end) ==
          R"({"model":"m","created_at":"T","response":"","done_reason":"stop","done":true,)"
          R"("total_duration":10,"prompt_eval_count":2,"eval_count":1})");
    CHECK(ow::generate_done_line("m", ow::Timing{"T", 10, 0}, end, "whole", "why") ==
          R"({"model":"m","created_at":"T","response":"whole","thinking":"why","done_reason":"stop","done":true,)"
          R"("total_duration":10,"prompt_eval_count":2,"eval_count":1})");
    CHECK(ow::generate_load_response("m", "T", true) ==
          R"({"model":"m","created_at":"T","response":"","done":true,"done_reason":"unload"})");

    EmbeddingResponse e;
    e.embeddings = {{0.5F, -1.0F}, {0.25F, 2.0F}};
    e.usage = Usage{6, 0, 6, {}, {}};
    CHECK(ow::embed_response("e", e, 42) ==
          R"({"model":"e","embeddings":[[5E-1,-1E0],[2.5E-1,2E0]],"total_duration":42,"prompt_eval_count":6})");
    CHECK(ow::legacy_embeddings_response(e) == R"({"embedding":[5E-1,-1E0]})");
    CHECK(ow::legacy_embeddings_response(EmbeddingResponse{}) == R"({"embedding":[]})");

    CHECK(ow::version_response() == R"({"version":"0.9.0"})");
    CHECK(ow::error_body("bad \"thing\"") == R"({"error":"bad \"thing\""})");
    CHECK(ow::model_not_found_message("llama3") == R"(model "llama3" not found, try pulling it first)");
    CHECK(ow::model_not_found_message("a\"b") == R"(model "a\"b" not found, try pulling it first)");
    CHECK(ow::done_reason(FinishReason::length) == "length");
    CHECK(ow::done_reason(FinishReason::other) == "stop");
    CHECK(ow::created_at_text(std::chrono::system_clock::time_point(std::chrono::nanoseconds(1796598600123456789LL))) ==
          "2026-12-06T23:10:00.123456789Z");
}

TEST_CASE("ollama tags and ps: routes, Ollama's own entries passed on, other servers' models", "[gateway][ollama]")
{
    ModelInfo ollama_model;
    ollama_model.id = "llama3.2:latest";
    ollama_model.size_bytes = 2019393189;
    ollama_model.raw = json::parse(R"({"name":"llama3.2:latest","modified_at":"2025-01-01T00:00:00Z",
        "digest":"a80c4f17acd5","details":{"format":"gguf","family":"llama","parameter_size":"3.2B"}})");
    ModelInfo lms_model;
    lms_model.id = "qwen2.5-7b-instruct";
    lms_model.format = "gguf";
    lms_model.architecture = "qwen2";
    lms_model.quantization = "Q4_K_M";
    lms_model.loaded_context_length = 4096;
    std::vector<ow::ListedModel> const models{
        {"fast", nullptr}, {"ollama/llama3.2:latest", &ollama_model}, {"lms/qwen2.5-7b-instruct", &lms_model}};
    CHECK(ow::tags_response(models) ==
          R"({"models":[)"
          R"({"name":"fast","model":"fast","modified_at":"0001-01-01T00:00:00Z","size":0,"digest":"",)"
          R"("details":{"parent_model":"","format":"","family":"","families":null,"parameter_size":"","quantization_level":""}},)"
          R"({"name":"ollama/llama3.2:latest","model":"ollama/llama3.2:latest","modified_at":"2025-01-01T00:00:00Z",)"
          R"("size":2019393189,"digest":"a80c4f17acd5","details":{"format":"gguf","family":"llama","parameter_size":"3.2B"}},)"
          R"({"name":"lms/qwen2.5-7b-instruct","model":"lms/qwen2.5-7b-instruct","modified_at":"0001-01-01T00:00:00Z",)"
          R"("size":0,"digest":"","details":{"parent_model":"","format":"gguf","family":"qwen2","families":["qwen2"],)"
          R"("parameter_size":"","quantization_level":"Q4_K_M"}}]})");
    CHECK(ow::ps_response({{"lms/qwen2.5-7b-instruct", &lms_model}}) ==
          R"({"models":[{"name":"lms/qwen2.5-7b-instruct","model":"lms/qwen2.5-7b-instruct","size":0,"digest":"",)"
          R"("details":{"parent_model":"","format":"gguf","family":"qwen2","families":["qwen2"],)"
          R"("parameter_size":"","quantization_level":"Q4_K_M"},"expires_at":"0001-01-01T00:00:00Z",)"
          R"("size_vram":0,"context_length":4096}]})");
}

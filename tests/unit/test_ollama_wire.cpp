// Ollama's native wire: OLLAMA_HOST parsing, request bodies and answer parsing (no I/O).

#include <llmio/error.hpp>
#include <llmio/ollama/wire.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

using namespace llmio;
namespace json = boost::json;

TEST_CASE("parse_ollama_host reads OLLAMA_HOST as Ollama does", "[ollama]")
{
    struct Case {
        char const* in;
        char const* origin;
        char const* connect;
        char const* base;
    };
    Case const cases[] = {
        {"", "http://127.0.0.1:11434", "127.0.0.1", ""},
        {"   ", "http://127.0.0.1:11434", "127.0.0.1", ""},
        {"0.0.0.0", "http://0.0.0.0:11434", "127.0.0.1", ""},
        {"box", "http://box:11434", "box", ""},
        {"box:9000", "http://box:9000", "box", ""},
        {"http://box", "http://box", "box", ""},
        {"https://box", "https://box", "box", ""},
        {"https://box:8443", "https://box:8443", "box", ""},
        {"ollama.com", "https://ollama.com", "ollama.com", ""},
        {"\"box:9000\"", "http://box:9000", "box", ""},
        {"  'http://box:81'  ", "http://box:81", "box", ""},
        {":9000", "http://127.0.0.1:9000", "127.0.0.1", ""},
        {"box:abc", "http://box:11434", "box", ""},
        {"box:70000", "http://box:11434", "box", ""},
        {"box:", "http://box:11434", "box", ""},
        {"http://box:0", "http://box", "box", ""},
        {"[::1]:9000", "http://[::1]:9000", "::1", ""},
        {"::1", "http://[::1]:11434", "::1", ""},
        {"[::1]", "http://[::1]:11434", "::1", ""},
        {"::", "http://[::]:11434", "::1", ""},
        {"https://proxy.example/ollama", "https://proxy.example", "proxy.example", "/ollama"},
        {"box:9000/prefix/deeper", "http://box:9000", "box", "/prefix/deeper"},
    };
    for (auto const& c : cases) {
        INFO("OLLAMA_HOST=" << c.in);
        auto const e = ollama::parse_ollama_host(c.in);
        CHECK(e.origin() == c.origin);
        CHECK(e.connect_host() == c.connect);
        CHECK(e.base_path() == c.base);
    }
    CHECK_THROWS_AS(ollama::parse_ollama_host("ftp://box"), InvalidRequestError);
    CHECK_THROWS_AS(ollama::parse_ollama_host("bo\x01x"), InvalidRequestError);
}

TEST_CASE("ollama chat body: messages, images, tools, options, format, think, keep_alive", "[ollama]")
{
    ChatRequest r;
    r.model = "llama3.2";
    r.messages.push_back(Message::developer("Be brief."));
    Message user = Message::user("What is in");
    user.parts.push_back(ContentPart::from_text("this picture?"));
    user.parts.push_back(ContentPart::image("data:image/png;base64,iVBORw0KGgo="));
    r.messages.push_back(user);
    r.messages.push_back(Message::assistant_tool_calls({{"call_7", "get_weather", R"({"city":"Tokyo","days":2})"}}));
    r.messages.push_back(Message::tool_result("call_7", "11 degrees"));
    r.temperature = 0.5;
    r.top_p = 0.9;
    r.max_tokens = 64;
    r.stop = {"END"};
    r.seed = 42;
    r.tools.push_back(ToolDefinition{"get_weather", "Weather", {}, std::nullopt});
    r.response_format = ResponseFormat::json_object();
    r.reasoning_effort = "minimal";
    r.extra["options"] = json::object{{"top_k", 20}};
    ollama::RequestDefaults d;
    d.keep_alive = "300";
    d.num_ctx = 8192;

    auto const body = ollama::chat_request_body(r, false, d);
    auto const expected = json::parse(R"({
        "model":"llama3.2",
        "messages":[
          {"role":"system","content":"Be brief."},
          {"role":"user","content":"What is in this picture?","images":["iVBORw0KGgo="]},
          {"role":"assistant","content":"","tool_calls":[{"id":"call_7","function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo","days":2}}}]},
          {"role":"tool","content":"11 degrees","tool_name":"get_weather","tool_call_id":"call_7"}],
        "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{}}}}],
        "format":"json",
        "think":"low",
        "options":{"temperature":0.5,"top_p":0.9,"num_predict":64,"stop":["END"],"seed":42,"num_ctx":8192,"top_k":20},
        "stream":false,
        "keep_alive":300})");
    CHECK(json::value(body) == expected);

    // Argument key order is kept (Ollama preserves it too).
    CHECK(json::serialize(ollama::arguments_to_object(R"({"z":1,"a":2})")) == R"({"z":1,"a":2})");
    CHECK(ollama::arguments_to_object("").empty());
    CHECK_THROWS_AS(ollama::arguments_to_object("[1]"), InvalidRequestError);

    ChatRequest schema;
    schema.model = "m";
    schema.messages.push_back(Message::user("x"));
    schema.response_format = ResponseFormat::json_schema("s", json::object{{"type", "object"}});
    schema.reasoning_effort = "none";
    schema.tool_choice = ToolChoice::none();
    schema.tools.push_back(ToolDefinition{"f", "", {}, std::nullopt});
    auto const b2 = ollama::chat_request_body(schema, true, {});
    CHECK(b2.at("format") == json::object{{"type", "object"}});
    CHECK(b2.at("think") == false);
    CHECK(b2.at("stream") == true);
    CHECK_FALSE(b2.contains("tools"));
    CHECK_FALSE(b2.contains("options"));
    CHECK_FALSE(b2.contains("keep_alive"));

    ChatRequest url_image;
    url_image.model = "m";
    Message m = Message::user("see");
    m.parts.push_back(ContentPart::image("https://example.com/cat.png"));
    url_image.messages.push_back(m);
    CHECK_THROWS_AS(ollama::chat_request_body(url_image, false, {}), InvalidRequestError);
}

TEST_CASE("ollama chat answers: tool-call objects become JSON text with ids, metrics become stats", "[ollama]")
{
    auto const r = ollama::parse_chat_response(R"({"model":"llama3.2","created_at":"x",
        "message":{"role":"assistant","content":"","thinking":"hmm",
          "tool_calls":[{"function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}},
                        {"id":"abc","function":{"index":0,"name":"get_time","arguments":{"tz":"UTC"}}}]},
        "done_reason":"stop","done":true,"total_duration":182242375,"load_duration":41295167,
        "prompt_eval_count":169,"prompt_eval_duration":24573166,"eval_count":15,"eval_duration":115959084})");
    CHECK(r.model == "llama3.2");
    CHECK(r.reasoning == "hmm");
    REQUIRE(r.tool_calls.size() == 2);
    CHECK(r.tool_calls[0] == ToolCall{"call_0", "get_weather", R"({"city":"Tokyo"})"});
    CHECK(r.tool_calls[1] == ToolCall{"abc", "get_time", R"({"tz":"UTC"})"});
    CHECK(r.finish_reason == FinishReason::tool_calls);
    CHECK(r.finish_reason_raw == "stop");
    REQUIRE(r.usage);
    CHECK(r.usage->prompt_tokens == 169);
    CHECK(r.usage->completion_tokens == 15);
    CHECK(r.usage->total_tokens == 184);
    REQUIRE(r.stats);
    CHECK(*r.stats->tokens_per_second == Approx(15 / 0.115959084));
    CHECK(*r.stats->model_load_time_s == Approx(0.041295167));
    CHECK(*r.stats->generation_time_s == Approx(0.115959084));

    // A round trip: the parsed call goes back as an object.
    ChatRequest again;
    again.model = "m";
    again.messages.push_back(r.to_message());
    auto const body = ollama::chat_request_body(again, false, {});
    CHECK(body.at("messages").at(0).at("tool_calls").at(0).at("function").at("arguments") ==
          json::object{{"city", "Tokyo"}});

    CHECK_THROWS_AS(ollama::parse_chat_response(R"({"model":"m","message":{"content":"x"},"done":false})"),
                    MalformedResponseError);
    CHECK_THROWS_AS(ollama::parse_chat_response("<html>"), MalformedResponseError);
    CHECK_THROWS_AS(ollama::parse_chat_response(R"({"message":{"content":5},"done":true})"), MalformedResponseError);
}

TEST_CASE("ollama stream lines: deltas, whole tool calls with positions, done line, in-band error", "[ollama]")
{
    ollama::ChatLineParser p;
    auto a = std::get<ollama::ChatLine>(p.parse(R"({"model":"m","message":{"role":"assistant","content":"","thinking":"th"},"done":false})"));
    CHECK(a.chunk.reasoning == "th");
    CHECK_FALSE(a.done);
    auto b = std::get<ollama::ChatLine>(p.parse(
        R"({"model":"m","message":{"role":"assistant","content":"","tool_calls":[{"function":{"index":0,"name":"f","arguments":{"a":1}}}]},"done":false})"));
    auto c = std::get<ollama::ChatLine>(p.parse(
        R"({"model":"m","message":{"role":"assistant","content":"","tool_calls":[{"function":{"index":0,"name":"g","arguments":{}}}]},"done":false})"));
    REQUIRE(b.chunk.tool_calls.size() == 1);
    REQUIRE(c.chunk.tool_calls.size() == 1);
    CHECK(b.chunk.tool_calls[0] == ToolCallDelta{0, "call_0", "f", R"({"a":1})"});
    CHECK(c.chunk.tool_calls[0] == ToolCallDelta{1, "call_1", "g", "{}"});
    auto d = std::get<ollama::ChatLine>(p.parse(
        R"({"model":"m","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"prompt_eval_count":3,"eval_count":4})"));
    CHECK(d.done);
    CHECK(d.chunk.finish_reason == FinishReason::tool_calls);
    REQUIRE(d.chunk.usage);
    CHECK(d.chunk.usage->total_tokens == 7);

    auto e = p.parse(R"({"error":"an error was encountered while running the model"})");
    REQUIRE(std::holds_alternative<ollama::InBandError>(e));
    CHECK(std::get<ollama::InBandError>(e).body == R"({"error":"an error was encountered while running the model"})");
    CHECK_THROWS_AS(p.parse("{\"message\":"), MalformedResponseError);

    ollama::ChatLineParser q;
    auto len = std::get<ollama::ChatLine>(q.parse(R"({"message":{"content":""},"done":true,"done_reason":"length"})"));
    CHECK(len.chunk.finish_reason == FinishReason::length);
}

TEST_CASE("ollama generate, embed, tags, ps, show and pull wire", "[ollama]")
{
    CompletionRequest c;
    c.model = "m";
    c.prompt = std::vector<std::string>{"one", "two"};
    c.max_tokens = 5;
    auto const g = ollama::generate_request_body(c, 1, false, {});
    CHECK(json::value(g) == json::parse(R"({"model":"m","prompt":"two","options":{"num_predict":5},"stream":false})"));
    auto const gr = ollama::parse_generate_response(
        R"({"model":"m","response":"Hi","done":true,"done_reason":"stop","prompt_eval_count":1,"eval_count":2})", 3);
    REQUIRE(gr.choices.size() == 1);
    CHECK(gr.choices[0].index == 3);
    CHECK(gr.text() == "Hi");
    CHECK(gr.choices[0].finish_reason == FinishReason::stop);

    EmbeddingRequest e;
    e.model = "all-minilm";
    e.input = {"only"};
    CHECK(json::value(ollama::embed_request_body(e)) == json::parse(R"({"model":"all-minilm","input":["only"]})"));
    auto const er = ollama::parse_embed_response(R"({"model":"all-minilm","embeddings":[[0.5,1],[2,3.25]],"prompt_eval_count":8})");
    REQUIRE(er.embeddings.size() == 2);
    CHECK(er.embeddings[1] == std::vector<float>{2.0f, 3.25f});
    CHECK(er.usage->prompt_tokens == 8);
    CHECK_THROWS_AS(ollama::parse_embed_response(R"({"embeddings":[["x"]]})"), MalformedResponseError);

    auto const tags = ollama::parse_tags(R"({"models":[{"name":"llama3.2:latest","model":"llama3.2:latest","size":2019393189,
        "details":{"format":"gguf","family":"llama","quantization_level":"Q4_K_M"}}]})");
    REQUIRE(tags.size() == 1);
    CHECK(tags[0].id == "llama3.2:latest");
    CHECK(tags[0].size_bytes == 2019393189);
    CHECK(tags[0].quantization == "Q4_K_M");
    CHECK(tags[0].format == "gguf");
    CHECK_FALSE(tags[0].loaded_known);

    auto const ps = ollama::parse_ps(R"({"models":[{"name":"llama3.2:latest","size":5,"size_vram":5,
        "expires_at":"2026-01-01T00:05:00Z","context_length":4096}]})");
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].loaded);
    CHECK(ps[0].loaded_context_length == 4096);
    CHECK(ps[0].raw.at("size_vram") == 5);

    auto const caps = ollama::parse_show(R"({"capabilities":["completion","tools","thinking"],
        "model_info":{"general.architecture":"qwen3","qwen3.context_length":40960}})");
    CHECK(caps.context_length == 40960);
    CHECK(caps.tool_use == true);
    CHECK(caps.reasoning == true);
    CHECK(caps.vision == false);
    CHECK(caps.embeddings == false);

    LoadOptions lo;
    lo.ttl = std::chrono::seconds(600);
    lo.context_length = 2048;
    CHECK(json::value(ollama::load_request_body("m", lo)) ==
          json::parse(R"({"model":"m","keep_alive":"600s","options":{"num_ctx":2048}})"));
    CHECK(json::value(ollama::unload_request_body("m")) == json::parse(R"({"model":"m","keep_alive":0})"));

    ollama::PullProgress progress;
    auto line = [](std::string_view text) { return std::get<ollama::PullLine>(ollama::parse_pull_line(text)); };
    CHECK(progress.add(line(R"({"status":"pulling manifest"})")).total_bytes == std::nullopt);
    progress.add(line(R"({"status":"pulling a","digest":"sha256:a","total":100})"));
    progress.add(line(R"({"status":"pulling a","digest":"sha256:a","total":100,"completed":60})"));
    auto const p = progress.add(line(R"({"status":"pulling b","digest":"sha256:b","total":50,"completed":10})"));
    CHECK(p.completed_bytes == 70);
    CHECK(p.total_bytes == 150);
    CHECK(p.status == "pulling b");
    CHECK(std::holds_alternative<ollama::InBandError>(ollama::parse_pull_line(R"({"error":"pull model manifest: file does not exist"})")));
}

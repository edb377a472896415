// Error bodies of every known shape, status classification, headers and bounds.

#include <llmio/error_mapping.hpp>
#include <llmio/error_sanitize.hpp>
#include <llmio/lmstudio/error_rules.hpp>
#include <llmio/ollama/error_rules.hpp>
#include <llmio/openai/error_rules.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace llmio;
using namespace std::chrono_literals;

namespace {

// Each provider's own message rules, as its transport passes them.
ErrorRules rules_of(std::string_view provider)
{
    if (provider == "ollama")
        return ollama::error_rules();
    if (provider == "lmstudio")
        return lmstudio::error_rules();
    return openai::error_rules();
}

MappedError map(int status, std::string_view body, std::string_view provider = "openai")
{
    HttpErrorInput in;
    in.provider = provider;
    in.rules = rules_of(provider);
    in.status = status;
    in.body = body;
    return map_http_error(in);
}

} // namespace

TEST_CASE("parse_error_body: OpenAI shape with every kind of code", "[errmap]")
{
    auto const full = parse_error_body(
        R"({"error":{"message":"Incorrect API key provided: sk-abc***","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})");
    CHECK(full.recognised);
    CHECK(full.message == "Incorrect API key provided: sk-abc***");
    CHECK(full.type == "invalid_request_error");
    CHECK(full.param.empty());
    CHECK(full.code == "invalid_api_key");

    auto const numeric = parse_error_body(R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})");
    CHECK(numeric.recognised);
    CHECK(numeric.code == "503");

    auto const null_code = parse_error_body(R"({"error":{"message":"m","type":"t","param":"messages","code":null}})");
    CHECK(null_code.code.empty());
    CHECK(null_code.param == "messages");

    auto const only_message = parse_error_body(R"({"error":{"message":"only this"}})");
    CHECK(only_message.recognised);
    CHECK(only_message.message == "only this");
    CHECK(only_message.type.empty());
    CHECK(only_message.code.empty());

    auto const odd_code = parse_error_body(R"({"error":{"message":"m","code":{"a":1}}})");
    CHECK(odd_code.code == R"({"a":1})");
    auto const bool_code = parse_error_body(R"({"error":{"message":"m","code":true}})");
    CHECK(bool_code.code == "true");
}

TEST_CASE("parse_error_body: Ollama, LM Studio, vLLM, FastAPI and flat shapes", "[errmap]")
{
    auto const ollama = parse_error_body(R"({"error":"model 'llama3' not found, try pulling it first"})");
    CHECK(ollama.recognised);
    CHECK(ollama.message == "model 'llama3' not found, try pulling it first");

    auto const lms_stream = parse_error_body(R"({"error":{"message":"Compute error."},"message":"Compute error."})");
    CHECK(lms_stream.recognised);
    CHECK(lms_stream.message == "Compute error.");

    auto const lms_top_only = parse_error_body(R"({"error":{},"message":"from the top level"})");
    CHECK(lms_top_only.recognised);
    CHECK(lms_top_only.message == "from the top level");

    auto const vllm_flat = parse_error_body(
        R"({"object":"error","message":"The model `foo` does not exist.","type":"NotFoundError","param":null,"code":404})");
    CHECK(vllm_flat.recognised);
    CHECK(vllm_flat.message == "The model `foo` does not exist.");
    CHECK(vllm_flat.type == "NotFoundError");
    CHECK(vllm_flat.code == "404");

    auto const detail_text = parse_error_body(R"({"detail":"Not Found"})");
    CHECK(detail_text.recognised);
    CHECK(detail_text.message == "Not Found");

    auto const detail_list = parse_error_body(
        R"({"detail":[{"loc":["body","messages",0,"role"],"msg":"field required","type":"value_error.missing"},{"loc":["body","model"],"msg":"str type expected","type":"type_error.str"}]})");
    CHECK(detail_list.recognised);
    CHECK(detail_list.message == "body.messages.0.role: field required; body.model: str type expected");
    CHECK(detail_list.type == "value_error.missing");

    auto const plain_message = parse_error_body(R"({"message":"Internal error"})");
    CHECK(plain_message.recognised);
    CHECK(plain_message.message == "Internal error");
}

TEST_CASE("parse_error_body: text, HTML, empty and other JSON", "[errmap]")
{
    auto const text = parse_error_body("  Bad Gateway\r\n");
    CHECK_FALSE(text.recognised);
    CHECK(text.message == "Bad Gateway");

    auto const nginx = parse_error_body(
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
        "Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n");
    CHECK_FALSE(nginx.recognised);
    CHECK(nginx.message == "502 Bad Gateway");

    auto const no_title = parse_error_body("<!DOCTYPE html><html><body><h1>Service\n  Unavailable</h1><p>Try later</p></body></html>");
    CHECK(no_title.message == "Service Unavailable Try later");

    std::string huge_page = "<html><body>";
    for (int i = 0; i < 5000; ++i)
        huge_page += "<p>word</p> ";
    huge_page += "</body></html>";
    auto const huge = parse_error_body(huge_page);
    CHECK(huge.message.size() <= 200);
    CHECK(huge.message.substr(0, 14) == "word word word");

    CHECK(parse_error_body("").message.empty());
    CHECK_FALSE(parse_error_body("").recognised);
    CHECK_FALSE(parse_error_body(" \r\n ").recognised);

    auto const other = parse_error_body(R"({"foo":1})");
    CHECK_FALSE(other.recognised);
    CHECK(other.message == R"({"foo":1})");

    auto const truncated = parse_error_body(R"({"error":{"message":"cut)");
    CHECK_FALSE(truncated.recognised);
    CHECK(truncated.message == R"({"error":{"message":"cut)");

    // An Ollama chat response has a top-level "message" object: not an error.
    CHECK_FALSE(parse_error_body(R"({"model":"llama3","message":{"role":"assistant","content":"hi"},"done":true})").recognised);
    CHECK_FALSE(parse_error_body(R"({"error":null})").recognised);
    CHECK(parse_error_body("\xEF\xBB\xBF{\"error\":\"with a BOM\"}").message == "with a BOM");
}

TEST_CASE("messages are bounded to 1 KiB without splitting UTF-8", "[errmap]")
{
    std::string long_message;
    for (int i = 0; i < 600; ++i)
        long_message += "\xC3\xA9"; // é, two bytes
    auto const parsed = parse_error_body(R"({"error":")" + long_message + R"("})");
    CHECK(parsed.message.size() <= kMaxServerMessage);
    CHECK(parsed.message.size() >= kMaxServerMessage - 4);
    CHECK(parsed.message.substr(parsed.message.size() - 3) == "\xE2\x80\xA6");
    // Everything before the ellipsis is whole é characters.
    std::string const kept = parsed.message.substr(0, parsed.message.size() - 3);
    CHECK(kept.size() % 2 == 0);
    CHECK(kept == long_message.substr(0, kept.size()));

    std::string text(5000, 'x');
    CHECK(parse_error_body(text).message.size() == kMaxServerMessage);

    // Control characters are kept as the server sent them; what() and the CLI show them
    // escaped on one line (error_sanitize.hpp).
    auto const controls = parse_error_body(std::string(R"({"error":"a\u0000b\u0007c\nd"})"));
    CHECK(controls.message == std::string("a\0b\ac\nd", 7));
    CHECK(escape_for_display(controls.message) == R"(a\x00b\x07c\nd)");
}

TEST_CASE("map_http_error: statuses without a body", "[errmap]")
{
    CHECK(map(400, "").code == errc::invalid_request);
    CHECK(map(401, "").code == errc::authentication_failed);
    CHECK(map(403, "").code == errc::authentication_failed);
    CHECK(map(404, "").code == errc::invalid_request);
    CHECK(map(405, "").code == errc::invalid_request);
    CHECK(map(408, "").code == errc::server_error);
    CHECK(map(409, "").code == errc::server_error);
    CHECK(map(413, "").code == errc::invalid_request);
    CHECK(map(413, "").info.hint == "the request body exceeds the server's (or a proxy's) size limit");
    CHECK(map(422, "").code == errc::invalid_request);
    CHECK(map(429, "").code == errc::rate_limited);
    CHECK(map(499, "").code == errc::invalid_request);
    CHECK(map(500, "").code == errc::server_error);
    CHECK(map(501, "").code == errc::unsupported);
    CHECK(map(502, "").code == errc::server_error);
    CHECK(map(503, "").code == errc::server_error);
    CHECK(map(504, "").code == errc::server_error);
    CHECK(map(302, "").code == errc::invalid_request);
    CHECK(map(0, "").code == errc::server_error);
    CHECK(map(200, "").code == errc::server_error);

    auto const empty = map(500, "");
    CHECK(empty.info.server_message.empty());
    CHECK(empty.info.detail == "empty error body");
    CHECK(empty.info.http_status == 500);
}

TEST_CASE("map_http_error: OpenAI errors", "[errmap]")
{
    auto const key = map(401, R"({"error":{"message":"Incorrect API key provided: sk-abc***","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})");
    CHECK(key.code == errc::authentication_failed);
    CHECK(key.info.server_message == "Incorrect API key provided: sk-abc***");
    CHECK(key.info.server_code == "invalid_api_key");

    auto const ctx = map(400, R"({"error":{"message":"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})");
    CHECK(ctx.code == errc::context_length_exceeded);
    CHECK(ctx.info.server_type == "invalid_request_error");

    auto const model = map(404, R"({"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}})");
    CHECK(model.code == errc::model_not_found);
    CHECK(model.info.hint == "check the model name against the server's model list");

    auto const quota = map(429, R"({"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})");
    CHECK(quota.code == errc::rate_limited);
    CHECK(quota.info.should_retry == false);
    CHECK(quota.info.hint == "quota exhausted: check your plan and billing details; retrying will not help");

    auto const rate = map(429, R"({"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}})");
    CHECK(rate.code == errc::rate_limited);
    CHECK_FALSE(rate.info.should_retry.has_value());
    CHECK(rate.info.hint.empty());

    // A 400 whose body says authentication: the body is more specific.
    CHECK(map(400, R"({"error":{"message":"no key","type":"authentication_error"}})").code ==
          errc::authentication_failed);
    CHECK(map(400, R"({"error":{"message":"nope","type":"permission_error"}})").code ==
          errc::authentication_failed);
}

TEST_CASE("map_http_error: the body's type outranks a 5xx status", "[errmap]")
{
    auto const m = map(500, R"({"error":{"code":500,"message":"\"messages\" must be an array","type":"invalid_request_error"}})");
    CHECK(m.code == errc::invalid_request);
    CHECK(m.info.detail == "the body's type invalid_request_error outranks the status");
    CHECK(m.info.server_message == "\"messages\" must be an array");

    CHECK(map(500, R"({"error":{"message":"x","type":"not_supported_error"}})").code == errc::unsupported);
    CHECK(map(503, R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})").code == errc::server_error);
    // Newer llama.cpp type for an over-long prompt.
    auto const newer = map(400, R"({"error":{"code":400,"message":"request (4476 tokens) exceeds the available context size (4096 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":4476,"n_ctx":4096}})");
    CHECK(newer.code == errc::context_length_exceeded);
    CHECK(map(400, R"({"error":{"message":"no words to match","type":"exceed_context_size_error"}})").code == errc::context_length_exceeded);
    // A 500 with no known validation message stays a server error.
    CHECK(map(500, R"({"error":{"code":500,"message":"CUDA error: out of memory","type":"server_error"}})").code == errc::server_error);
}

TEST_CASE("map_http_error: Ollama errors", "[errmap]")
{
    auto const pull = map(404, R"({"error":"model 'llama3.2' not found, try pulling it first"})", "ollama");
    CHECK(pull.code == errc::model_not_found);
    CHECK(pull.info.server_message == "model 'llama3.2' not found, try pulling it first");
    CHECK(pull.info.hint == "pull it: ollama pull llama3.2");

    auto const quoted = map(404, R"({"error":"model \"qwen2.5:7b\" not found, try pulling it first"})", "openai");
    CHECK(quoted.code == errc::model_not_found);
    CHECK(quoted.info.hint == "pull it: ollama pull qwen2.5:7b");

    auto const v1 = map(404, R"({"error":{"message":"model 'qwen2.5:7b' not found","type":"not_found_error","param":null,"code":null}})", "ollama");
    CHECK(v1.code == errc::model_not_found);
    CHECK(v1.info.hint == "pull it: ollama pull qwen2.5:7b");

    auto const tools = map(400, R"({"error":"registry.ollama.ai/library/gemma:latest does not support tools"})", "ollama");
    CHECK(tools.code == errc::invalid_request);
    CHECK(tools.info.server_message == "registry.ollama.ai/library/gemma:latest does not support tools");

    auto const busy = map(503, R"({"error":"server busy, please try again.  maximum pending requests exceeded"})", "ollama");
    CHECK(busy.code == errc::server_error);
    CHECK(busy.info.hint == "the server is busy or starting; try again shortly");

    auto const midstream = map(200, R"({"error":"an error was encountered while running the model: unexpected EOF"})", "ollama");
    CHECK(midstream.code == errc::server_error);
    CHECK(midstream.info.http_status == 200);
    CHECK(midstream.info.detail == "error reported inside an HTTP 200 response");

    auto const ctx = map(400, R"({"error":"the input length exceeds the context length"})", "ollama");
    CHECK(ctx.code == errc::context_length_exceeded);
}

TEST_CASE("map_http_error: LM Studio errors", "[errmap]")
{
    auto const no_model = map(404, R"({"error":{"message":"No models loaded. Please load a model in the developer page or use the `lms load` command.","type":"invalid_request_error","param":"model","code":"model_not_found"}})", "lmstudio");
    CHECK(no_model.code == errc::model_not_found);
    CHECK(no_model.info.hint == "load one with `lms load <model>` or `llmio load <model>`");
    auto const no_model_text = map(404, R"({"error":"No models loaded. Please load a model in the developer page or use the `lms load` command."})", "lmstudio");
    CHECK(no_model_text.code == errc::model_not_found);

    auto const unknown = map(404, "{\"error\":{\"message\":\"Model \\\"local model\\\" not found. Please specify a valid model.\\n\\nYour models: qwen2.5-7b-instruct\",\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":\"model_not_found\"}}", "lmstudio");
    CHECK(unknown.code == errc::model_not_found);
    CHECK(unknown.info.server_message == "Model \"local model\" not found. Please specify a valid model.\n\nYour models: qwen2.5-7b-instruct");

    auto const route = map(200, R"x({"error":"Unexpected endpoint or method. (GET /foo)"})x", "lmstudio");
    CHECK(route.code == errc::invalid_request);
    CHECK(route.info.server_message == "Unexpected endpoint or method. (GET /foo)");
    CHECK(route.info.hint == "check the base URL and route (LM Studio serves the OpenAI API under /v1)");
    CHECK(route.info.http_status == 200);
    try {
        HttpErrorInput in;
        in.provider = "lmstudio";
        in.rules = lmstudio::error_rules();
        in.status = 200;
        in.body = R"x({"error":"Unexpected endpoint or method. (GET /foo)"})x";
        throw_http_error(in);
        FAIL("no exception");
    } catch (InvalidRequestError const& e) {
        CHECK(std::string(e.what()) == "invalid request: Unexpected endpoint or method. (GET /foo) "
                                       "(HTTP 200; provider lmstudio; error reported inside an HTTP 200 response)");
    }

    auto const compute = map(200, R"({"error":{"message":"Compute error."},"message":"Compute error."})", "lmstudio");
    CHECK(compute.code == errc::server_error);
    CHECK(compute.info.server_message == "Compute error.");

    auto const auth = map(401, R"({"error":{"type":"invalid_request","code":"invalid_api_key","message":"An LM Studio API token is required to make requests to this server."}})", "lmstudio");
    CHECK(auth.code == errc::authentication_failed);
    CHECK(map(200, R"({"error":{"type":"invalid_request","code":"invalid_api_key","message":"token required"}})", "lmstudio").code == errc::authentication_failed);

    auto const overflow = map(200, R"({"error":"Trying to keep the first 111490 tokens when context the overflows. However, the model is loaded with context length of only 32768 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input."})", "lmstudio");
    CHECK(overflow.code == errc::context_length_exceeded);

    auto const format = map(400, R"({"error":"'response_format.type' must be 'json_schema' or 'text'"})", "lmstudio");
    CHECK(format.code == errc::invalid_request);
}

TEST_CASE("map_http_error: vLLM and proxies", "[errmap]")
{
    auto const ctx = map(400, R"({"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400})", "vllm");
    CHECK(ctx.code == errc::context_length_exceeded);
    CHECK(ctx.info.server_code == "400");

    auto const model = map(404, R"({"error":{"message":"The model `foo` does not exist.","type":"NotFoundError","param":null,"code":404}})", "vllm");
    CHECK(model.code == errc::model_not_found);

    auto const fastapi = map(422, R"({"detail":[{"loc":["body","messages"],"msg":"field required","type":"value_error.missing"}]})");
    CHECK(fastapi.code == errc::invalid_request);
    CHECK(fastapi.info.server_message == "body.messages: field required");

    HttpErrorInput in;
    in.provider = "openai";
    in.status = 502;
    in.body = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    in.content_type = "text/html";
    auto const html = map_http_error(in);
    CHECK(html.code == errc::server_error);
    CHECK(html.info.server_message == "502 Bad Gateway");
    CHECK(html.info.detail == "HTML error page (a proxy or another web server answered?)");

    auto const html404 = map(404, "<!DOCTYPE html><html><head><title>Error</title></head><body><pre>Cannot POST /v1/chat/completions</pre></body></html>");
    CHECK(html404.code == errc::invalid_request);
    CHECK(html404.info.server_message == "Error");
    CHECK(html404.info.hint == "check the base URL and route");
}

TEST_CASE("map_http_error carries headers: request id, Retry-After, x-should-retry", "[errmap]")
{
    HttpErrorInput in;
    in.provider = "openai";
    in.status = 429;
    in.body = R"({"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}})";
    in.request_id = " req_0123456789abcdef ";
    in.retry_after = "7";
    auto const m = map_http_error(in);
    CHECK(m.info.request_id == "req_0123456789abcdef");
    CHECK(m.info.retry_after == 7000ms);
    CHECK_FALSE(m.info.should_retry.has_value());
    try {
        throw_http_error(in);
        FAIL("no exception");
    } catch (RateLimitError const& e) {
        CHECK(e.retry_after() == 7000ms);
        CHECK(e.request_id() == "req_0123456789abcdef");
        CHECK(e.server_message() == "Rate limit reached");
        CHECK(e.http_status() == 429);
    }

    in.retry_after_ms = "1250";
    CHECK(map_http_error(in).info.retry_after == 1250ms);

    in.should_retry = "true";
    CHECK(map_http_error(in).info.should_retry == true);
    in.should_retry = "false";
    CHECK(map_http_error(in).info.should_retry == false);

    // The server's explicit verdict outranks the quota inference.
    in.body = R"({"error":{"message":"quota","type":"insufficient_quota","code":"insufficient_quota"}})";
    in.should_retry = "true";
    CHECK(map_http_error(in).info.should_retry == true);
    in.should_retry = "";
    CHECK(map_http_error(in).info.should_retry == false);

    // A 503 may carry Retry-After too.
    HttpErrorInput busy;
    busy.status = 503;
    busy.retry_after = "2";
    CHECK(map_http_error(busy).info.retry_after == 2000ms);
}

TEST_CASE("map_http_error bounds the raw body and the message", "[errmap]")
{
    std::string body = R"({"error":{"message":")" + std::string(10000, 'm') + R"(","type":"server_error"}})";
    auto const m = map(500, body);
    CHECK(m.info.raw_body.size() == ErrorInfo::kMaxRawBody);
    CHECK(m.info.raw_body == body.substr(0, ErrorInfo::kMaxRawBody));
    CHECK(m.info.server_message.size() <= kMaxServerMessage);
    CHECK(m.info.server_message.substr(0, 10) == "mmmmmmmmmm");
    CHECK(m.info.server_type == "server_error");

    std::string page = "<html><head><title>Oops</title></head><body>" + std::string(100000, 'x') + "</body></html>";
    auto const html = map(502, page);
    CHECK(html.info.server_message == "Oops");
    CHECK(html.info.raw_body.size() == ErrorInfo::kMaxRawBody);
}

TEST_CASE("looks_like_context_length_error: every phrase, code and type", "[errmap]")
{
    for (char const* message : {
             "This model's maximum context length is 4096 tokens.",
             "the input length exceeds the context length",
             "Error: context_length_exceeded",
             "Input exceeds the context window of this model",
             "prompt is too long: 210000 tokens > 200000 maximum",
             "Input is too long for requested model.",
             "Too many tokens in the request",
             "Reached context length of 4096 tokens with model (arch: llama) that does not currently support mid-generation context overflow.",
         }) {
        INFO(message);
        CHECK(looks_like_context_length_error(message, "", ""));
    }
    CHECK(looks_like_context_length_error("", "context_length_exceeded", ""));
    CHECK(looks_like_context_length_error("", "", "exceed_context_size_error"));
    CHECK(looks_like_context_length_error("", "exceed_context_size_error", ""));

    for (char const* message : {"Rate limit reached for requests", "File Not Found",
                                "model 'x' not found, try pulling it first", "Invalid API Key",
                                "Unsupported param: echo", ""}) {
        INFO(message);
        CHECK_FALSE(looks_like_context_length_error(message, "", "invalid_request_error"));
    }
}

TEST_CASE("looks_like_model_not_found: positives and near misses", "[errmap]")
{
    CHECK(looks_like_model_not_found("", "model_not_found", ""));
    CHECK(looks_like_model_not_found("model 'x' not found, try pulling it first", "", ""));
    CHECK(looks_like_model_not_found("model \"x\" not found, try pulling it first", "", ""));
    CHECK(looks_like_model_not_found("model 'qwen2.5:7b' not found", "", "not_found_error"));
    // LM Studio's wording is its provider's rule (test_provider_transport.cpp).
    CHECK_FALSE(looks_like_model_not_found("No models loaded. Please load a model in the developer page or use the `lms load` command.", "", ""));
    CHECK(looks_like_model_not_found("The model `gpt-9` does not exist or you do not have access to it.", "", ""));
    CHECK(looks_like_model_not_found("Model \"m\" is not loaded", "", ""));
    CHECK(looks_like_model_not_found("unknown model: foo", "", ""));

    CHECK_FALSE(looks_like_model_not_found("File Not Found", "", "not_found_error"));
    CHECK_FALSE(looks_like_model_not_found("[json.exception.out_of_range.403] key 'messages' not found", "", ""));
    CHECK_FALSE(looks_like_model_not_found("registry.ollama.ai/library/gemma:latest does not support tools", "", ""));
    CHECK_FALSE(looks_like_model_not_found("not found", "", ""));
    CHECK_FALSE(looks_like_model_not_found("", "", ""));
}

TEST_CASE("parse_retry_after: seconds, milliseconds, HTTP-dates and garbage", "[errmap]")
{
    using std::chrono::sys_days;
    using namespace std::chrono;
    // 2024-01-01 00:00:00 UTC, a Monday.
    auto const now = system_clock::time_point(sys_days(year(2024) / January / 1));

    CHECK(parse_retry_after("2", "", now) == 2000ms);
    CHECK(parse_retry_after(" 30 ", "", now) == 30000ms);
    CHECK(parse_retry_after("0", "", now) == 0ms);
    CHECK(parse_retry_after("1.5", "", now) == 1500ms);
    CHECK(parse_retry_after("0.25", "", now) == 250ms);
    CHECK(parse_retry_after(".5", "", now) == 500ms);
    CHECK(parse_retry_after("0.0004", "", now) == 1ms); // rounded up, never shorter than asked

    CHECK(parse_retry_after("", "1500", now) == 1500ms);
    CHECK(parse_retry_after("10", "250", now) == 250ms); // retry-after-ms wins
    CHECK(parse_retry_after("10", "12.5", now) == 13ms);
    CHECK(parse_retry_after("10", "soon", now) == 10000ms); // bad ms header: fall back

    // HTTP-dates in the three forms of RFC 9110.
    CHECK(parse_retry_after("Mon, 01 Jan 2024 00:00:30 GMT", "", now) == 30000ms);
    CHECK(parse_retry_after("Monday, 01-Jan-24 00:01:00 GMT", "", now) == 60000ms);
    CHECK(parse_retry_after("Mon Jan  1 00:00:10 2024", "", now) == 10000ms);
    CHECK(parse_retry_after("Tue, 02 Jan 2024 00:00:00 GMT", "", now) == 86400000ms);
    CHECK(parse_retry_after("Sun, 31 Dec 2023 23:59:00 GMT", "", now) == 0ms); // past
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", "", now) == 0ms);
    // Sub-second `now`: the wait is rounded up to whole seconds of the date.
    CHECK(parse_retry_after("Mon, 01 Jan 2024 00:00:30 GMT", "", now + 400ms) == 30000ms);

    // Far away values are capped at 366 days, never overflow.
    auto const cap = duration_cast<milliseconds>(hours(24 * 366));
    CHECK(parse_retry_after("99999999999999999999999", "", now) == cap);
    CHECK(parse_retry_after("", "99999999999999999999999", now) == cap);
    CHECK(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", "", now) == cap);

    for (char const* garbage :
         {"", "soon", "-5", "+5", "1e3", "inf", "nan", "1.2.3", ".", "5 s", "0x10",
          "Mon, 32 Jan 2024 00:00:00 GMT", "Mon, 01 Foo 2024 00:00:00 GMT",
          "Mon, 01 Jan 2024 25:00:00 GMT", "Mon, 01 Jan 2024 GMT", "12:00:00",
          "Mon, 30 Feb 2024 00:00:00 GMT", "Mon, 01 Jan 2024 00:00:00 PST"}) {
        INFO(garbage);
        CHECK_FALSE(parse_retry_after(garbage, "", now).has_value());
    }
}

TEST_CASE("parse_should_retry reads x-should-retry", "[errmap]")
{
    CHECK(parse_should_retry("true") == true);
    CHECK(parse_should_retry(" TRUE ") == true);
    CHECK(parse_should_retry("false") == false);
    CHECK(parse_should_retry("False") == false);
    CHECK_FALSE(parse_should_retry("").has_value());
    CHECK_FALSE(parse_should_retry("yes").has_value());
    CHECK_FALSE(parse_should_retry("1").has_value());
}

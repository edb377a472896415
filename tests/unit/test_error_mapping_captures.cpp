// Every error a real llama-server (b4747) produced, mapped by hand-written expectation.
// Captures: tests/data/captures/llama-server (INDEX.txt lists the statuses).

#include <llmio/error_mapping.hpp>
#include <llmio/openai/error_rules.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <typeinfo>

using namespace llmio;

namespace {

struct Capture {
    int status = 0;
    std::string content_type;
    std::string body;
};

Capture load_capture(std::string const& name)
{
    std::string const path = std::string(LLMIO_CAPTURES_DIR) + "/llama-server/" + name + ".http";
    std::ifstream file(path, std::ios::binary);
    REQUIRE(file.good());
    std::stringstream buffer;
    buffer << file.rdbuf();
    std::string const raw = buffer.str();
    auto const end_of_headers = raw.find("\r\n\r\n");
    REQUIRE(end_of_headers != std::string::npos);
    Capture c;
    c.status = std::stoi(raw.substr(raw.find(' ') + 1, 3));
    std::string const headers = raw.substr(0, end_of_headers);
    auto const ct = headers.find("Content-Type: ");
    REQUIRE(ct != std::string::npos);
    c.content_type = headers.substr(ct + 14, headers.find("\r\n", ct) - ct - 14);
    c.body = raw.substr(end_of_headers + 4);
    return c;
}

// The payload of llama.cpp's non-standard `error: {...}` SSE line, as the SSE layer hands it over.
std::string stream_error_payload(std::string const& body)
{
    auto const at = body.find("\nerror: ") != std::string::npos ? body.find("\nerror: ") + 1
                                                                  : body.find("error: ");
    REQUIRE(at != std::string::npos);
    auto const start = at + 7;
    return body.substr(start, body.find('\n', start) - start);
}

struct Expected {
    char const* capture;
    int status;
    errc code;
    char const* type_name; // the ProviderError subclass thrown
    char const* message;
    char const* server_type;
    char const* server_code;
};

template <class E>
bool thrown_as(std::exception_ptr const& p)
{
    try {
        std::rethrow_exception(p);
    } catch (E const&) {
        return true;
    } catch (...) {
        return false;
    }
}

bool thrown_as_named(std::exception_ptr const& p, std::string const& name)
{
    if (name == "ServerError") return thrown_as<ServerError>(p);
    if (name == "InvalidRequestError") return thrown_as<InvalidRequestError>(p);
    if (name == "AuthenticationError") return thrown_as<AuthenticationError>(p);
    if (name == "ContextLengthError") return thrown_as<ContextLengthError>(p);
    if (name == "ModelNotFoundError") return thrown_as<ModelNotFoundError>(p);
    if (name == "RateLimitError") return thrown_as<RateLimitError>(p);
    return false;
}

} // namespace

TEST_CASE("every non-2xx llama-server capture maps to its hand-checked error", "[errmap]")
{
    // clang-format off
    Expected const cases[] = {
        {"00-health-while-loading", 503, errc::server_error, "ServerError",
         "Loading model", "unavailable_error", "503"},
        {"27-tools-stream", 500, errc::unsupported, "InvalidRequestError",
         "Cannot use tools with stream", "server_error", "500"},
        {"30-chat-malformed-json", 500, errc::invalid_request, "InvalidRequestError",
         "[json.exception.parse_error.101] parse error at line 1, column 65: syntax error while "
         "parsing array - unexpected end of input; expected ']'", "server_error", "500"},
        {"31-chat-missing-messages", 500, errc::invalid_request, "InvalidRequestError",
         "[json.exception.out_of_range.403] key 'messages' not found", "server_error", "500"},
        {"33-chat-bad-role", 500, errc::invalid_request, "InvalidRequestError",
         "Failed to parse messages: Expected 'content' (ref: "
         "https://github.com/ggml-org/llama.cpp/issues/8367); messages = [\n  {\n    \"role\": "
         "\"user\"\n  }\n]", "server_error", "500"},
        {"34-chat-n-2", 500, errc::unsupported, "InvalidRequestError",
         "Only one completion choice is allowed", "server_error", "500"},
        {"40-completions-echo-unsupported", 500, errc::unsupported, "InvalidRequestError",
         "Unsupported param: echo", "server_error", "500"},
        {"41-completions-missing-prompt", 500, errc::invalid_request, "InvalidRequestError",
         "\"prompt\" is required", "server_error", "500"},
        {"42-embeddings-on-chat-server", 400, errc::invalid_request, "InvalidRequestError",
         "Pooling type 'none' is not OAI compatible. Please use a different pooling type",
         "invalid_request_error", "400"},
        {"43-not-found-path", 404, errc::invalid_request, "InvalidRequestError",
         "File Not Found", "not_found_error", "404"},
        {"47-slots", 501, errc::unsupported, "InvalidRequestError",
         "This server does not support slots endpoint. Start it with `--slots`",
         "not_supported_error", "501"},
        {"48-metrics-disabled", 501, errc::unsupported, "InvalidRequestError",
         "This server does not support metrics endpoint. Start it with `--metrics`",
         "not_supported_error", "501"},
        {"54-emb-empty-string", 400, errc::invalid_request, "InvalidRequestError",
         "Input content cannot be empty", "invalid_request_error", "400"},
        {"55-emb-missing-input", 400, errc::invalid_request, "InvalidRequestError",
         "\"input\" or \"content\" must be provided", "invalid_request_error", "400"},
        {"56-emb-too-long", 500, errc::context_length_exceeded, "ContextLengthError",
         "input is too large to process. increase the physical batch size", "server_error", "500"},
        {"57-emb-chat-refused", 501, errc::unsupported, "InvalidRequestError",
         "This server does not support completions. Start it without `--embeddings`",
         "not_supported_error", "501"},
        {"60-key-chat-no-key", 401, errc::authentication_failed, "AuthenticationError",
         "Invalid API Key", "authentication_error", "401"},
        {"61-key-chat-wrong-key", 401, errc::authentication_failed, "AuthenticationError",
         "Invalid API Key", "authentication_error", "401"},
        {"63-key-chat-x-api-key", 401, errc::authentication_failed, "AuthenticationError",
         "Invalid API Key", "authentication_error", "401"},
        {"64-nojinja-tools", 500, errc::unsupported, "InvalidRequestError",
         "tools param requires --jinja flag", "server_error", "500"},
        {"65-nojinja-tool-choice", 500, errc::unsupported, "InvalidRequestError",
         "Unsupported param: tool_choice", "server_error", "500"},
        {"66-ctx-too-long-no-shift", 400, errc::context_length_exceeded, "ContextLengthError",
         "the request exceeds the available context size. try increasing the context size or "
         "enable context shift", "invalid_request_error", "400"},
        {"68-ctx-fills-during-generation", 500, errc::context_length_exceeded, "ContextLengthError",
         "context shift is disabled", "server_error", "500"},
        {"74-bert-emb-too-long", 500, errc::context_length_exceeded, "ContextLengthError",
         "input is too large to process. increase the physical batch size", "server_error", "500"},
        {"76-bert-props-when-model-has-no-eos-token", 500, errc::server_error, "ServerError",
         "vector::_M_range_check: __n (which is 18446744073709551615) >= this->size() (which is "
         "30522)", "server_error", "500"},
    };
    // clang-format on
    for (auto const& e : cases) {
        INFO(e.capture);
        Capture const c = load_capture(e.capture);
        REQUIRE(c.status == e.status);
        HttpErrorInput in;
        in.provider = "openai";
        in.rules = openai::error_rules(); // llama-server is served by the OpenAI provider
        in.status = c.status;
        in.body = c.body;
        in.content_type = c.content_type;
        MappedError const m = map_http_error(in);
        CHECK(m.code == e.code);
        CHECK(m.info.http_status == e.status);
        CHECK(m.info.server_message == e.message);
        CHECK(m.info.server_type == e.server_type);
        CHECK(m.info.server_code == e.server_code);
        CHECK(m.info.provider == "openai");
        CHECK(m.info.raw_body == c.body);
        auto const thrown = make_http_error(in);
        CHECK(thrown_as_named(thrown, e.type_name));
        CHECK_THROWS_AS(throw_http_error(in), ProviderError);
    }
}

TEST_CASE("llama-server captures: hints say what to do", "[errmap]")
{
    auto hint_of = [](char const* name) {
        Capture const c = load_capture(name);
        HttpErrorInput in;
        in.provider = "openai";
        in.rules = openai::error_rules(); // llama-server is served by the OpenAI provider
        in.status = c.status;
        in.body = c.body;
        return map_http_error(in).info.hint;
    };
    CHECK(hint_of("00-health-while-loading") == "the server is still loading the model");
    CHECK(hint_of("64-nojinja-tools") == "start llama-server with --jinja");
    CHECK(hint_of("34-chat-n-2") == "send n = 1");
    CHECK(hint_of("43-not-found-path") == "check the base URL and route");
    CHECK(hint_of("60-key-chat-no-key") == "check the API key (Authorization: Bearer <key>)");
    CHECK(hint_of("68-ctx-fills-during-generation") ==
          "the context filled during generation: lower max_tokens, start llama-server with a "
          "larger --ctx-size, or enable --context-shift");
    CHECK(hint_of("56-emb-too-long") ==
          "shorten the input or start llama-server with a larger --ubatch-size/--batch-size");
    CHECK(hint_of("66-ctx-too-long-no-shift") ==
          "shorten the prompt or lower max_tokens, or load the model with a larger context length");
}

TEST_CASE("llama-server captures: a 503 while loading is retryable, a 501 is not", "[errmap]")
{
    Capture const loading = load_capture("00-health-while-loading");
    HttpErrorInput in;
    in.provider = "llamacpp";
    in.status = loading.status;
    in.body = loading.body;
    try {
        throw_http_error(in);
        FAIL("no exception");
    } catch (ServerError const& e) {
        CHECK(e.retryable());
        CHECK(std::string(e.what()) == "server error: Loading model (HTTP 503; provider llamacpp)");
    }

    Capture const slots = load_capture("47-slots");
    in.status = slots.status;
    in.body = slots.body;
    try {
        throw_http_error(in);
        FAIL("no exception");
    } catch (InvalidRequestError const& e) {
        CHECK(e.error() == errc::unsupported);
        CHECK_FALSE(e.retryable());
    }
}

TEST_CASE("llama-server stream captures: the `error:` line becomes a typed error", "[errmap]")
{
    SECTION("67: prompt too long, reported inside a 200 event stream")
    {
        Capture const c = load_capture("67-ctx-too-long-no-shift-stream");
        REQUIRE(c.status == 200);
        REQUIRE(c.content_type == "text/event-stream");
        std::string const payload = stream_error_payload(c.body);
        HttpErrorInput in;
        in.provider = "openai";
        in.rules = openai::error_rules(); // llama-server is served by the OpenAI provider
        in.status = 200;
        in.body = payload;
        in.content_type = c.content_type;
        MappedError const m = map_http_error(in);
        CHECK(m.code == errc::context_length_exceeded);
        CHECK(m.info.http_status == 200);
        CHECK(m.info.server_message ==
              "the request exceeds the available context size. try increasing the context size "
              "or enable context shift");
        CHECK(m.info.server_type == "invalid_request_error");
        CHECK(m.info.server_code == "400");
        CHECK(m.info.detail == "error reported inside an HTTP 200 response");
        CHECK(thrown_as<ContextLengthError>(make_http_error(in)));
    }
    SECTION("69: the context fills during generation, after content was streamed")
    {
        Capture const c = load_capture("69-ctx-fills-during-gen-stream");
        REQUIRE(c.status == 200);
        std::string const payload = stream_error_payload(c.body);
        REQUIRE(payload == R"({"code":500,"message":"context shift is disabled","type":"server_error"})");
        HttpErrorInput in;
        in.provider = "openai";
        in.rules = openai::error_rules(); // llama-server is served by the OpenAI provider
        in.status = 200;
        in.body = payload;
        MappedError const m = map_http_error(in);
        CHECK(m.code == errc::context_length_exceeded);
        CHECK(m.info.http_status == 200);
        CHECK(m.info.server_message == "context shift is disabled");
        CHECK(m.info.server_code == "500");
        CHECK(thrown_as<ContextLengthError>(make_http_error(in)));
    }
}

TEST_CASE("llama-server 2xx captures that look odd are not error bodies", "[errmap]")
{
    // 29 unknown model, 32 empty messages, 35 prompt over the context with shift on, 36 wrong
    // Content-Type: llama-server answers all of them with a normal completion.
    for (char const* name : {"29-chat-unknown-model", "32-chat-empty-messages",
                             "35-chat-too-long-ctxshift-on", "36-chat-wrong-content-type"}) {
        INFO(name);
        Capture const c = load_capture(name);
        CHECK(c.status == 200);
        CHECK_FALSE(parse_error_body(c.body).recognised);
    }
    // A normal chunk of the stream in 69 is not an error either.
    Capture const stream = load_capture("69-ctx-fills-during-gen-stream");
    auto const first = stream.body.find("data: ") + 6;
    std::string const chunk = stream.body.substr(first, stream.body.find('\n', first) - first);
    CHECK_FALSE(parse_error_body(chunk).recognised);
}

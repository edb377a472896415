#include <llmio/testing/emulators/openai_emulator.hpp>

#include <llmio/testing/emulators/json_text.hpp>
#include <llmio/testing/emulators/reply_generator.hpp>
#include <llmio/testing/emulators/tool_deltas.hpp>

#include <boost/beast/http/verb.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/stream_parser.hpp>

#include <algorithm>

namespace llmio::emulators {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view kOpenAiFingerprint = "fp_emulator";
constexpr std::string_view kLlamaFingerprint = "b0-unknown";
constexpr std::string_view kLlamaJson = "application/json; charset=utf-8";
constexpr std::string_view kOpenAiJson = "application/json";
constexpr std::string_view kLlamaSse = "text/event-stream";
constexpr std::string_view kOpenAiSse = "text/event-stream; charset=utf-8";
constexpr std::size_t kMaxChoices = 128;

std::string_view kind_name(json::value const& v)
{
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64: return "number";
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
    }
    return "value";
}

std::string_view string_of(json::object const& o, std::string_view key)
{
    if (auto const* v = o.if_contains(key); v && v->is_string())
        return v->get_string();
    return {};
}

bool flag(json::object const& o, std::string_view key)
{
    auto const* v = o.if_contains(key);
    return v && v->is_bool() && v->get_bool();
}

/// llama.cpp (nlohmann::json) parse-error text for an unparsable body, as capture 30 shows.
std::string llama_parse_error(std::string_view body, std::size_t offset, bool at_end)
{
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset && i < body.size(); ++i) {
        if (body[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    std::size_t const column = offset - line_start + 1;
    std::string what;
    if (at_end) {
        // The innermost container still open at the end decides the expectation.
        std::vector<char> open;
        bool in_string = false;
        bool escaped = false;
        for (char c : body) {
            if (in_string) {
                if (escaped)
                    escaped = false;
                else if (c == '\\')
                    escaped = true;
                else if (c == '"')
                    in_string = false;
            } else if (c == '"') {
                in_string = true;
            } else if (c == '[' || c == '{') {
                open.push_back(c);
            } else if ((c == ']' || c == '}') && !open.empty()) {
                open.pop_back();
            }
        }
        if (open.empty())
            what = "syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal";
        else if (open.back() == '[')
            what = "syntax error while parsing array - unexpected end of input; expected ']'";
        else
            what = "syntax error while parsing object - unexpected end of input; expected '}'";
    } else {
        std::size_t const from = offset > 15 ? offset - 15 : 0;
        std::size_t const to = std::min(body.size(), offset + 1);
        what = "syntax error while parsing value - invalid literal; last read: '" +
               std::string(body.substr(from, to - from)) + "'";
    }
    return "[json.exception.parse_error.101] parse error at line " + std::to_string(line) +
           ", column " + std::to_string(column) + ": " + what;
}

json::object llama_timings(std::size_t prompt_n, std::size_t predicted_n)
{
    // Fixed fake speeds: 0.25 ms per prompt token, 1 ms per generated token.
    auto speeds = [](std::size_t n, double per_token) {
        double const ms = per_token * static_cast<double>(std::max<std::size_t>(n, 1));
        double const per = n ? ms / static_cast<double>(n) : ms;
        double const per_second = n ? 1000.0 * static_cast<double>(n) / ms : 0.0;
        return std::tuple{ms, per, per_second};
    };
    auto const [pms, pper, pps] = speeds(prompt_n, 0.25);
    auto const [gms, gper, gps] = speeds(predicted_n, 1.0);
    return json::object{{"prompt_n", prompt_n},       {"prompt_ms", pms},
                        {"prompt_per_token_ms", pper}, {"prompt_per_second", pps},
                        {"predicted_n", predicted_n},  {"predicted_ms", gms},
                        {"predicted_per_token_ms", gper}, {"predicted_per_second", gps}};
}

json::object llama_usage(std::size_t prompt, std::size_t completion)
{
    return json::object{{"completion_tokens", completion},
                        {"prompt_tokens", prompt},
                        {"total_tokens", prompt + completion}};
}

json::object openai_usage(std::size_t prompt, std::size_t completion, std::size_t reasoning)
{
    return json::object{
        {"prompt_tokens", prompt},
        {"completion_tokens", completion},
        {"total_tokens", prompt + completion},
        {"prompt_tokens_details", json::object{{"cached_tokens", 0}, {"audio_tokens", 0}}},
        {"completion_tokens_details", json::object{{"reasoning_tokens", reasoning},
                                                   {"audio_tokens", 0},
                                                   {"accepted_prediction_tokens", 0},
                                                   {"rejected_prediction_tokens", 0}}}};
}

std::string mask_key(std::string_view key)
{
    if (key.size() <= 8)
        return std::string(key.size(), '*');
    return std::string(key.substr(0, 3)) + std::string(key.size() - 7, '*') +
           std::string(key.substr(key.size() - 4));
}

/// One prompt/input as text (token arrays become their numbers joined by spaces).
std::optional<std::string> token_array_text(json::array const& a)
{
    std::string out;
    for (auto const& t : a) {
        if (!t.is_int64() && !t.is_uint64())
            return std::nullopt;
        if (!out.empty())
            out += ' ';
        out += to_json(t);
    }
    return out;
}

/// `prompt` / `input`: a string, strings, a token array or token arrays. nullopt: bad type.
std::optional<std::vector<std::string>> text_inputs(json::value const& v)
{
    std::vector<std::string> out;
    if (v.is_string()) {
        out.emplace_back(v.get_string());
        return out;
    }
    if (!v.is_array())
        return std::nullopt;
    auto const& a = v.get_array();
    if (!a.empty() && (a.front().is_int64() || a.front().is_uint64())) {
        auto text = token_array_text(a);
        if (!text)
            return std::nullopt;
        out.push_back(std::move(*text));
        return out;
    }
    for (auto const& each : a) {
        if (each.is_string()) {
            out.emplace_back(each.get_string());
        } else if (each.is_array()) {
            auto text = token_array_text(each.get_array());
            if (!text)
                return std::nullopt;
            out.push_back(std::move(*text));
        } else {
            return std::nullopt;
        }
    }
    return out;
}

} // namespace

OpenAiEmulatorConfig OpenAiEmulatorConfig::openai()
{
    OpenAiEmulatorConfig c;
    c.flavour = OpenAiFlavour::openai;
    c.models = {{"gpt-4o-mini", "system"}, {"text-embedding-3-small", "system"}};
    return c;
}

OpenAiEmulatorConfig OpenAiEmulatorConfig::llamacpp()
{
    OpenAiEmulatorConfig c;
    c.flavour = OpenAiFlavour::llamacpp;
    c.models = {{"tiny-llama", "llamacpp"}};
    return c;
}

struct OpenAiEmulator::Parsed {
    json::object body;
    std::string model;
};

OpenAiEmulator::OpenAiEmulator(OpenAiEmulatorConfig config) : config_(std::move(config))
{
    if (config_.models.empty())
        config_.models.push_back({llama() ? "tiny-llama" : "gpt-4o-mini", {}});
    for (auto& m : config_.models)
        if (m.owned_by.empty())
            m.owned_by = llama() ? "llamacpp" : "system";

    auto bind = [this](asio::awaitable<void> (OpenAiEmulator::*fn)(Request&, ResponseWriter&)) {
        return [this, fn](Request& r, ResponseWriter& w) { return (this->*fn)(r, w); };
    };
    router_.get("/v1/models", bind(&OpenAiEmulator::models));
    router_.post("/v1/chat/completions", bind(&OpenAiEmulator::chat));
    router_.post("/v1/completions", bind(&OpenAiEmulator::completions));
    router_.post("/v1/embeddings", bind(&OpenAiEmulator::embeddings));
    if (llama()) {
        router_.get("/models", bind(&OpenAiEmulator::models));
        router_.get("/health", bind(&OpenAiEmulator::health));
        router_.get("/v1/health", bind(&OpenAiEmulator::health));
        // Endpoints llama-server disables by default (captures 47, 48).
        router_.get("/slots", [this](Request&, ResponseWriter& w) {
            return send_error(w, 501, "This server does not support slots endpoint. Start it with `--slots`",
                              "not_supported_error");
        });
        router_.get("/metrics", [this](Request&, ResponseWriter& w) {
            return send_error(w, 501,
                              "This server does not support metrics endpoint. Start it with `--metrics`",
                              "not_supported_error");
        });
    } else {
        router_.get("/v1/models/{model}", bind(&OpenAiEmulator::model));
    }

    router_.set_not_found([this](Request& r, ResponseWriter& w) -> asio::awaitable<void> {
        if (llama())
            co_await send_error(w, 404, "File Not Found", "not_found_error");
        else
            co_await send_error(w, 404,
                                "Invalid URL (" + std::string(r.method_string()) + " " +
                                    std::string(r.path) + ")",
                                "invalid_request_error");
    });
    router_.set_method_not_allowed(
        [this](Request& r, ResponseWriter& w, std::string const& allow) -> asio::awaitable<void> {
            if (r.method() == http::verb::unknown) {
                co_await w.send(501, error_body(501, "Not Implemented", "not_supported_error"),
                                llama() ? kLlamaJson : kOpenAiJson, response_headers(r));
            } else if (llama()) {
                // cpp-httplib has no 405: a route without this method is "not found".
                co_await send_error(w, 404, "File Not Found", "not_found_error");
            } else {
                auto headers = response_headers(r);
                headers.emplace_back("Allow", allow);
                co_await w.send(405,
                                error_body(405,
                                           "Invalid method for URL (" + std::string(r.method_string()) +
                                               " " + std::string(r.path) + ")",
                                           "invalid_request_error"),
                                kOpenAiJson, headers);
            }
        });
}

Headers OpenAiEmulator::base_headers() const
{
    if (llama())
        return {{"Keep-Alive", "timeout=5, max=100"},
                {std::string(kContentTypeSlot), ""},
                {"Server", "llama.cpp"},
                {std::string(kFramingSlot), ""},
                {"Access-Control-Allow-Origin", ""}};
    return {{std::string(kContentTypeSlot), ""}, {std::string(kFramingSlot), ""}};
}

Headers OpenAiEmulator::response_headers(Request const& request) const
{
    if (llama())
        return {};
    return {{"openai-version", "2020-10-01"},
            {"openai-processing-ms", "1"},
            {"x-request-id", make_id("req_", request.sequence * 7919 + 17, 32)}};
}

std::string OpenAiEmulator::error_body(int status, std::string_view message, std::string_view type,
                                       std::optional<std::string_view> param,
                                       std::optional<std::string_view> code) const
{
    if (llama())
        return "{\"error\":{\"code\":" + std::to_string(status) + ",\"message\":" + quoted(message) +
               ",\"type\":" + quoted(type) + "}}";
    return "{\"error\":{\"message\":" + quoted(message) + ",\"type\":" + quoted(type) +
           ",\"param\":" + (param ? quoted(*param) : "null") +
           ",\"code\":" + (code ? quoted(*code) : "null") + "}}";
}

std::string OpenAiEmulator::framework_error_body(int status, std::string_view message) const
{
    std::string_view type = status >= 500 ? "server_error" : "invalid_request_error";
    return error_body(status, message, type);
}

asio::awaitable<void> OpenAiEmulator::send_error(ResponseWriter& writer, int status,
                                                 std::string_view message, std::string_view type,
                                                 std::optional<std::string_view> param,
                                                 std::optional<std::string_view> code)
{
    co_await writer.send(status, error_body(status, message, type, param, code),
                         llama() ? kLlamaJson : kOpenAiJson, response_headers(writer.request()));
}

asio::awaitable<void> OpenAiEmulator::send_json(ResponseWriter& writer, Request const& request,
                                                int status, std::string const& body)
{
    co_await writer.send(status, body, llama() ? kLlamaJson : kOpenAiJson, response_headers(request));
}

bool OpenAiEmulator::is_reasoning_model(std::string_view model) const
{
    if (model.find("reason") != std::string_view::npos)
        return true;
    return std::find(config_.reasoning_models.begin(), config_.reasoning_models.end(), model) !=
           config_.reasoning_models.end();
}

bool OpenAiEmulator::known_model(std::string_view id) const
{
    return std::any_of(config_.models.begin(), config_.models.end(),
                       [&](EmulatedModel const& m) { return m.id == id; });
}

asio::awaitable<void> OpenAiEmulator::handle(Request& request, ResponseWriter& writer)
{
    if (llama() && request.method() == http::verb::options) {
        co_await preflight(request, writer);
        co_return;
    }
    if (llama() && loading_) {
        co_await send_error(writer, 503, "Loading model", "unavailable_error");
        co_return;
    }
    co_await router_.dispatch(request, writer);
}

asio::awaitable<void> OpenAiEmulator::preflight(Request& request, ResponseWriter& writer)
{
    // Capture 44: llama-server answers every CORS preflight with 200.
    std::string origin(request.header("origin").value_or(""));
    // (Built outside the co_await: GCC mis-compiles braced lists in coroutine arguments.)
    Headers const headers{{"Access-Control-Allow-Origin", origin},
                          {"Access-Control-Allow-Credentials", "true"},
                          {"Access-Control-Allow-Headers", "*"},
                          {"Access-Control-Allow-Methods", "GET, POST"}};
    co_await writer.send(200, "", "text/html", headers);
}

asio::awaitable<void> OpenAiEmulator::health(Request& request, ResponseWriter& writer)
{
    co_await send_json(writer, request, 200, R"({"status":"ok"})");
}

asio::awaitable<bool> OpenAiEmulator::admit(Request& request, ResponseWriter& writer, Parsed& parsed)
{
    if (config_.api_key) {
        auto const auth = request.header("authorization");
        std::string_view const prefix = "Bearer ";
        std::optional<std::string_view> key;
        if (auth && auth->size() >= prefix.size() && auth->substr(0, prefix.size()) == prefix)
            key = auth->substr(prefix.size());
        if (!key || *key != *config_.api_key) {
            if (llama())
                co_await send_error(writer, 401, "Invalid API Key", "authentication_error");
            else if (!key)
                co_await send_error(
                    writer, 401,
                    "You didn't provide an API key. You need to provide your API key in an "
                    "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), "
                    "or as the password field (with blank username) if you're accessing the API "
                    "from your browser and are prompted for a username and password. You can "
                    "obtain an API key from https://platform.openai.com/account/api-keys.",
                    "invalid_request_error");
            else
                co_await send_error(writer, 401,
                                    "Incorrect API key provided: " + mask_key(*key) +
                                        ". You can find your API key at "
                                        "https://platform.openai.com/account/api-keys.",
                                    "invalid_request_error", std::nullopt, "invalid_api_key");
            co_return false;
        }
    }
    if (request.method() != http::verb::post)
        co_return true;

    json::stream_parser parser;
    boost::system::error_code ec;
    auto const body = request.body();
    std::size_t const consumed = parser.write(body.data(), body.size(), ec);
    bool at_end = false;
    if (!ec) {
        parser.finish(ec);
        at_end = true;
    }
    if (ec) {
        if (llama())
            co_await send_error(writer, 500, llama_parse_error(body, at_end ? body.size() : consumed, at_end),
                                "server_error");
        else
            co_await send_error(
                writer, 400,
                "We could not parse the JSON body of your request. (HINT: This likely means you "
                "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, "
                "but what was sent was not valid JSON. If you have trouble figuring out how to fix "
                "this, please contact us through our help center at help.openai.com.)",
                "invalid_request_error");
        co_return false;
    }
    json::value value = parser.release();
    if (!value.is_object()) {
        if (llama())
            co_await send_error(writer, 500,
                                "[json.exception.type_error.302] type must be object, but is " +
                                    std::string(kind_name(value)),
                                "server_error");
        else
            co_await send_error(writer, 400,
                                "Invalid type for request body: expected an object, but got " +
                                    std::string(kind_name(value)) + " instead.",
                                "invalid_request_error", std::nullopt, "invalid_type");
        co_return false;
    }
    parsed.body = std::move(value.get_object());

    auto const model = string_of(parsed.body, "model");
    if (llama()) {
        // llama-server serves its one model whatever the request names (capture 29).
        parsed.model = model.empty() ? config_.models.front().id : std::string(model);
        co_return true;
    }
    if (model.empty()) {
        co_await send_error(writer, 400, "you must provide a model parameter", "invalid_request_error");
        co_return false;
    }
    if (!known_model(model)) {
        co_await send_error(writer, 404,
                            "The model `" + std::string(model) +
                                "` does not exist or you do not have access to it.",
                            "invalid_request_error", std::nullopt, "model_not_found");
        co_return false;
    }
    parsed.model = std::string(model);
    co_return true;
}

asio::awaitable<void> OpenAiEmulator::models(Request& request, ResponseWriter& writer)
{
    Parsed unused;
    if (!llama() && !co_await admit(request, writer, unused))
        co_return;
    json::array data;
    for (auto const& m : config_.models) {
        json::object entry{{"id", m.id},
                           {"object", "model"},
                           {"created", config_.created},
                           {"owned_by", m.owned_by}};
        if (llama())
            entry["meta"] = json::object{
                {"vocab_type", 2},
                {"n_vocab", 298},
                {"n_ctx_train", config_.context_length ? config_.context_length : 2048},
                {"n_embd", config_.embedding_dimensions},
                {"n_params", 136768},
                {"size", 547072}};
        data.push_back(std::move(entry));
    }
    json::object const out{{"object", "list"}, {"data", std::move(data)}};
    co_await send_json(writer, request, 200, to_json(out));
}

asio::awaitable<void> OpenAiEmulator::model(Request& request, ResponseWriter& writer)
{
    Parsed unused;
    if (!co_await admit(request, writer, unused))
        co_return;
    auto const id = request.param("model").value_or("");
    for (auto const& m : config_.models) {
        if (m.id != id)
            continue;
        json::object const out{
            {"id", m.id}, {"object", "model"}, {"created", config_.created}, {"owned_by", m.owned_by}};
        co_await send_json(writer, request, 200, to_json(out));
        co_return;
    }
    co_await send_error(writer, 404,
                        "The model '" + id + "' does not exist", "invalid_request_error", "model",
                        "model_not_found");
}

// ----------------------------------------------------------------------------------------
// Chat completions

asio::awaitable<void> OpenAiEmulator::chat(Request& request, ResponseWriter& writer)
{
    Parsed parsed;
    if (!co_await admit(request, writer, parsed))
        co_return;
    auto const& body = parsed.body;

    auto const* messages = body.if_contains("messages");
    if (!messages) {
        if (llama())
            co_await send_error(writer, 500, "[json.exception.out_of_range.403] key 'messages' not found",
                                "server_error");
        else
            co_await send_error(writer, 400, "Missing required parameter: 'messages'.",
                                "invalid_request_error", "messages", "missing_required_parameter");
        co_return;
    }
    if (!messages->is_array()) {
        if (llama())
            co_await send_error(writer, 500,
                                "[json.exception.type_error.302] type must be array, but is " +
                                    std::string(kind_name(*messages)),
                                "server_error");
        else
            co_await send_error(writer, 400,
                                "Invalid type for 'messages': expected an array, but got " +
                                    std::string(kind_name(*messages)) + " instead.",
                                "invalid_request_error", "messages", "invalid_type");
        co_return;
    }
    auto const& list = messages->get_array();
    if (list.empty() && !llama()) {
        // llama-server answers an empty list (capture 32); OpenAI refuses it.
        co_await send_error(writer, 400,
                            "Invalid 'messages': empty array. Expected an array with minimum length 1, "
                            "but got an empty array instead.",
                            "invalid_request_error", "messages", "empty_array");
        co_return;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
        std::string const where = "messages[" + std::to_string(i) + "]";
        if (!list[i].is_object()) {
            co_await send_error(writer, llama() ? 500 : 400,
                                "Invalid type for '" + where + "': expected an object, but got " +
                                    std::string(kind_name(list[i])) + " instead.",
                                llama() ? "server_error" : "invalid_request_error", where, "invalid_type");
            co_return;
        }
        auto const& m = list[i].get_object();
        auto const role = string_of(m, "role");
        static constexpr std::string_view roles[] = {"system", "developer", "user", "assistant",
                                                     "tool", "function"};
        if (std::find(std::begin(roles), std::end(roles), role) == std::end(roles)) {
            co_await send_error(writer, llama() ? 500 : 400,
                                "Invalid value: '" + std::string(role) +
                                    "'. Supported values are: 'system', 'assistant', 'user', "
                                    "'function', 'tool', and 'developer'.",
                                llama() ? "server_error" : "invalid_request_error", where + ".role",
                                "invalid_value");
            co_return;
        }
        bool const needs_content = role != "assistant";
        if (needs_content && !m.contains("content")) {
            if (llama())
                co_await send_error(writer, 500,
                                    "Failed to parse messages: Expected 'content' (ref: "
                                    "https://github.com/ggml-org/llama.cpp/issues/8367); messages = " +
                                        to_json(list),
                                    "server_error");
            else
                co_await send_error(writer, 400,
                                    "Missing required parameter: '" + where + ".content'.",
                                    "invalid_request_error", where + ".content",
                                    "missing_required_parameter");
            co_return;
        }
    }

    std::size_t choices = 1;
    if (auto const* n = body.if_contains("n"); n && n->is_int64()) {
        if (n->as_int64() != 1 && llama()) {
            co_await send_error(writer, 500, "Only one completion choice is allowed", "server_error");
            co_return;
        }
        if (n->as_int64() < 1 || n->as_int64() > static_cast<std::int64_t>(kMaxChoices)) {
            co_await send_error(writer, 400,
                                "Invalid 'n': integer out of range. Expected a value between 1 and 128.",
                                "invalid_request_error", "n", "integer_out_of_range");
            co_return;
        }
        choices = static_cast<std::size_t>(n->as_int64());
    }

    bool const stream = flag(body, "stream");
    auto const* tools = body.if_contains("tools");
    bool const has_tools = tools && tools->is_array() && !tools->get_array().empty();
    if (llama() && stream && has_tools && config_.llamacpp_rejects_streamed_tools) {
        co_await send_error(writer, 500, "Cannot use tools with stream", "server_error");
        co_return;
    }

    std::size_t const prompt_words = count_prompt_words(body);
    if (config_.context_length && prompt_words > config_.context_length) {
        if (llama()) {
            constexpr std::string_view message =
                "the request exceeds the available context size. try increasing the context size "
                "or enable context shift";
            if (stream) {
                // Capture 67: the error arrives inside a 200 stream, as an `error:` line.
                if (!co_await writer.begin_stream(200, StreamFormat::sse, kLlamaSse))
                    co_return;
                std::string const line = "error: {\"code\":400,\"message\":" + quoted(message) +
                                         ",\"type\":\"invalid_request_error\"}\n\n";
                if (co_await writer.raw(line))
                    co_await writer.finish("[DONE]");
                co_return;
            }
            co_await send_error(writer, 400, message, "invalid_request_error");
        } else {
            co_await send_error(writer, 400,
                                "This model's maximum context length is " +
                                    std::to_string(config_.context_length) +
                                    " tokens. However, your messages resulted in " +
                                    std::to_string(prompt_words) +
                                    " tokens. Please reduce the length of the messages.",
                                "invalid_request_error", "messages", "context_length_exceeded");
        }
        co_return;
    }

    bool const reasoning = config_.reasoning != ReasoningStyle::off && is_reasoning_model(parsed.model);
    GeneratedReply reply = generate_chat_reply(body, reasoning);
    if (llama())
        for (auto& call : reply.tool_calls)
            call.id.clear(); // llama-server b4747 sends "id":"" (captures 20-26)
    std::string const id =
        make_id("chatcmpl-", request.sequence * 1000003 + (llama() ? 1 : 0), llama() ? 32 : 29);

    if (!stream) {
        json::object message{{"role", "assistant"}};
        if (reply.tool_calls.empty())
            message["content"] = reply.content;
        else
            message["content"] = nullptr;
        if (!reply.reasoning.empty())
            message["reasoning_content"] = reply.reasoning;
        if (!reply.tool_calls.empty()) {
            json::array calls;
            for (auto const& c : reply.tool_calls) {
                json::object fn{{"name", c.name}, {"arguments", c.arguments}};
                if (llama())
                    calls.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}, {"id", c.id}});
                else
                    calls.push_back(json::object{{"id", c.id}, {"type", "function"}, {"function", std::move(fn)}});
            }
            message["tool_calls"] = std::move(calls);
        }
        json::object out;
        if (llama()) {
            out["choices"] = json::array{json::object{{"finish_reason", reply.finish_reason},
                                                      {"index", 0},
                                                      {"message", std::move(message)}}};
            out["created"] = config_.created;
            out["model"] = parsed.model;
            out["system_fingerprint"] = kLlamaFingerprint;
            out["object"] = "chat.completion";
            out["usage"] = llama_usage(reply.prompt_tokens, reply.completion_tokens);
            out["id"] = id;
            out["timings"] = llama_timings(reply.prompt_tokens, reply.completion_tokens);
        } else {
            message["refusal"] = nullptr;
            message["annotations"] = json::array();
            json::array list_choices;
            for (std::size_t i = 0; i < choices; ++i)
                list_choices.push_back(json::object{{"index", i},
                                                    {"message", message},
                                                    {"logprobs", nullptr},
                                                    {"finish_reason", reply.finish_reason}});
            out["id"] = id;
            out["object"] = "chat.completion";
            out["created"] = config_.created;
            out["model"] = parsed.model;
            out["choices"] = std::move(list_choices);
            out["usage"] = openai_usage(reply.prompt_tokens, reply.completion_tokens * choices,
                                        reply.reasoning_token_count() * choices);
            out["service_tier"] = "default";
            out["system_fingerprint"] = kOpenAiFingerprint;
        }
        co_await send_json(writer, request, 200, to_json(out));
        co_return;
    }

    // Streaming: one event per token. Every chunk is a fixed head + delta + tail, built with
    // reused buffers (no allocation per token once warm).
    writer.set_event_delay(config_.token_delay);
    bool const include_usage = [&] {
        auto const* so = body.if_contains("stream_options");
        return so && so->is_object() && flag(so->get_object(), "include_usage");
    }();
    std::string const usage_null = include_usage ? ",\"usage\":null" : "";
    auto head_of = [&](std::size_t index) {
        if (llama())
            return std::string("{\"choices\":[{\"finish_reason\":null,\"index\":") + std::to_string(index) +
                   ",\"delta\":";
        return "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" +
               std::to_string(config_.created) + ",\"model\":" + quoted(parsed.model) +
               ",\"system_fingerprint\":\"" + std::string(kOpenAiFingerprint) +
               "\",\"choices\":[{\"index\":" + std::to_string(index) + ",\"delta\":";
    };
    std::string const tail =
        llama() ? "}],\"created\":" + std::to_string(config_.created) + ",\"id\":\"" + id +
                      "\",\"model\":" + quoted(parsed.model) + ",\"system_fingerprint\":\"" +
                      std::string(kLlamaFingerprint) + "\",\"object\":\"chat.completion.chunk\"}"
                : ",\"logprobs\":null,\"finish_reason\":null}]" + usage_null + "}";
    std::vector<std::string> heads;
    for (std::size_t i = 0; i < choices; ++i)
        heads.push_back(head_of(i));

    if (!co_await writer.begin_stream(200, StreamFormat::sse, llama() ? kLlamaSse : kOpenAiSse,
                                      response_headers(request)))
        co_return;

    std::string delta;
    std::string chunk;
    auto emit = [&]() -> asio::awaitable<bool> {
        for (auto const& head : heads) {
            chunk.clear();
            chunk += head;
            chunk += delta;
            chunk += tail;
            if (!co_await writer.event(chunk))
                co_return false;
        }
        co_return true;
    };
    auto emit_text = [&](std::string_view key, std::string_view text) -> asio::awaitable<bool> {
        delta.clear();
        delta += "{\"";
        delta += key;
        delta += "\":";
        append_json_string(delta, text);
        delta += '}';
        co_return co_await emit();
    };

    ToolDeltaQuirks quirks = config_.tool_quirks;
    if (auto const* f = writer.fault())
        quirks = merge(quirks, f->tool_quirks);
    auto tool_deltas = build_tool_deltas(reply.tool_calls, quirks);

    bool role_pending = !llama();
    if (role_pending && (!reply.reasoning_tokens.empty() || tool_deltas.empty())) {
        delta = R"({"role":"assistant","content":"","refusal":null})";
        if (!co_await emit())
            co_return;
        role_pending = false;
    }
    for (auto const& t : reply.reasoning_tokens)
        if (!co_await emit_text("reasoning_content", t))
            co_return;
    for (auto const& t : reply.content_tokens)
        if (!co_await emit_text("content", t))
            co_return;
    for (auto const& d : tool_deltas) {
        delta.clear();
        if (role_pending) {
            // OpenAI opens a tool-call reply with the role and the first call together.
            delta = R"({"role":"assistant","content":null,"tool_calls":[)" + to_json(d) +
                    R"(],"refusal":null})";
            role_pending = false;
        } else {
            delta = "{\"tool_calls\":[" + to_json(d) + "]}";
        }
        if (!co_await emit())
            co_return;
    }

    // Finish chunk(s), then usage.
    for (std::size_t i = 0; i < choices; ++i) {
        json::object last;
        if (llama()) {
            last["choices"] = json::array{json::object{
                {"finish_reason", reply.finish_reason}, {"index", i}, {"delta", json::object()}}};
            last["created"] = config_.created;
            last["id"] = id;
            last["model"] = parsed.model;
            last["system_fingerprint"] = kLlamaFingerprint;
            last["object"] = "chat.completion.chunk";
            last["usage"] = llama_usage(reply.prompt_tokens, reply.completion_tokens);
            last["timings"] = llama_timings(reply.prompt_tokens, reply.completion_tokens);
        } else {
            last["id"] = id;
            last["object"] = "chat.completion.chunk";
            last["created"] = config_.created;
            last["model"] = parsed.model;
            last["system_fingerprint"] = kOpenAiFingerprint;
            last["choices"] = json::array{json::object{{"index", i},
                                                       {"delta", json::object()},
                                                       {"logprobs", nullptr},
                                                       {"finish_reason", reply.finish_reason}}};
            if (include_usage)
                last["usage"] = nullptr;
        }
        if (!co_await writer.event(to_json(last)))
            co_return;
    }
    if (include_usage && !llama()) {
        json::object usage{{"id", id},
                           {"object", "chat.completion.chunk"},
                           {"created", config_.created},
                           {"model", parsed.model},
                           {"system_fingerprint", kOpenAiFingerprint},
                           {"choices", json::array()},
                           {"usage", openai_usage(reply.prompt_tokens, reply.completion_tokens * choices,
                                                  reply.reasoning_token_count() * choices)}};
        if (!co_await writer.event(to_json(usage)))
            co_return;
    }
    co_await writer.finish("[DONE]");
}

// ----------------------------------------------------------------------------------------
// Legacy completions

asio::awaitable<void> OpenAiEmulator::completions(Request& request, ResponseWriter& writer)
{
    Parsed parsed;
    if (!co_await admit(request, writer, parsed))
        co_return;
    auto const& body = parsed.body;
    auto const* prompt_value = body.if_contains("prompt");
    if (!prompt_value) {
        if (llama())
            co_await send_error(writer, 500, "\"prompt\" is required", "server_error");
        else
            co_await send_error(writer, 400, "Missing required parameter: 'prompt'.",
                                "invalid_request_error", "prompt", "missing_required_parameter");
        co_return;
    }
    bool const echo = flag(body, "echo");
    if (echo && llama()) {
        co_await send_error(writer, 500, "Unsupported param: echo", "server_error");
        co_return;
    }
    auto const prompts = text_inputs(*prompt_value);
    if (!prompts || prompts->empty()) {
        co_await send_error(writer, llama() ? 500 : 400,
                            "Invalid type for 'prompt': expected a string, an array of strings, or "
                            "token arrays.",
                            llama() ? "server_error" : "invalid_request_error", "prompt", "invalid_type");
        co_return;
    }
    for (auto const& p : *prompts) {
        std::size_t const words = count_words(p);
        if (config_.context_length && words > config_.context_length) {
            if (llama())
                co_await send_error(writer, 400,
                                    "the request exceeds the available context size. try increasing "
                                    "the context size or enable context shift",
                                    "invalid_request_error");
            else
                co_await send_error(writer, 400,
                                    "This model's maximum context length is " +
                                        std::to_string(config_.context_length) +
                                        " tokens, however you requested " + std::to_string(words) +
                                        " tokens. Please reduce your prompt; or completion length.",
                                    "invalid_request_error", "prompt", "context_length_exceeded");
            co_return;
        }
    }

    std::string const suffix(string_of(body, "suffix"));
    auto max_tokens = max_tokens_of(body);
    if (!max_tokens && !llama())
        max_tokens = 16; // OpenAI's documented default for /v1/completions
    auto const stops = stop_sequences(body);
    std::vector<GeneratedReply> replies;
    std::size_t prompt_total = 0;
    std::size_t completion_total = 0;
    for (auto const& p : *prompts) {
        std::string content = "Hello! You said: " + p;
        if (!suffix.empty())
            content += " Suffix: " + suffix;
        auto r = budget_reply({}, std::move(content), max_tokens, stops);
        r.prompt_tokens = count_words(p);
        prompt_total += r.prompt_tokens;
        completion_total += r.completion_tokens;
        replies.push_back(std::move(r));
    }
    std::string const id =
        make_id(llama() ? "chatcmpl-" : "cmpl-", request.sequence * 1000003 + 2, llama() ? 32 : 29);
    auto text_of = [&](std::size_t k) {
        return echo ? (*prompts)[k] + replies[k].content : replies[k].content;
    };

    if (!flag(body, "stream")) {
        if (llama()) {
            auto one = [&](std::size_t k) {
                return json::object{
                    {"choices", json::array{json::object{{"text", text_of(k)},
                                                         {"index", k},
                                                         {"logprobs", nullptr},
                                                         {"finish_reason", replies[k].finish_reason}}}},
                    {"created", config_.created},
                    {"model", parsed.model},
                    {"system_fingerprint", kLlamaFingerprint},
                    {"object", "text_completion"},
                    {"usage", llama_usage(replies[k].prompt_tokens, replies[k].completion_tokens)},
                    {"id", id},
                    {"timings", llama_timings(replies[k].prompt_tokens, replies[k].completion_tokens)}};
            };
            // Capture 39: an array prompt gets an array of whole responses.
            if (prompt_value->is_string() || prompts->size() == 1) {
                co_await send_json(writer, request, 200, to_json(one(0)));
            } else {
                json::array all;
                for (std::size_t k = 0; k < replies.size(); ++k)
                    all.push_back(one(k));
                co_await send_json(writer, request, 200, to_json(all));
            }
            co_return;
        }
        json::array choices;
        for (std::size_t k = 0; k < replies.size(); ++k)
            choices.push_back(json::object{{"text", text_of(k)},
                                           {"index", k},
                                           {"logprobs", nullptr},
                                           {"finish_reason", replies[k].finish_reason}});
        json::object out{{"id", id},
                         {"object", "text_completion"},
                         {"created", config_.created},
                         {"model", parsed.model},
                         {"choices", std::move(choices)},
                         {"usage", json::object{{"prompt_tokens", prompt_total},
                                                {"completion_tokens", completion_total},
                                                {"total_tokens", prompt_total + completion_total}}},
                         {"system_fingerprint", kOpenAiFingerprint}};
        co_await send_json(writer, request, 200, to_json(out));
        co_return;
    }

    writer.set_event_delay(config_.token_delay);
    bool const include_usage = [&] {
        auto const* so = body.if_contains("stream_options");
        return so && so->is_object() && flag(so->get_object(), "include_usage");
    }();
    if (!co_await writer.begin_stream(200, StreamFormat::sse, llama() ? kLlamaSse : kOpenAiSse,
                                      response_headers(request)))
        co_return;
    std::string chunk;
    auto piece = [&](std::size_t k, std::string_view text) {
        chunk.clear();
        if (llama()) {
            chunk += "{\"choices\":[{\"text\":";
            append_json_string(chunk, text);
            chunk += ",\"index\":" + std::to_string(k) + ",\"logprobs\":null,\"finish_reason\":null}],\"created\":" +
                     std::to_string(config_.created) + ",\"model\":" + quoted(parsed.model) +
                     ",\"system_fingerprint\":\"" + std::string(kLlamaFingerprint) +
                     "\",\"object\":\"text_completion\",\"id\":\"" + id + "\"}";
        } else {
            chunk += "{\"id\":\"" + id + "\",\"object\":\"text_completion\",\"created\":" +
                     std::to_string(config_.created) + ",\"choices\":[{\"text\":";
            append_json_string(chunk, text);
            chunk += ",\"index\":" + std::to_string(k) + ",\"logprobs\":null,\"finish_reason\":null}],\"model\":" +
                     quoted(parsed.model) + ",\"system_fingerprint\":\"" + std::string(kOpenAiFingerprint) +
                     "\"}";
        }
        return std::string_view(chunk);
    };
    for (std::size_t k = 0; k < replies.size(); ++k) {
        if (echo && !co_await writer.event(piece(k, (*prompts)[k])))
            co_return;
        for (auto const& t : replies[k].content_tokens)
            if (!co_await writer.event(piece(k, t)))
                co_return;
        json::object last;
        json::object choice{{"text", ""}, {"index", k}, {"logprobs", nullptr},
                            {"finish_reason", replies[k].finish_reason}};
        if (llama()) {
            last = json::object{{"choices", json::array{std::move(choice)}},
                                {"created", config_.created},
                                {"model", parsed.model},
                                {"system_fingerprint", kLlamaFingerprint},
                                {"object", "text_completion"},
                                {"usage", llama_usage(replies[k].prompt_tokens, replies[k].completion_tokens)},
                                {"id", id},
                                {"timings", llama_timings(replies[k].prompt_tokens, replies[k].completion_tokens)}};
        } else {
            last = json::object{{"id", id},
                                {"object", "text_completion"},
                                {"created", config_.created},
                                {"choices", json::array{std::move(choice)}},
                                {"model", parsed.model},
                                {"system_fingerprint", kOpenAiFingerprint}};
        }
        if (!co_await writer.event(to_json(last)))
            co_return;
    }
    if (include_usage && !llama()) {
        json::object usage{{"id", id},
                           {"object", "text_completion"},
                           {"created", config_.created},
                           {"choices", json::array()},
                           {"model", parsed.model},
                           {"usage", json::object{{"prompt_tokens", prompt_total},
                                                  {"completion_tokens", completion_total},
                                                  {"total_tokens", prompt_total + completion_total}}}};
        if (!co_await writer.event(to_json(usage)))
            co_return;
    }
    co_await writer.finish("[DONE]");
}

// ----------------------------------------------------------------------------------------
// Embeddings

asio::awaitable<void> OpenAiEmulator::embeddings(Request& request, ResponseWriter& writer)
{
    Parsed parsed;
    if (!co_await admit(request, writer, parsed))
        co_return;
    auto const& body = parsed.body;
    auto const* input = body.if_contains("input");
    if (!input)
        input = llama() ? body.if_contains("content") : nullptr;
    if (!input) {
        if (llama())
            co_await send_error(writer, 400, "\"input\" or \"content\" must be provided",
                                "invalid_request_error");
        else
            co_await send_error(writer, 400, "Missing required parameter: 'input'.",
                                "invalid_request_error", "input", "missing_required_parameter");
        co_return;
    }
    auto const inputs = text_inputs(*input);
    bool const empty = !inputs || inputs->empty() ||
                       std::any_of(inputs->begin(), inputs->end(), [](auto const& s) { return s.empty(); });
    if (empty) {
        if (llama())
            co_await send_error(writer, 400, "Input content cannot be empty", "invalid_request_error");
        else
            co_await send_error(writer, 400,
                                "'$.input' is invalid. Please check the API reference: "
                                "https://platform.openai.com/docs/api-reference.",
                                "invalid_request_error");
        co_return;
    }
    auto const format = string_of(body, "encoding_format");
    if (!format.empty() && format != "float" && format != "base64") {
        co_await send_error(writer, 400,
                            "Invalid value: '" + std::string(format) +
                                "'. Supported values are: 'float' and 'base64'.",
                            "invalid_request_error", "encoding_format", "invalid_value");
        co_return;
    }
    bool const base64 = format == "base64";
    std::size_t dimensions = config_.embedding_dimensions;
    if (auto const* d = body.if_contains("dimensions"); d && !llama()) {
        if (!d->is_int64() || d->as_int64() < 1 || d->as_int64() > 8192) {
            co_await send_error(writer, 400, "Invalid 'dimensions': expected a positive integer.",
                                "invalid_request_error", "dimensions", "invalid_value");
            co_return;
        }
        dimensions = static_cast<std::size_t>(d->as_int64());
    }

    std::size_t tokens = 0;
    for (auto const& text : *inputs) {
        std::size_t const words = count_words(text);
        if (config_.context_length && words > config_.context_length) {
            if (llama())
                co_await send_error(writer, 500,
                                    "input is too large to process. increase the physical batch size",
                                    "server_error");
            else
                co_await send_error(writer, 400,
                                    "This model's maximum context length is " +
                                        std::to_string(config_.context_length) +
                                        " tokens, however you requested " + std::to_string(words) +
                                        " tokens (" + std::to_string(words) +
                                        " in your prompt; 0 for the completion). Please reduce your "
                                        "prompt; or completion length.",
                                    "invalid_request_error", "input", "context_length_exceeded");
            co_return;
        }
        tokens += std::max<std::size_t>(words, 1);
    }

    json::array data;
    for (std::size_t i = 0; i < inputs->size(); ++i) {
        auto const vector = embed_text((*inputs)[i], dimensions);
        json::value embedding;
        if (base64) {
            embedding = base64_floats(vector);
        } else {
            json::array values;
            values.reserve(vector.size());
            for (float v : vector)
                values.push_back(static_cast<double>(v));
            embedding = std::move(values);
        }
        if (llama()) {
            json::object item{{"embedding", std::move(embedding)}, {"index", i}, {"object", "embedding"}};
            if (base64)
                item["encoding_format"] = "base64";
            data.push_back(std::move(item));
        } else {
            data.push_back(json::object{{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
        }
    }
    json::object usage{{"prompt_tokens", tokens}, {"total_tokens", tokens}};
    json::object out;
    if (llama()) {
        out = json::object{{"model", parsed.model}, {"object", "list"}, {"usage", std::move(usage)},
                           {"data", std::move(data)}};
    } else {
        out = json::object{{"object", "list"}, {"data", std::move(data)}, {"model", parsed.model},
                           {"usage", std::move(usage)}};
    }
    co_await send_json(writer, request, 200, to_json(out));
}

} // namespace llmio::emulators

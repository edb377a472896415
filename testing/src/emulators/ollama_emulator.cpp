#include <llmio/testing/emulators/ollama_emulator.hpp>

#include <llmio/testing/emulators/json_text.hpp>
#include <llmio/testing/emulators/reply_generator.hpp>
#include <llmio/testing/emulators/response_writer.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace llmio::emulators {

namespace asio = boost::asio;
namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kNdjson = "application/x-ndjson";
constexpr std::string_view kCreatedAt = "2025-05-04T17:37:44.706015396-07:00";

bool has(std::vector<std::string> const& list, std::string_view item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

// "llama3.2" means "llama3.2:latest".
std::string full_name(std::string_view name)
{
    std::string out(name);
    if (out.find(':') == std::string::npos)
        out += ":latest";
    return out;
}

// Go's time.ParseDuration for the units Ollama users write; nullopt when invalid.
std::optional<double> parse_go_duration(std::string_view s)
{
    if (s == "0")
        return 0.0;
    double sign = 1;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        sign = s.front() == '-' ? -1 : 1;
        s.remove_prefix(1);
    }
    if (s.empty())
        return std::nullopt;
    double total = 0;
    while (!s.empty()) {
        std::size_t i = 0;
        while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
            ++i;
        if (i == 0)
            return std::nullopt;
        double const value = std::stod(std::string(s.substr(0, i)));
        s.remove_prefix(i);
        std::size_t u = 0;
        while (u < s.size() && !((s[u] >= '0' && s[u] <= '9') || s[u] == '.'))
            ++u;
        auto const unit = s.substr(0, u);
        s.remove_prefix(u);
        double scale = 0;
        if (unit == "h") scale = 3600;
        else if (unit == "m") scale = 60;
        else if (unit == "s") scale = 1;
        else if (unit == "ms") scale = 1e-3;
        else if (unit == "us" || unit == "µs") scale = 1e-6;
        else if (unit == "ns") scale = 1e-9;
        else return std::nullopt;
        total += value * scale;
    }
    return sign * total;
}

std::string digest_of(std::string_view name, int layer)
{
    return "sha256:" + make_id("", hash_text(name) + static_cast<std::uint64_t>(layer), 64);
}

// `/api/tags` and `/api/ps` entries carry no capabilities (api.ListModelResponse,
// api.ProcessModelResponse): clients ask /api/show. `with_capabilities` imitates servers said
// to add them.
json::object model_entry(OllamaModel const& m, bool with_capabilities = false)
{
    json::object entry{
        {"name", m.name},
        {"model", m.name},
        {"modified_at", kCreatedAt},
        {"size", m.size},
        {"digest", digest_of(m.name, 0).substr(7)},
        {"details", json::object{{"parent_model", ""},
                                 {"format", "gguf"},
                                 {"family", m.family},
                                 {"families", json::array{json::string(m.family)}},
                                 {"parameter_size", "3.2B"},
                                 {"quantization_level", "Q4_K_M"}}},
    };
    if (with_capabilities)
        entry["capabilities"] = json::value_from(m.capabilities);
    return entry;
}

// An OpenAI-shaped copy of an Ollama request, for the shared reply generator.
json::object generator_request(json::object const& body)
{
    json::object out;
    if (auto const* m = body.if_contains("messages"))
        out["messages"] = *m;
    else
        out["messages"] = json::array{};
    if (auto const* t = body.if_contains("tools"))
        out["tools"] = *t;
    if (auto const* o = body.if_contains("options"); o && o->is_object()) {
        if (auto const* stop = o->get_object().if_contains("stop"))
            out["stop"] = *stop;
        if (auto const* n = o->get_object().if_contains("num_predict"))
            out["max_tokens"] = *n;
    }
    if (auto const* f = body.if_contains("format")) {
        if (f->is_string() && f->get_string() == "json")
            out["response_format"] = json::object{{"type", "json_object"}};
        else if (f->is_object())
            out["response_format"] = json::object{{"type", "json_schema"},
                                                  {"json_schema", json::object{{"name", "format"}, {"schema", *f}}}};
    }
    return out;
}

void put_metrics(json::object& o, std::size_t prompt_tokens, std::size_t eval_tokens, bool was_loaded)
{
    std::int64_t const load_ns = was_loaded ? 1000000 : 500000000;
    std::int64_t const prompt_ns = static_cast<std::int64_t>(prompt_tokens) * 1000000 + 1000000;
    std::int64_t const eval_ns = static_cast<std::int64_t>(eval_tokens) * 10000000 + 1000000;
    o["total_duration"] = load_ns + prompt_ns + eval_ns;
    o["load_duration"] = load_ns;
    o["prompt_eval_count"] = prompt_tokens;
    o["prompt_eval_duration"] = prompt_ns;
    o["eval_count"] = eval_tokens;
    o["eval_duration"] = eval_ns;
}

json::array tool_calls_json(std::vector<GeneratedToolCall> const& calls)
{
    json::array out;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        json::value args = json::parse(calls[i].arguments);
        out.push_back(json::object{
            {"id", calls[i].id},
            {"function", json::object{{"index", i}, {"name", calls[i].name}, {"arguments", std::move(args)}}}});
    }
    return out;
}

constexpr std::string_view kText = "text/plain; charset=utf-8";
constexpr std::string_view kRunning = "Ollama is running";
constexpr std::string_view kNotFound = "404 page not found";
constexpr std::string_view kNotAllowed = "405 method not allowed";

// Helpers outside the coroutines: GCC 12 mis-compiles braced lists and arrays in their frames.
std::string version_body(std::string const& version) { return to_json(json::object{{"version", version}}); }
std::string error_json(std::string_view message) { return to_json(json::object{{"error", message}}); }
std::string models_json(json::array list) { return to_json(json::object{{"models", std::move(list)}}); }
std::string status_json(std::string_view status) { return to_json(json::object{{"status", status}}); }

// A fixed clock: 2026-01-01T00:00:00Z plus the keep-alive; "forever" is a far-future date.
std::string expiry_text(std::int64_t s)
{
    if (s < 0)
        return "2318-03-04T12:00:00Z";
    char buf[40];
    std::snprintf(buf, sizeof buf, "2026-01-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(1 + s / 86400 % 28),
                  static_cast<long long>(s / 3600 % 24), static_cast<long long>(s / 60 % 60),
                  static_cast<long long>(s % 60));
    return buf;
}

} // namespace

OllamaEmulatorConfig OllamaEmulatorConfig::defaults()
{
    OllamaEmulatorConfig c;
    c.models = {
        {"llama3.2:latest", {"completion", "tools"}, "llama", 2019393189, 131072},
        {"qwen3:latest", {"completion", "tools", "thinking"}, "qwen3", 5225376047, 40960},
        {"llava:latest", {"completion", "vision"}, "llama", 4733363377, 4096},
        {"all-minilm:latest", {"embedding"}, "bert", 45960996, 512},
    };
    c.registry = {{"tinyllama:latest", {"completion"}, "llama", 637700138, 2048}};
    return c;
}

OllamaEmulator::OllamaEmulator(OllamaEmulatorConfig config)
    : config_(std::move(config))
    , models_(config_.models)
{
    auto bind = [this](asio::awaitable<void> (OllamaEmulator::*fn)(Request&, ResponseWriter&)) {
        return [this, fn](Request& r, ResponseWriter& w) { return (this->*fn)(r, w); };
    };
    router_.get("/", [](Request&, ResponseWriter& w) -> asio::awaitable<void> {
        co_await w.send(200, kRunning, kText);
    });
    router_.get("/api/version", [this](Request&, ResponseWriter& w) -> asio::awaitable<void> {
        std::string const body = version_body(config_.version);
        co_await w.send(200, body, kJson);
    });
    router_.get("/api/tags", bind(&OllamaEmulator::tags));
    router_.get("/api/ps", bind(&OllamaEmulator::ps));
    router_.post("/api/show", bind(&OllamaEmulator::show));
    router_.post("/api/chat", bind(&OllamaEmulator::chat));
    router_.post("/api/generate", bind(&OllamaEmulator::generate));
    router_.post("/api/embed", bind(&OllamaEmulator::embed));
    router_.post("/api/pull", bind(&OllamaEmulator::pull));
    router_.add(http::verb::delete_, "/api/delete", bind(&OllamaEmulator::remove));
    // Go's default mux answers in plain text.
    router_.set_not_found([](Request&, ResponseWriter& w) -> asio::awaitable<void> {
        co_await w.send(404, kNotFound, kText);
    });
    router_.set_method_not_allowed(
        [](Request&, ResponseWriter& w, std::string const&) -> asio::awaitable<void> {
            co_await w.send(405, kNotAllowed, kText);
        });
}

std::string OllamaEmulator::framework_error_body(int, std::string_view message) const
{
    return to_json(json::object{{"error", message}});
}

asio::awaitable<void> OllamaEmulator::handle(Request& request, ResponseWriter& writer)
{
    if (config_.api_key && request.path != "/") {
        auto const auth = request.header("Authorization");
        if (!auth || *auth != "Bearer " + *config_.api_key) {
            co_await send_error(writer, 401, "unauthorized");
            co_return;
        }
    }
    co_await router_.dispatch(request, writer);
}

asio::awaitable<void> OllamaEmulator::send_error(ResponseWriter& writer, int status, std::string_view message)
{
    std::string const body = error_json(message);
    co_await writer.send(status, body, kJson);
}

std::vector<std::string> OllamaEmulator::loaded() const
{
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (auto const& l : loaded_)
        out.push_back(l.name);
    return out;
}

std::vector<std::string> OllamaEmulator::downloaded() const
{
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (auto const& m : models_)
        out.push_back(m.name);
    return out;
}

std::optional<OllamaModel> OllamaEmulator::find(std::string_view name) const
{
    std::lock_guard lock(mutex_);
    auto const full = full_name(name);
    for (auto const& m : models_)
        if (m.name == full)
            return m;
    return std::nullopt;
}

asio::awaitable<std::optional<json::object>> OllamaEmulator::admit(Request& request, ResponseWriter& writer,
                                                                   OllamaModel* model)
{
    boost::system::error_code ec;
    json::value v = json::parse(request.body(), ec);
    if (ec || !v.is_object()) {
        co_await send_error(writer, 400, ec ? "unexpected EOF" : "json: cannot unmarshal into Go value");
        co_return std::nullopt;
    }
    json::object body = std::move(v.as_object());
    if (model == nullptr)
        co_return body;
    auto const* name = body.if_contains("model");
    if (name == nullptr || !name->is_string() || name->get_string().empty()) {
        co_await send_error(writer, 400, "model is required");
        co_return std::nullopt;
    }
    std::string const wanted(name->get_string());
    auto found = find(wanted);
    if (!found) {
        co_await send_error(writer, 404, "model '" + wanted + "' not found");
        co_return std::nullopt;
    }
    *model = *found;
    co_return body;
}

bool OllamaEmulator::apply_keep_alive(json::object const& body, std::string const& model, bool& unloaded,
                                      bool& was_loaded, std::string& error)
{
    double seconds = 300;
    if (auto const* k = body.if_contains("keep_alive"); k && !k->is_null()) {
        if (k->is_number()) {
            seconds = k->to_number<double>();
        } else if (k->is_string()) {
            auto parsed = parse_go_duration(k->get_string());
            if (!parsed) {
                error = "time: missing unit in duration \"" + std::string(k->get_string()) + "\"";
                return false;
            }
            seconds = *parsed;
        } else {
            error = "json: cannot unmarshal into Go struct field of type api.Duration";
            return false;
        }
    }
    std::lock_guard lock(mutex_);
    auto it = std::find_if(loaded_.begin(), loaded_.end(), [&](Loaded const& l) { return l.name == model; });
    was_loaded = it != loaded_.end();
    unloaded = seconds == 0;
    if (unloaded) {
        if (it != loaded_.end())
            loaded_.erase(it);
        return true;
    }
    auto const expiry = seconds < 0 ? std::int64_t{-1} : static_cast<std::int64_t>(std::llround(seconds));
    if (it != loaded_.end())
        it->expires_in_s = expiry;
    else
        loaded_.push_back(Loaded{model, expiry});
    return true;
}

asio::awaitable<void> OllamaEmulator::tags(Request&, ResponseWriter& writer)
{
    json::array list;
    {
        std::lock_guard lock(mutex_);
        for (auto const& m : models_)
            list.push_back(model_entry(m, config_.tags_capabilities));
    }
    std::string const body = models_json(std::move(list));
    co_await writer.send(200, body, kJson);
}

asio::awaitable<void> OllamaEmulator::ps(Request&, ResponseWriter& writer)
{
    json::array list;
    {
        std::lock_guard lock(mutex_);
        for (auto const& l : loaded_) {
            auto m = std::find_if(models_.begin(), models_.end(), [&](OllamaModel const& x) { return x.name == l.name; });
            if (m == models_.end())
                continue;
            json::object e = model_entry(*m);
            e.erase("modified_at");
            // A fixed clock: 2026-01-01T00:00:00Z plus the keep-alive; forever is year 2318.
            e["expires_at"] = expiry_text(l.expires_in_s);
            e["size_vram"] = m->size;
            e["context_length"] = std::min<std::int64_t>(m->context_length, 4096);
            list.push_back(std::move(e));
        }
    }
    std::string const body = models_json(std::move(list));
    co_await writer.send(200, body, kJson);
}

asio::awaitable<void> OllamaEmulator::show(Request& request, ResponseWriter& writer)
{
    OllamaModel model;
    auto body = co_await admit(request, writer, &model);
    if (!body)
        co_return;
    json::object info{{"general.architecture", model.family},
                      {"general.parameter_count", 3212749888},
                      {model.family + ".context_length", model.context_length},
                      {model.family + ".embedding_length", 3072}};
    json::object out{{"modelfile", "FROM " + model.name},
                     {"parameters", "stop \"<|eot_id|>\""},
                     {"template", "{{ .Prompt }}"},
                     {"details", model_entry(model).at("details")},
                     {"model_info", std::move(info)},
                     {"capabilities", json::value_from(model.capabilities)},
                     {"modified_at", kCreatedAt}};
    co_await writer.send(200, to_json(out), kJson);
}

asio::awaitable<void> OllamaEmulator::chat(Request& request, ResponseWriter& writer)
{
    OllamaModel model;
    auto parsed = co_await admit(request, writer, &model);
    if (!parsed)
        co_return;
    json::object const& body = *parsed;
    bool const stream = !(body.if_contains("stream") && body.at("stream").is_bool() && !body.at("stream").as_bool());

    json::array const* messages = nullptr;
    if (auto const* m = body.if_contains("messages"); m && !m->is_null()) {
        if (!m->is_array()) {
            co_await send_error(writer, 400, "json: cannot unmarshal " + std::string(m->is_object() ? "object" : "string") +
                                                 " into Go struct field ChatRequest.messages of type []api.Message");
            co_return;
        }
        messages = &m->get_array();
    }
    // The native API takes string content and object arguments only (docs/protocols.md,
    // Ollama: /api/chat).
    if (messages != nullptr) {
        for (auto const& mv : *messages) {
            auto const* msg = mv.if_object();
            if (msg == nullptr)
                continue;
            if (auto const* c = msg->if_contains("content"); c && c->is_array()) {
                co_await send_error(writer, 400, "json: cannot unmarshal array into Go struct field "
                                                 "ChatRequest.messages.content of type string");
                co_return;
            }
            if (auto const* calls = msg->if_contains("tool_calls"); calls && calls->is_array())
                for (auto const& call : calls->get_array()) {
                    auto const* fn = call.is_object() ? call.get_object().if_contains("function") : nullptr;
                    auto const* args = fn && fn->is_object() ? fn->get_object().if_contains("arguments") : nullptr;
                    if (args && !args->is_object()) {
                        co_await send_error(writer, 400,
                                            "json: cannot unmarshal string into Go struct field "
                                            "ChatRequest.messages.tool_calls.function.arguments of type "
                                            "api.ToolCallFunctionArguments");
                        co_return;
                    }
                }
        }
    }
    bool const thinking_model = has(model.capabilities, "thinking");
    auto const* think = body.if_contains("think");
    bool const think_on = think ? !(think->is_bool() && !think->as_bool()) && !think->is_null() : thinking_model;
    if (think && think_on && !thinking_model) {
        co_await send_error(writer, 400, "\"" + std::string(body.at("model").as_string()) + "\" does not support thinking");
        co_return;
    }
    if (auto const* tools = body.if_contains("tools"); tools && tools->is_array() && !tools->get_array().empty() &&
                                                       !has(model.capabilities, "tools")) {
        co_await send_error(writer, 400, "registry.ollama.ai/library/" + model.name + " does not support tools");
        co_return;
    }
    if (!has(model.capabilities, "completion")) {
        co_await send_error(writer, 400, "\"" + model.name + "\" does not support chat");
        co_return;
    }

    bool unloaded = false;
    bool was_loaded = false;
    std::string error;
    if (!apply_keep_alive(body, model.name, unloaded, was_loaded, error)) {
        co_await send_error(writer, 400, error);
        co_return;
    }
    json::object head{{"model", body.at("model")}, {"created_at", kCreatedAt}};
    if (messages == nullptr || messages->empty()) {
        json::object out = head;
        out["message"] = json::object{{"role", "assistant"}, {"content", ""}};
        out["done_reason"] = unloaded ? "unload" : "load";
        out["done"] = true;
        co_await writer.send(200, to_json(out), stream ? kNdjson : kJson);
        co_return;
    }

    GeneratedReply reply = generate_chat_reply(generator_request(body), think_on && thinking_model);
    std::string const done_reason = reply.finish_reason == "length" ? "length" : "stop";
    auto final_line = [&](json::object message) {
        json::object out = head;
        out["message"] = std::move(message);
        out["done_reason"] = done_reason;
        out["done"] = true;
        put_metrics(out, reply.prompt_tokens, reply.completion_tokens, was_loaded);
        return out;
    };

    if (!stream) {
        json::object message{{"role", "assistant"}, {"content", reply.content}};
        if (!reply.reasoning.empty())
            message["thinking"] = reply.reasoning;
        if (!reply.tool_calls.empty())
            message["tool_calls"] = tool_calls_json(reply.tool_calls);
        co_await writer.send(200, to_json(final_line(std::move(message))), kJson);
        co_return;
    }

    writer.set_event_delay(config_.token_delay);
    if (!co_await writer.begin_stream(200, StreamFormat::ndjson, kNdjson))
        co_return;
    auto line = [&](std::string_view key, std::string const& text) {
        json::object out = head;
        json::object message{{"role", "assistant"}, {"content", ""}};
        message[key] = text;
        out["message"] = std::move(message);
        out["done"] = false;
        return to_json(out);
    };
    for (auto const& t : reply.reasoning_tokens)
        if (!co_await writer.event(line("thinking", t)))
            co_return;
    for (auto const& t : reply.content_tokens)
        if (!co_await writer.event(line("content", t)))
            co_return;
    // Tool calls arrive whole, each in its own line.
    for (std::size_t i = 0; i < reply.tool_calls.size(); ++i) {
        json::object out = head;
        auto calls = tool_calls_json(reply.tool_calls);
        json::array one{calls[i]};
        out["message"] = json::object{{"role", "assistant"}, {"content", ""}, {"tool_calls", std::move(one)}};
        out["done"] = false;
        if (!co_await writer.event(to_json(out)))
            co_return;
    }
    json::object empty_message;
    empty_message["role"] = "assistant";
    empty_message["content"] = "";
    std::string const last = to_json(final_line(std::move(empty_message)));
    co_await writer.finish(last);
}

asio::awaitable<void> OllamaEmulator::generate(Request& request, ResponseWriter& writer)
{
    OllamaModel model;
    auto parsed = co_await admit(request, writer, &model);
    if (!parsed)
        co_return;
    json::object const& body = *parsed;
    bool const stream = !(body.if_contains("stream") && body.at("stream").is_bool() && !body.at("stream").as_bool());
    std::string prompt;
    if (auto const* p = body.if_contains("prompt"); p && p->is_string())
        prompt = p->get_string();
    if (!prompt.empty() && !has(model.capabilities, "completion")) {
        co_await send_error(writer, 400, "\"" + model.name + "\" does not support generate");
        co_return;
    }
    bool unloaded = false;
    bool was_loaded = false;
    std::string error;
    if (!apply_keep_alive(body, model.name, unloaded, was_loaded, error)) {
        co_await send_error(writer, 400, error);
        co_return;
    }
    json::object head{{"model", body.at("model")}, {"created_at", kCreatedAt}};
    if (prompt.empty()) {
        json::object out = head;
        out["response"] = "";
        out["done"] = true;
        out["done_reason"] = unloaded ? "unload" : "load";
        if (!unloaded)
            out["load_duration"] = was_loaded ? 1000000 : 500000000;
        co_await writer.send(200, to_json(out), stream ? kNdjson : kJson);
        co_return;
    }
    json::object chat_like = generator_request(body);
    chat_like["messages"] = json::array{json::object{{"role", "user"}, {"content", prompt}}};
    GeneratedReply reply = generate_chat_reply(chat_like, false);
    json::object final_line = head;
    final_line["response"] = stream ? "" : reply.content;
    final_line["done"] = true;
    final_line["done_reason"] = reply.finish_reason == "length" ? "length" : "stop";
    final_line["context"] = json::array{1, 2, 3};
    put_metrics(final_line, reply.prompt_tokens, reply.completion_tokens, was_loaded);
    if (!stream) {
        co_await writer.send(200, to_json(final_line), kJson);
        co_return;
    }
    writer.set_event_delay(config_.token_delay);
    if (!co_await writer.begin_stream(200, StreamFormat::ndjson, kNdjson))
        co_return;
    for (auto const& t : reply.content_tokens) {
        json::object out = head;
        out["response"] = t;
        out["done"] = false;
        if (!co_await writer.event(to_json(out)))
            co_return;
    }
    co_await writer.finish(to_json(final_line));
}

asio::awaitable<void> OllamaEmulator::embed(Request& request, ResponseWriter& writer)
{
    OllamaModel model;
    auto parsed = co_await admit(request, writer, &model);
    if (!parsed)
        co_return;
    json::object const& body = *parsed;
    std::vector<std::string> inputs;
    if (auto const* in = body.if_contains("input")) {
        if (in->is_string()) {
            inputs.emplace_back(in->get_string());
        } else if (in->is_array()) {
            for (auto const& v : in->get_array()) {
                if (!v.is_string()) {
                    co_await send_error(writer, 400, "invalid input type");
                    co_return;
                }
                inputs.emplace_back(v.get_string());
            }
        } else {
            co_await send_error(writer, 400, "invalid input type");
            co_return;
        }
    }
    std::size_t dims = config_.embedding_dimensions;
    if (auto const* d = body.if_contains("dimensions"); d && d->is_int64() && d->as_int64() > 0)
        dims = static_cast<std::size_t>(d->as_int64());
    bool unloaded = false;
    bool was_loaded = false;
    std::string error;
    if (!apply_keep_alive(body, model.name, unloaded, was_loaded, error)) {
        co_await send_error(writer, 400, error);
        co_return;
    }
    json::array vectors;
    std::size_t words = 0;
    for (auto const& text : inputs) {
        json::array v;
        for (float x : embed_text(text, dims))
            v.push_back(static_cast<double>(x));
        vectors.push_back(std::move(v));
        words += count_words(text);
    }
    json::object out{{"model", body.at("model")},
                     {"embeddings", std::move(vectors)},
                     {"total_duration", 14143917},
                     {"load_duration", was_loaded ? 1019500 : 500000000},
                     {"prompt_eval_count", words}};
    co_await writer.send(200, to_json(out), kJson);
}

asio::awaitable<void> OllamaEmulator::pull(Request& request, ResponseWriter& writer)
{
    auto parsed = co_await admit(request, writer, nullptr);
    if (!parsed)
        co_return;
    json::object const& body = *parsed;
    std::string name;
    if (auto const* m = body.if_contains("model"); m && m->is_string())
        name = full_name(m->get_string());
    else if (auto const* n = body.if_contains("name"); n && n->is_string())
        name = full_name(n->get_string());
    bool const stream = !(body.if_contains("stream") && body.at("stream").is_bool() && !body.at("stream").as_bool());
    std::optional<OllamaModel> source = find(name);
    for (auto const& m : config_.registry)
        if (!source && m.name == name)
            source = m;
    if (!source) {
        if (!stream) {
            co_await send_error(writer, 500, "pull model manifest: file does not exist");
            co_return;
        }
        if (!co_await writer.begin_stream(200, StreamFormat::ndjson, kNdjson))
            co_return;
        std::string const first = status_json("pulling manifest");
        if (!co_await writer.event(first))
            co_return;
        std::string const failure = error_json("pull model manifest: file does not exist");
        co_await writer.finish(failure);
        co_return;
    }
    auto add_model = [&] {
        std::lock_guard lock(mutex_);
        if (std::none_of(models_.begin(), models_.end(), [&](OllamaModel const& m) { return m.name == name; }))
            models_.push_back(*source);
    };
    if (!stream) {
        add_model();
        std::string const done = status_json("success");
        co_await writer.send(200, done, kJson);
        co_return;
    }
    writer.set_event_delay(config_.pull_delay);
    if (!co_await writer.begin_stream(200, StreamFormat::ndjson, kNdjson))
        co_return;
    std::string const manifest = status_json("pulling manifest");
    if (!co_await writer.event(manifest))
        co_return;
    // Two layers: the weights (most of the size) and a small params blob, each reported as
    // it grows (`completed` absent until bytes arrive, as Ollama does).
    for (int layer = 0; layer < 2; ++layer) {
        std::int64_t const layer_size = layer == 0 ? source->size - 1000 : 1000;
        auto const digest = digest_of(name, layer + 1);
        std::string const status = "pulling " + digest.substr(7, 12);
        for (int step = 0; step <= 2; ++step) {
            json::object line{{"status", status}, {"digest", digest}, {"total", layer_size}};
            if (step > 0)
                line["completed"] = layer_size * step / 2;
            if (!co_await writer.event(to_json(line)))
                co_return;
        }
    }
    for (int i = 0; i < 2; ++i) {
        std::string const line = status_json(i == 0 ? "verifying sha256 digest" : "writing manifest");
        if (!co_await writer.event(line))
            co_return;
    }
    add_model();
    std::string const success = status_json("success");
    co_await writer.finish(success);
}

asio::awaitable<void> OllamaEmulator::remove(Request& request, ResponseWriter& writer)
{
    auto parsed = co_await admit(request, writer, nullptr);
    if (!parsed)
        co_return;
    std::string name;
    std::string given; // Ollama's 404 names the model as the request did.
    if (auto const* m = parsed->if_contains("model"); m && m->is_string()) {
        given = m->get_string();
        name = full_name(given);
    }
    bool removed = false;
    {
        std::lock_guard lock(mutex_);
        auto it = std::find_if(models_.begin(), models_.end(), [&](OllamaModel const& m) { return m.name == name; });
        if (it != models_.end()) {
            models_.erase(it);
            removed = true;
        }
    }
    if (!removed) {
        co_await send_error(writer, 404, "model '" + given + "' not found");
        co_return;
    }
    co_await writer.send(200, "", kJson);
}

} // namespace llmio::emulators

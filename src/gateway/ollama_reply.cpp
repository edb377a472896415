// llmio answers -> Ollama's JSON (the gateway's /api/chat, /api/generate, /api/embed answers).

#include "ollama_wire.hpp"

#include "json_text.hpp"

#include <llmio/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <cmath>
#include <ctime>

namespace llmio::gateway::ollama {

namespace json = boost::json;

namespace {

std::int64_t nanoseconds(std::optional<double> seconds) noexcept
{
    return seconds && std::isfinite(*seconds) && *seconds > 0 ? std::llround(*seconds * 1e9) : 0;
}

// Zero values are left out, as Ollama's `omitempty` does.
void put_nonzero(json::object& o, std::string_view key, std::int64_t value)
{
    if (value != 0)
        o[key] = value;
}

// `done_reason`, `done` and the metrics: the server's figures where it reported them, the
// gateway's own measurement otherwise.
void put_end(json::object& o, Timing const& timing, Final const& end)
{
    o["done_reason"] = done_reason(end.finish_reason);
    o["done"] = true;
    ServerStats const stats = end.stats.value_or(ServerStats{});
    std::int64_t prompt_ns = nanoseconds(stats.time_to_first_token_s);
    std::int64_t eval_ns = nanoseconds(stats.generation_time_s);
    if (prompt_ns == 0 && eval_ns == 0 && timing.first_token_ns > 0) {
        prompt_ns = timing.first_token_ns;
        eval_ns = std::max<std::int64_t>(timing.total_ns - timing.first_token_ns, 0);
    }
    std::int64_t const prompt_tokens = end.usage ? end.usage->prompt_tokens : stats.prompt_tokens.value_or(0);
    std::int64_t const eval_tokens = end.usage ? end.usage->completion_tokens : stats.predicted_tokens.value_or(0);
    put_nonzero(o, "total_duration", timing.total_ns);
    put_nonzero(o, "load_duration", nanoseconds(stats.model_load_time_s));
    put_nonzero(o, "prompt_eval_count", prompt_tokens);
    put_nonzero(o, "prompt_eval_duration", prompt_ns);
    put_nonzero(o, "eval_count", eval_tokens);
    put_nonzero(o, "eval_duration", eval_ns);
}

json::object head(std::string_view model, std::string_view created_at)
{
    return json::object{{"model", model}, {"created_at", created_at}};
}

json::array tool_calls_json(std::vector<ToolCall> const& calls)
{
    json::array out;
    out.reserve(calls.size());
    for (std::size_t i = 0; i < calls.size(); ++i) {
        ToolCall const& call = calls[i];
        json::object arguments;
        if (call.arguments.find_first_not_of(" \t\r\n") != std::string::npos) {
            boost::system::error_code ec;
            json::value v = json::parse(call.arguments, ec);
            if (ec || !v.is_object()) {
                ErrorInfo info;
                info.detail = "the model's arguments for tool \"" + call.name +
                              "\" are not a JSON object, which Ollama clients need";
                set_raw_body(info, call.arguments);
                throw_error(errc::malformed_response, std::move(info));
            }
            arguments = std::move(v.get_object());
        }
        json::object fn{{"index", i}, {"name", call.name}, {"arguments", std::move(arguments)}};
        json::object c;
        if (!call.id.empty())
            c["id"] = call.id;
        c["function"] = std::move(fn);
        out.emplace_back(std::move(c));
    }
    return out;
}

json::object assistant_message(std::string_view content)
{
    return json::object{{"role", "assistant"}, {"content", content}};
}

std::string raw_string(ModelInfo const& info, std::string_view key)
{
    json::object const* raw = info.raw.if_object();
    json::value const* v = raw ? raw->if_contains(key) : nullptr;
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// What `/api/tags` and `/api/ps` say of one model. An Ollama backend's own entry is passed on
// (its digest and details are only known to it); for others what llmio knows, and what it
// does not as Ollama writes an unknown value ("", 0, the zero time).
json::value details_of(ModelInfo const& info)
{
    json::object const* raw = info.raw.if_object();
    json::value const* raw_details = raw ? raw->if_contains("details") : nullptr;
    if (raw_details && raw_details->is_object())
        return *raw_details;
    json::value families = nullptr;
    if (!info.architecture.empty())
        families = json::array{json::string(info.architecture)};
    return json::object{{"parent_model", ""},
                        {"format", info.format},
                        {"family", info.architecture},
                        {"families", std::move(families)},
                        {"parameter_size", ""},
                        {"quantization_level", info.quantization}};
}

std::string modified_at_of(ModelInfo const& info)
{
    std::string modified_at = raw_string(info, "modified_at");
    return modified_at.empty() ? "0001-01-01T00:00:00Z" : modified_at;
}

json::object model_entry(ListedModel const& m, bool with_modified_at)
{
    static ModelInfo const unknown;
    ModelInfo const& info = m.info ? *m.info : unknown;
    json::value details = details_of(info);
    json::object entry{{"name", m.name}, {"model", m.name}};
    if (with_modified_at)
        entry["modified_at"] = modified_at_of(info);
    entry["size"] = info.size_bytes.value_or(0);
    entry["digest"] = raw_string(info, "digest");
    entry["details"] = std::move(details);
    return entry;
}

} // namespace

std::string created_at_text(std::chrono::system_clock::time_point t)
{
    auto const since = t.time_since_epoch();
    auto const secs = std::chrono::floor<std::chrono::seconds>(since);
    auto const nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs).count();
    std::time_t const tt = static_cast<std::time_t>(secs.count());
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[48];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%09lldZ", static_cast<long long>(nanos));
    return buf;
}

std::string_view done_reason(FinishReason reason) noexcept
{
    return reason == FinishReason::length ? "length" : "stop";
}

std::string line_head(std::string_view model, std::string_view created_at)
{
    std::string out = "{\"model\":";
    append_json_string(out, model);
    out += ",\"created_at\":";
    append_json_string(out, created_at);
    return out;
}

void append_chat_delta(std::string& out, std::string_view head, std::string_view content, std::string_view thinking)
{
    out += head;
    out += ",\"message\":{\"role\":\"assistant\",\"content\":";
    append_json_string(out, content);
    if (!thinking.empty()) {
        out += ",\"thinking\":";
        append_json_string(out, thinking);
    }
    out += "},\"done\":false}";
}

std::string chat_tool_calls_line(std::string_view model, std::string_view created_at,
                                 std::vector<ToolCall> const& calls)
{
    json::object o = head(model, created_at);
    json::object message = assistant_message("");
    message["tool_calls"] = tool_calls_json(calls);
    o["message"] = std::move(message);
    o["done"] = false;
    return json::serialize(o);
}

std::string chat_done_line(std::string_view model, Timing const& timing, Final const& end)
{
    json::object o = head(model, timing.created_at);
    o["message"] = assistant_message("");
    put_end(o, timing, end);
    return json::serialize(o);
}

std::string chat_response(std::string_view model, Timing const& timing, ChatResponse const& r)
{
    json::object o = head(model, timing.created_at);
    json::object message = assistant_message(r.content);
    if (!r.reasoning.empty())
        message["thinking"] = r.reasoning;
    if (!r.tool_calls.empty())
        message["tool_calls"] = tool_calls_json(r.tool_calls);
    o["message"] = std::move(message);
    put_end(o, timing, Final{r.finish_reason, r.usage, r.stats});
    return json::serialize(o);
}

std::string chat_load_response(std::string_view model, std::string_view created_at, bool unloaded)
{
    json::object o = head(model, created_at);
    o["message"] = assistant_message("");
    o["done_reason"] = unloaded ? "unload" : "load";
    o["done"] = true;
    return json::serialize(o);
}

void append_generate_delta(std::string& out, std::string_view head, std::string_view response,
                           std::string_view thinking)
{
    out += head;
    out += ",\"response\":";
    append_json_string(out, response);
    if (!thinking.empty()) {
        out += ",\"thinking\":";
        append_json_string(out, thinking);
    }
    out += ",\"done\":false}";
}

std::string generate_done_line(std::string_view model, Timing const& timing, Final const& end,
                               std::string_view response, std::string_view thinking)
{
    json::object o = head(model, timing.created_at);
    o["response"] = response;
    if (!thinking.empty())
        o["thinking"] = thinking;
    put_end(o, timing, end);
    return json::serialize(o);
}

std::string generate_load_response(std::string_view model, std::string_view created_at, bool unloaded)
{
    json::object o = head(model, created_at);
    o["response"] = "";
    o["done"] = true;
    o["done_reason"] = unloaded ? "unload" : "load";
    return json::serialize(o);
}

std::string embed_response(std::string_view model, EmbeddingResponse const& r, std::int64_t total_ns)
{
    json::array vectors;
    vectors.reserve(r.embeddings.size());
    for (auto const& v : r.embeddings)
        vectors.emplace_back(json::value_from(v));
    json::object o{{"model", model}, {"embeddings", std::move(vectors)}};
    put_nonzero(o, "total_duration", total_ns);
    if (r.usage)
        put_nonzero(o, "prompt_eval_count", r.usage->prompt_tokens);
    return json::serialize(o);
}

std::string legacy_embeddings_response(EmbeddingResponse const& r)
{
    json::value vector = r.embeddings.empty() ? json::value(json::array{}) : json::value_from(r.embeddings.front());
    return json::serialize(json::object{{"embedding", std::move(vector)}});
}

std::string tags_response(std::vector<ListedModel> const& models)
{
    json::array list;
    list.reserve(models.size());
    for (auto const& m : models)
        list.emplace_back(model_entry(m, true));
    return json::serialize(json::object{{"models", std::move(list)}});
}

std::string ps_response(std::vector<ListedModel> const& models)
{
    json::array list;
    list.reserve(models.size());
    for (auto const& m : models) {
        json::object entry = model_entry(m, false);
        // Loaded until the server unloads it, which the gateway cannot tell: the zero time.
        entry["expires_at"] = "0001-01-01T00:00:00Z";
        entry["size_vram"] = 0;
        std::int64_t const context = m.info && m.info->loaded_context_length ? *m.info->loaded_context_length : 0;
        entry["context_length"] = context;
        list.emplace_back(std::move(entry));
    }
    return json::serialize(json::object{{"models", std::move(list)}});
}

std::string show_response(ModelInfo const* known)
{
    static ModelInfo const unknown;
    ModelInfo const& info = known ? *known : unknown;
    auto const& caps = info.capabilities;
    bool const embedding = info.type == "embedding" || (caps.embeddings.value_or(false) && info.type.empty());
    json::array capabilities{embedding ? "embedding" : "completion"};
    if (caps.tool_use.value_or(false))
        capabilities.emplace_back("tools");
    if (caps.vision.value_or(false) || info.type == "vlm")
        capabilities.emplace_back("vision");
    if (caps.reasoning.value_or(false))
        capabilities.emplace_back("thinking");
    // Clients read the context length as model_info["<general.architecture>.context_length"].
    std::string const architecture = info.architecture.empty() ? std::string("unknown") : info.architecture;
    json::object model_info{{"general.architecture", architecture}};
    if (caps.context_length)
        model_info[architecture + ".context_length"] = *caps.context_length;
    return json::serialize(json::object{{"modelfile", ""},
                                        {"parameters", ""},
                                        {"template", ""},
                                        {"details", details_of(info)},
                                        {"model_info", std::move(model_info)},
                                        {"capabilities", std::move(capabilities)},
                                        {"modified_at", modified_at_of(info)}});
}

std::string version_response()
{
    return json::serialize(json::object{{"version", kOllamaVersion}});
}

std::string error_body(std::string_view message)
{
    return json::serialize(json::object{{"error", message}});
}

std::string model_not_found_message(std::string_view model)
{
    // Go's %q: the name in double quotes, escaped as JSON escapes it.
    std::string out = "model ";
    append_json_string(out, model);
    out += " not found, try pulling it first";
    return out;
}

} // namespace llmio::gateway::ollama

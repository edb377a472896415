// Ollama request bodies -> llmio requests (the gateway's /api/chat, /api/generate, /api/embed).

#include "ollama_wire.hpp"

#include <llmio/detail/json_read.hpp>
#include <llmio/detail/parsed_document.hpp>
#include <llmio/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace llmio::gateway::ollama {

namespace json = boost::json;
using llmio::detail::ShapeError;

namespace {

[[noreturn]] void bad_request(std::string message)
{
    ErrorInfo info;
    info.detail = std::move(message);
    throw_error(errc::invalid_request, std::move(info));
}

void check(ShapeError const& err)
{
    if (err)
        bad_request(err.message());
}

json::object parse_body(std::string_view body)
{
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
        bad_request("missing request body");
    boost::system::error_code ec;
    json::value v = llmio::detail::parse_document(body, ec);
    if (ec)
        bad_request("invalid JSON: " + ec.message());
    if (!v.is_object())
        bad_request("the request body must be a JSON object, got " +
                    std::string(llmio::detail::kind_name(v.kind())));
    return std::move(v.get_object());
}

std::string required_model(json::object const& o, ShapeError& err)
{
    std::string model(llmio::detail::string_field(o, "model", err));
    check(err);
    if (model.empty())
        bad_request("model is required");
    return model;
}

// Ollama takes raw base64; llmio's image parts are data URLs, whose type the bytes tell.
std::string image_data_url(std::string_view base64)
{
    std::string_view type = "image/jpeg";
    if (base64.starts_with("iVBORw0KGgo"))
        type = "image/png";
    else if (base64.starts_with("R0lGOD"))
        type = "image/gif";
    else if (base64.starts_with("UklGR"))
        type = "image/webp";
    std::string url = "data:";
    url.append(type).append(";base64,").append(base64);
    return url;
}

void read_images(json::object const& o, std::string_view where, std::vector<ContentPart>& parts,
                 ShapeError& err)
{
    json::array const* images = llmio::detail::array_field(o, "images", err, where);
    if (images == nullptr)
        return;
    for (std::size_t i = 0; i < images->size(); ++i) {
        json::string const* s = (*images)[i].if_string();
        if (s == nullptr) {
            err.expected(where, "images[" + std::to_string(i) + "]", "a base64 string", (*images)[i],
                         json::error::not_string);
            return;
        }
        parts.push_back(ContentPart::image(image_data_url(*s)));
    }
}

// The assistant's calls whose results have not come yet, for tool messages that name no id.
struct PendingCall {
    std::string id;
    std::string name;
};

void read_tool_calls(json::object const& m, std::string const& where, std::size_t message_index,
                     Message& out, std::vector<PendingCall>& pending, ShapeError& err)
{
    json::array const* calls = llmio::detail::array_field(m, "tool_calls", err, where);
    if (calls == nullptr)
        return;
    pending.clear();
    for (std::size_t k = 0; k < calls->size() && !err; ++k) {
        std::string const at = where + ".tool_calls[" + std::to_string(k) + "]";
        json::object const* call = (*calls)[k].if_object();
        if (call == nullptr) {
            err.expected(at, "", "an object", (*calls)[k], json::error::not_object);
            return;
        }
        json::object const* fn = llmio::detail::object_field(*call, "function", err, at);
        if (fn == nullptr) {
            err.fail(at + ".function: required");
            return;
        }
        ToolCall c;
        llmio::detail::id_field(*call, "id", c.id, err, at);
        if (c.id.empty()) // OpenAI-style servers need ids to match results to calls
            c.id = "call_" + std::to_string(message_index) + "_" + std::to_string(k);
        c.name = llmio::detail::string_field(*fn, "name", err, at + ".function");
        json::object const* args = llmio::detail::object_field(*fn, "arguments", err, at + ".function");
        c.arguments = args ? json::serialize(*args) : "{}";
        pending.push_back({c.id, c.name});
        out.tool_calls.push_back(std::move(c));
    }
}

// A tool result answers the call it names by id, else the first pending call of its tool
// name, else the first pending call.
std::string answered_call(std::string id, std::string_view tool_name, std::vector<PendingCall>& pending)
{
    auto it = pending.begin();
    if (!id.empty()) {
        while (it != pending.end() && it->id != id)
            ++it;
    } else {
        while (it != pending.end() && !tool_name.empty() && it->name != tool_name)
            ++it;
        if (it == pending.end())
            it = pending.begin();
    }
    if (it == pending.end())
        return id;
    std::string found = it->id;
    pending.erase(it);
    return found;
}

std::vector<Message> read_messages(json::array const& list, ShapeError& err)
{
    std::vector<Message> out;
    out.reserve(list.size());
    std::vector<PendingCall> pending;
    for (std::size_t i = 0; i < list.size() && !err; ++i) {
        std::string const where = "messages[" + std::to_string(i) + "]";
        json::object const* m = list[i].if_object();
        if (m == nullptr) {
            err.expected(where, "", "an object", list[i], json::error::not_object);
            break;
        }
        Message msg;
        std::string_view const role = llmio::detail::string_field(*m, "role", err, where);
        auto parsed_role = role_from_string(role);
        if (!err && !parsed_role) {
            err.fail(where + ".role: unknown role \"" + std::string(role.substr(0, 40)) +
                     "\" (expected system, user, assistant or tool)");
            break;
        }
        msg.role = parsed_role.value_or(Role::user);
        msg.content = llmio::detail::string_field(*m, "content", err, where);
        msg.reasoning = llmio::detail::string_field(*m, "thinking", err, where);
        read_images(*m, where, msg.parts, err);
        read_tool_calls(*m, where, i, msg, pending, err);
        if (msg.role == Role::tool) {
            std::string id;
            llmio::detail::id_field(*m, "tool_call_id", id, err, where);
            std::string_view const tool_name = llmio::detail::string_field(*m, "tool_name", err, where);
            msg.tool_call_id = answered_call(std::move(id), tool_name, pending);
        }
        out.push_back(std::move(msg));
    }
    return out;
}

std::vector<ToolDefinition> read_tools(json::object const& o, ShapeError& err)
{
    std::vector<ToolDefinition> out;
    json::array const* tools = llmio::detail::array_field(o, "tools", err);
    if (tools == nullptr)
        return out;
    for (std::size_t i = 0; i < tools->size() && !err; ++i) {
        std::string const where = "tools[" + std::to_string(i) + "]";
        json::object const* t = (*tools)[i].if_object();
        json::object const* fn = t ? llmio::detail::object_field(*t, "function", err, where) : nullptr;
        if (fn == nullptr) {
            err.fail(where + ": expected an object with a function");
            break;
        }
        ToolDefinition d;
        d.name = llmio::detail::string_field(*fn, "name", err, where + ".function");
        d.description = llmio::detail::string_field(*fn, "description", err, where + ".function");
        if (json::object const* p = llmio::detail::object_field(*fn, "parameters", err, where + ".function"))
            d.parameters = *p;
        if (!err && d.name.empty())
            err.fail(where + ".function.name: required");
        out.push_back(std::move(d));
    }
    return out;
}

std::optional<ResponseFormat> read_format(json::object const& o, ShapeError& err)
{
    json::value const* f = llmio::detail::field(o, "format");
    if (f == nullptr)
        return std::nullopt;
    if (json::string const* s = f->if_string()) {
        if (s->empty())
            return std::nullopt;
        if (*s == "json")
            return ResponseFormat::json_object();
    } else if (json::object const* schema = f->if_object()) {
        return ResponseFormat::json_schema("response", *schema);
    }
    err.fail("format: expected \"json\" or a JSON schema object");
    return std::nullopt;
}

// Sampling knobs llmio models become its fields; the others are Ollama's alone.
template <class Request>
void read_options(json::object const& o, Request& r, json::object& ollama_only, ShapeError& err)
{
    json::object const* options = llmio::detail::object_field(o, "options", err);
    if (options == nullptr)
        return;
    constexpr std::string_view where = "options";
    json::object rest;
    for (auto const& [key, value] : *options) {
        if (key == "temperature")
            r.temperature = llmio::detail::double_field(*options, key, err, where);
        else if (key == "top_p")
            r.top_p = llmio::detail::double_field(*options, key, err, where);
        else if (key == "presence_penalty")
            r.presence_penalty = llmio::detail::double_field(*options, key, err, where);
        else if (key == "frequency_penalty")
            r.frequency_penalty = llmio::detail::double_field(*options, key, err, where);
        else if (key == "seed")
            r.seed = llmio::detail::integer_field(*options, key, err, where);
        else if (key == "num_predict") {
            // -1 (endless) and -2 (fill the context) are the server's default: no limit sent.
            auto n = llmio::detail::integer_field(*options, key, err, where);
            r.max_tokens = n && *n >= 0 ? n : std::nullopt;
        } else if (key == "stop") {
            json::array const* stop = llmio::detail::array_field(*options, key, err, where);
            for (std::size_t i = 0; stop && i < stop->size(); ++i) {
                if (json::string const* s = (*stop)[i].if_string())
                    r.stop.emplace_back(*s);
                else
                    err.expected(where, "stop[" + std::to_string(i) + "]", "a string", (*stop)[i],
                                 json::error::not_string);
            }
        } else {
            rest[key] = value;
        }
    }
    if (!rest.empty())
        ollama_only["options"] = std::move(rest);
}

// `keep_alive`: seconds (a number) or a Go duration text.
void read_keep_alive(json::object const& o, json::object& ollama_only, ShapeError& err)
{
    json::value const* k = llmio::detail::field(o, "keep_alive");
    if (k == nullptr)
        return;
    if (k->is_string() || k->is_number())
        ollama_only["keep_alive"] = *k;
    else
        err.expected("", "keep_alive", "a number of seconds or a duration", *k, json::error::not_string);
}

void read_think(json::object const& o, ChatRequest& r, json::object& ollama_only, ShapeError& err)
{
    json::value const* t = llmio::detail::field(o, "think");
    if (t == nullptr)
        return;
    if (t->is_bool())
        ollama_only["think"] = *t; // on/off is Ollama's switch; other servers have none
    else if (json::string const* level = t->if_string())
        r.reasoning_effort = std::string(*level);
    else
        err.expected("", "think", "a boolean or \"high\", \"medium\", \"low\"", *t, json::error::not_bool);
}

// Embeddings have no sampling: every option is Ollama's own.
void read_embed_options(json::object const& o, json::object& ollama_only, ShapeError& err)
{
    if (json::object const* options = llmio::detail::object_field(o, "options", err))
        ollama_only["options"] = *options;
    read_keep_alive(o, ollama_only, err);
}

bool read_stream(json::object const& o, ShapeError& err)
{
    return llmio::detail::bool_field(o, "stream", err).value_or(true);
}

} // namespace

bool unloads(OllamaOnly const& ollama_only) noexcept
{
    json::value const* k = ollama_only.if_contains("keep_alive");
    if (k == nullptr)
        return false;
    if (auto n = llmio::detail::as_double(*k))
        return *n == 0;
    if (json::string const* s = k->if_string())
        return *s == "0" || *s == "0s" || *s == "0m" || *s == "0h";
    return false;
}

std::string const& GenerateCall::model() const noexcept
{
    return std::visit([](auto const& r) -> std::string const& { return r.model; }, request);
}

ChatCall parse_chat_request(std::string_view body)
{
    json::object const o = parse_body(body);
    ShapeError err;
    ChatCall call;
    call.request.model = required_model(o, err);
    call.stream = read_stream(o, err);
    if (json::array const* messages = llmio::detail::array_field(o, "messages", err))
        call.request.messages = read_messages(*messages, err);
    call.request.tools = read_tools(o, err);
    call.request.response_format = read_format(o, err);
    read_think(o, call.request, call.ollama_only, err);
    read_options(o, call.request, call.ollama_only, err);
    read_keep_alive(o, call.ollama_only, err);
    check(err);
    call.load_only = call.request.messages.empty();
    return call;
}

GenerateCall parse_generate_request(std::string_view body)
{
    json::object const o = parse_body(body);
    ShapeError err;
    GenerateCall call;
    std::string model = required_model(o, err);
    call.stream = read_stream(o, err);
    std::string prompt(llmio::detail::string_field(o, "prompt", err));
    std::string system(llmio::detail::string_field(o, "system", err));
    std::optional<std::string> suffix;
    if (llmio::detail::field(o, "suffix") != nullptr)
        suffix = std::string(llmio::detail::string_field(o, "suffix", err));
    bool const raw = llmio::detail::bool_field(o, "raw", err).value_or(false);
    std::vector<ContentPart> images;
    read_images(o, "", images, err);
    auto format = read_format(o, err);
    check(err);
    call.load_only = prompt.empty() && images.empty();
    if (raw || suffix) {
        // No template: the prompt goes to the model as it is (Ollama ignores `system` then).
        if (!images.empty())
            bad_request("images need a templated prompt: not with raw or suffix");
        if (format)
            bad_request("format needs a templated prompt: not with raw or suffix");
        CompletionRequest r;
        r.model = std::move(model);
        r.prompt = std::move(prompt);
        r.suffix = std::move(suffix);
        read_options(o, r, call.ollama_only, err);
        call.request = std::move(r);
    } else {
        ChatRequest r;
        r.model = std::move(model);
        if (!system.empty())
            r.messages.push_back(Message::system(std::move(system)));
        Message user = Message::user(std::move(prompt));
        user.parts = std::move(images);
        r.messages.push_back(std::move(user));
        r.response_format = std::move(format);
        read_think(o, r, call.ollama_only, err);
        read_options(o, r, call.ollama_only, err);
        call.request = std::move(r);
    }
    read_keep_alive(o, call.ollama_only, err);
    check(err);
    return call;
}

EmbedCall parse_embed_request(std::string_view body)
{
    json::object const o = parse_body(body);
    ShapeError err;
    EmbedCall call;
    call.request.model = required_model(o, err);
    if (json::value const* input = llmio::detail::field(o, "input")) {
        if (json::string const* one = input->if_string()) {
            call.request.input.emplace_back(*one);
        } else if (json::array const* list = input->if_array()) {
            for (std::size_t i = 0; i < list->size() && !err; ++i) {
                if (json::string const* s = (*list)[i].if_string())
                    call.request.input.emplace_back(*s);
                else
                    err.expected("", "input[" + std::to_string(i) + "]", "a string", (*list)[i],
                                 json::error::not_string);
            }
        } else {
            err.expected("", "input", "a string or an array of strings", *input, json::error::not_string);
        }
    }
    call.request.dimensions = llmio::detail::integer_field(o, "dimensions", err);
    if (json::value const* truncate = llmio::detail::field(o, "truncate")) {
        if (truncate->is_bool())
            call.ollama_only["truncate"] = *truncate;
        else
            err.expected("", "truncate", "a bool", *truncate, json::error::not_bool);
    }
    read_embed_options(o, call.ollama_only, err);
    check(err);
    return call;
}

EmbedCall parse_legacy_embeddings_request(std::string_view body)
{
    json::object const o = parse_body(body);
    ShapeError err;
    EmbedCall call;
    call.legacy = true;
    call.request.model = required_model(o, err);
    std::string_view const prompt = llmio::detail::string_field(o, "prompt", err);
    if (!prompt.empty())
        call.request.input.emplace_back(prompt);
    read_embed_options(o, call.ollama_only, err);
    check(err);
    return call;
}

std::string parse_show_request(std::string_view body)
{
    json::object const o = parse_body(body);
    ShapeError err;
    std::string model(llmio::detail::string_field(o, "model", err));
    if (model.empty())
        model = llmio::detail::string_field(o, "name", err);
    check(err);
    if (model.empty())
        bad_request("model is required");
    return model;
}

} // namespace llmio::gateway::ollama

#include "wire_common.hpp"

#include <llmio/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace llmio::ollama {

namespace json = boost::json;
using detail::ShapeError;
using llmio::detail::field;

namespace {

// "data:image/png;base64,AAAA" -> "AAAA"; Ollama takes raw base64 and cannot fetch URLs.
std::string image_base64(std::string const& url)
{
    if (url.rfind("data:", 0) == 0) {
        auto const comma = url.find(',');
        if (comma == std::string::npos || url.find(";base64", 0) > comma)
            detail::throw_invalid_request("an image data URL must be base64-encoded for Ollama");
        return url.substr(comma + 1);
    }
    if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0)
        detail::throw_invalid_request("Ollama does not fetch image URLs; pass the image as a "
                                      "data: URL (base64)");
    return url; // already raw base64
}

std::string tool_name_for(std::vector<Message> const& messages, std::size_t upto, std::string const& id)
{
    for (std::size_t i = upto; i-- > 0;)
        for (auto const& call : messages[i].tool_calls)
            if (call.id == id)
                return call.name;
    return {};
}

json::object message_json(std::vector<Message> const& messages, std::size_t i)
{
    Message const& m = messages[i];
    json::object out;
    // Ollama knows system/user/assistant/tool; `developer` is OpenAI's name for system.
    out["role"] = m.role == Role::developer ? std::string_view("system") : to_string(m.role);
    std::string content = m.content;
    json::array images;
    for (auto const& part : m.parts) {
        if (part.type == ContentPart::Type::text) {
            if (!content.empty() && !part.text.empty())
                content += ' ';
            content += part.text;
        } else {
            images.emplace_back(image_base64(part.url));
        }
    }
    out["content"] = content;
    if (!images.empty())
        out["images"] = std::move(images);
    if (!m.tool_calls.empty()) {
        json::array calls;
        for (std::size_t k = 0; k < m.tool_calls.size(); ++k) {
            auto const& call = m.tool_calls[k];
            json::object fn{{"index", k}, {"name", call.name}, {"arguments", arguments_to_object(call.arguments)}};
            json::object c;
            if (!call.id.empty())
                c["id"] = call.id;
            c["function"] = std::move(fn);
            calls.emplace_back(std::move(c));
        }
        out["tool_calls"] = std::move(calls);
    }
    if (m.role == Role::tool) {
        if (auto name = tool_name_for(messages, i, m.tool_call_id); !name.empty())
            out["tool_name"] = name;
        if (!m.tool_call_id.empty())
            out["tool_call_id"] = m.tool_call_id;
    }
    return out;
}

json::object tool_json(ToolDefinition const& tool)
{
    json::object fn{{"name", tool.name}};
    if (!tool.description.empty())
        fn["description"] = tool.description;
    fn["parameters"] = tool.parameters.empty()
                           ? json::object{{"type", "object"}, {"properties", json::object{}}}
                           : tool.parameters;
    return json::object{{"type", "function"}, {"function", std::move(fn)}};
}

double seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

// One message's tool calls, indexed from `next_index`.
void read_tool_calls(json::object const& message, std::vector<ToolCallDelta>& out, int& next_index,
                     ShapeError& err)
{
    json::array const* calls = llmio::detail::array_field(message, "tool_calls", err, "message");
    if (calls == nullptr)
        return;
    for (auto const& v : *calls) {
        json::object const* call = v.if_object();
        json::object const* fn = call ? llmio::detail::object_field(*call, "function", err, "tool_calls[]") : nullptr;
        if (fn == nullptr) {
            err.fail("message.tool_calls[]: expected an object with a function");
            return;
        }
        ToolCallDelta d;
        d.index = next_index++;
        llmio::detail::id_field(*call, "id", d.id, err, "tool_calls[]");
        if (d.id.empty())
            d.id = "call_" + std::to_string(*d.index);
        d.name = llmio::detail::string_field(*fn, "name", err, "tool_calls[].function");
        if (json::value const* args = field(*fn, "arguments")) {
            // Objects are the norm; some models' arguments arrive already as text.
            if (json::string const* s = args->if_string())
                d.arguments.assign(s->data(), s->size());
            else
                d.arguments = json::serialize(*args);
        } else {
            d.arguments = "{}";
        }
        out.push_back(std::move(d));
    }
}

std::optional<FinishReason> read_done_reason(json::object const& o, std::string& raw, bool tool_calls,
                                             ShapeError& err)
{
    raw = llmio::detail::string_field(o, "done_reason", err);
    if (raw.empty())
        return FinishReason::other; // done without a reason: the connection closed early
    FinishReason r = finish_reason_from_string(raw);
    if (r == FinishReason::stop && tool_calls)
        r = FinishReason::tool_calls;
    return r;
}

} // namespace

json::object arguments_to_object(std::string_view arguments)
{
    if (arguments.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return {};
    boost::system::error_code ec;
    json::value v = json::parse(arguments, ec);
    if (ec || !v.is_object())
        detail::throw_invalid_request("Ollama needs tool-call arguments as a JSON object; got: " +
                                      std::string(arguments.substr(0, 200)));
    return std::move(v.as_object());
}

json::object chat_request_body(ChatRequest const& request, bool stream, RequestDefaults const& defaults)
{
    json::object body;
    body["model"] = request.model;
    json::array messages;
    messages.reserve(request.messages.size());
    for (std::size_t i = 0; i < request.messages.size(); ++i)
        messages.emplace_back(message_json(request.messages, i));
    body["messages"] = std::move(messages);

    bool const tools_off = request.tool_choice && request.tool_choice->mode == ToolChoice::Mode::none;
    if (!request.tools.empty() && !tools_off) {
        json::array tools;
        bool const forced = request.tool_choice && request.tool_choice->mode == ToolChoice::Mode::function;
        for (auto const& t : request.tools)
            if (!forced || t.name == request.tool_choice->function_name)
                tools.emplace_back(tool_json(t));
        body["tools"] = std::move(tools);
    }
    if (request.response_format) {
        auto const& f = *request.response_format;
        if (f.type == ResponseFormat::Type::json_object)
            body["format"] = "json";
        else if (f.type == ResponseFormat::Type::json_schema)
            body["format"] = f.schema;
    }
    if (request.reasoning_effort)
        body["think"] = detail::think_value(*request.reasoning_effort);
    json::object options;
    detail::put_sampling(options, request.temperature, request.top_p, request.max_tokens, request.stop,
                         request.seed, request.presence_penalty, request.frequency_penalty, defaults);
    if (!options.empty())
        body["options"] = std::move(options);
    body["stream"] = stream;
    if (defaults.keep_alive)
        detail::put_keep_alive(body, *defaults.keep_alive);
    detail::merge_extra_with_options(body, request.extra);
    return body;
}

void read_metrics(json::object const& o, std::optional<Usage>& usage, std::optional<ServerStats>& stats)
{
    ShapeError err;
    auto const prompt = llmio::detail::integer_field(o, "prompt_eval_count", err);
    auto const eval = llmio::detail::integer_field(o, "eval_count", err);
    auto const eval_ns = llmio::detail::integer_field(o, "eval_duration", err);
    auto const prompt_ns = llmio::detail::integer_field(o, "prompt_eval_duration", err);
    auto const load_ns = llmio::detail::integer_field(o, "load_duration", err);
    if (prompt || eval) {
        Usage u;
        u.prompt_tokens = prompt.value_or(0);
        u.completion_tokens = eval.value_or(0);
        u.total_tokens = u.prompt_tokens + u.completion_tokens;
        usage = u;
    }
    if (eval || eval_ns || prompt_ns || load_ns) {
        ServerStats s;
        s.prompt_tokens = prompt;
        s.predicted_tokens = eval;
        if (eval_ns && *eval_ns > 0) {
            s.generation_time_s = seconds(*eval_ns);
            if (eval)
                s.tokens_per_second = static_cast<double>(*eval) / seconds(*eval_ns);
        }
        if (prompt_ns && *prompt_ns > 0) {
            s.time_to_first_token_s = seconds(*prompt_ns);
            if (prompt)
                s.prompt_tokens_per_second = static_cast<double>(*prompt) / seconds(*prompt_ns);
        }
        if (load_ns)
            s.model_load_time_s = seconds(*load_ns);
        stats = s;
    }
}

std::variant<ChatLine, InBandError> ChatLineParser::parse(std::string_view line)
{
    ChatLine out;
    switch (parse_into(line, out.chunk)) {
    case LineKind::error:
        return InBandError{std::string(line)};
    case LineKind::done:
        out.done = true;
        break;
    case LineKind::chunk:
        break;
    }
    return out;
}

LineKind ChatLineParser::parse_into(std::string_view line, ChatChunk& chunk)
{
    if (fast_.parse(line, chunk))
        return LineKind::chunk;
    json::object const& o = detail::as_object(json_, line);
    if (detail::has_error(o))
        return LineKind::error;
    ShapeError err;
    ChatChunk out;
    out.model = llmio::detail::string_field(o, "model", err);
    if (json::object const* message = llmio::detail::object_field(o, "message", err)) {
        out.content = llmio::detail::string_field(*message, "content", err, "message");
        out.reasoning = llmio::detail::string_field(*message, "thinking", err, "message");
        read_tool_calls(*message, out.tool_calls, tool_calls_, err);
    } else {
        out.no_choice = true; // e.g. a bare done line: it carries no part of the answer
    }
    bool const done = llmio::detail::bool_field(o, "done", err).value_or(false);
    if (done) {
        out.finish_reason = read_done_reason(o, out.finish_reason_raw, tool_calls_ > 0, err);
        read_metrics(o, out.usage, out.stats);
    }
    detail::check_shape(err, line);
    chunk = std::move(out);
    return done ? LineKind::done : LineKind::chunk;
}

ChatResponse parse_chat_response(std::string_view body)
{
    json::object o = detail::parse_object(body);
    ShapeError err;
    ChatResponse r;
    r.model = llmio::detail::string_field(o, "model", err);
    std::vector<ToolCallDelta> calls;
    int next = 0;
    if (json::object const* message = llmio::detail::object_field(o, "message", err)) {
        r.content = llmio::detail::string_field(*message, "content", err, "message");
        r.reasoning = llmio::detail::string_field(*message, "thinking", err, "message");
        read_tool_calls(*message, calls, next, err);
    } else if (!err) {
        err.fail("the answer has no message");
    }
    for (auto& c : calls)
        r.tool_calls.push_back(ToolCall{std::move(c.id), std::move(c.name), std::move(c.arguments)});
    if (llmio::detail::bool_field(o, "done", err).value_or(false)) {
        r.finish_reason = read_done_reason(o, r.finish_reason_raw, !r.tool_calls.empty(), err)
                              .value_or(FinishReason::other);
    } else if (!err) {
        err.fail("the answer is not done (expected \"done\": true in a non-streamed answer)");
    }
    detail::check_shape(err, body);
    read_metrics(o, r.usage, r.stats);
    r.raw = std::move(o);
    return r;
}

} // namespace llmio::ollama

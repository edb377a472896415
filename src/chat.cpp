#include <llmio/chat.hpp>

#include <llmio/detail/json_read.hpp>

namespace llmio {

namespace json = boost::json;
using boost::system::error_code;

Message ChatResponse::to_message() const
{
    Message m = Message::assistant(content);
    m.tool_calls = tool_calls;
    m.reasoning = reasoning;
    return m;
}

namespace {

json::object const* as_object(json::value const& jv) { return jv.if_object(); }

std::string_view to_string(ToolChoice::Mode mode) noexcept
{
    switch (mode) {
    case ToolChoice::Mode::automatic: return "auto";
    case ToolChoice::Mode::none: return "none";
    case ToolChoice::Mode::required: return "required";
    case ToolChoice::Mode::function: return "function";
    }
    return "auto";
}

std::string_view to_string(ResponseFormat::Type type) noexcept
{
    switch (type) {
    case ResponseFormat::Type::text: return "text";
    case ResponseFormat::Type::json_object: return "json_object";
    case ResponseFormat::Type::json_schema: return "json_schema";
    }
    return "text";
}

void put_finish(json::object& o, std::optional<FinishReason> reason, std::string const& raw)
{
    if (!reason)
        return;
    o["finish_reason"] = llmio::to_string(*reason);
    o["finish_reason_raw"] = raw;
}

} // namespace

void tag_invoke(json::value_from_tag, json::value& jv, ToolDefinition const& t)
{
    json::object& o = jv.emplace_object();
    o["name"] = t.name;
    if (!t.description.empty())
        o["description"] = t.description;
    o["parameters"] = t.parameters;
    detail::put_if(o, "strict", t.strict);
}

boost::system::result<ToolDefinition> tag_invoke(json::try_value_to_tag<ToolDefinition>,
                                                 json::value const& jv)
{
    json::object const* o = as_object(jv);
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    ToolDefinition t;
    t.name = detail::string_field(*o, "name", err);
    t.description = detail::string_field(*o, "description", err);
    if (json::object const* p = detail::object_field(*o, "parameters", err))
        t.parameters = *p;
    t.strict = detail::bool_field(*o, "strict", err);
    if (err)
        return err.code();
    return t;
}

// Neutral form: "auto" | "none" | "required" | {"function": "<name>"}.
void tag_invoke(json::value_from_tag, json::value& jv, ToolChoice const& c)
{
    if (c.mode == ToolChoice::Mode::function)
        jv = {{"function", c.function_name}};
    else
        jv = to_string(c.mode);
}

boost::system::result<ToolChoice> tag_invoke(json::try_value_to_tag<ToolChoice>,
                                             json::value const& jv)
{
    if (json::string const* s = jv.if_string()) {
        for (auto mode : {ToolChoice::Mode::automatic, ToolChoice::Mode::none,
                          ToolChoice::Mode::required}) {
            if (*s == to_string(mode))
                return ToolChoice{mode, {}};
        }
        return error_code(json::error::unknown_name);
    }
    json::object const* o = as_object(jv);
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    std::string_view name = detail::string_field(*o, "function", err);
    if (err)
        return err.code();
    if (name.empty())
        return error_code(json::error::not_found);
    return ToolChoice::function(std::string(name));
}

void tag_invoke(json::value_from_tag, json::value& jv, ResponseFormat const& f)
{
    json::object& o = jv.emplace_object();
    o["type"] = to_string(f.type);
    if (f.type != ResponseFormat::Type::json_schema)
        return;
    o["name"] = f.name;
    if (!f.description.empty())
        o["description"] = f.description;
    o["schema"] = f.schema;
    detail::put_if(o, "strict", f.strict);
}

boost::system::result<ResponseFormat> tag_invoke(json::try_value_to_tag<ResponseFormat>,
                                                 json::value const& jv)
{
    json::object const* o = as_object(jv);
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    ResponseFormat f;
    std::string_view type = detail::string_field(*o, "type", err);
    if (type == "json_object")
        f.type = ResponseFormat::Type::json_object;
    else if (type == "json_schema")
        f.type = ResponseFormat::Type::json_schema;
    else if (type == "text" || type.empty())
        f.type = ResponseFormat::Type::text;
    else
        return error_code(json::error::unknown_name);
    f.name = detail::string_field(*o, "name", err);
    f.description = detail::string_field(*o, "description", err);
    if (json::object const* schema = detail::object_field(*o, "schema", err))
        f.schema = *schema;
    f.strict = detail::bool_field(*o, "strict", err);
    if (err)
        return err.code();
    return f;
}

void tag_invoke(json::value_from_tag, json::value& jv, ChatRequest const& r)
{
    json::object& o = jv.emplace_object();
    o["model"] = r.model;
    o["messages"] = json::value_from(r.messages, o.storage());
    detail::put_if(o, "temperature", r.temperature);
    detail::put_if(o, "top_p", r.top_p);
    detail::put_if(o, "max_tokens", r.max_tokens);
    detail::put_list(o, "stop", r.stop);
    detail::put_if(o, "seed", r.seed);
    detail::put_if(o, "presence_penalty", r.presence_penalty);
    detail::put_if(o, "frequency_penalty", r.frequency_penalty);
    detail::put_list(o, "tools", r.tools);
    detail::put_if(o, "tool_choice", r.tool_choice);
    detail::put_if(o, "parallel_tool_calls", r.parallel_tool_calls);
    detail::put_if(o, "response_format", r.response_format);
    detail::put_if(o, "include_usage", r.include_usage);
    detail::put_if(o, "reasoning_effort", r.reasoning_effort);
    if (!r.extra.empty())
        o["extra"] = r.extra;
}

boost::system::result<ChatRequest> tag_invoke(json::try_value_to_tag<ChatRequest>,
                                              json::value const& jv)
{
    json::object const* o = as_object(jv);
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    ChatRequest r;
    r.model = detail::string_field(*o, "model", err);
    detail::list_field(*o, "messages", r.messages, err);
    r.temperature = detail::double_field(*o, "temperature", err);
    r.top_p = detail::double_field(*o, "top_p", err);
    r.max_tokens = detail::integer_field(*o, "max_tokens", err);
    detail::list_field(*o, "stop", r.stop, err);
    r.seed = detail::integer_field(*o, "seed", err);
    r.presence_penalty = detail::double_field(*o, "presence_penalty", err);
    r.frequency_penalty = detail::double_field(*o, "frequency_penalty", err);
    detail::list_field(*o, "tools", r.tools, err);
    detail::typed_field(*o, "tool_choice", r.tool_choice, err);
    r.parallel_tool_calls = detail::bool_field(*o, "parallel_tool_calls", err);
    detail::typed_field(*o, "response_format", r.response_format, err);
    r.include_usage = detail::bool_field(*o, "include_usage", err);
    if (json::value const* v = detail::field(*o, "reasoning_effort")) {
        if (v->is_string())
            r.reasoning_effort = std::string(v->get_string());
        else
            err.expected({}, "reasoning_effort", "a string", *v, json::error::not_string);
    }
    if (json::object const* extra = detail::object_field(*o, "extra", err))
        r.extra = *extra;
    if (err)
        return err.code();
    return r;
}

void tag_invoke(json::value_from_tag, json::value& jv, ChatResponse const& r)
{
    json::object& o = jv.emplace_object();
    o["id"] = r.id;
    o["model"] = r.model;
    o["content"] = r.content;
    if (!r.reasoning.empty())
        o["reasoning"] = r.reasoning;
    if (!r.refusal.empty())
        o["refusal"] = r.refusal;
    detail::put_list(o, "tool_calls", r.tool_calls);
    o["finish_reason"] = to_string(r.finish_reason);
    o["finish_reason_raw"] = r.finish_reason_raw;
    detail::put_if(o, "usage", r.usage);
    detail::put_if(o, "stats", r.stats);
    detail::put_list(o, "warnings", r.warnings);
    if (!r.raw.is_null())
        o["raw"] = r.raw;
}

boost::system::result<ChatResponse> tag_invoke(json::try_value_to_tag<ChatResponse>,
                                               json::value const& jv)
{
    json::object const* o = as_object(jv);
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    ChatResponse r;
    r.id = detail::string_field(*o, "id", err);
    r.model = detail::string_field(*o, "model", err);
    r.content = detail::string_field(*o, "content", err);
    r.reasoning = detail::string_field(*o, "reasoning", err);
    r.refusal = detail::string_field(*o, "refusal", err);
    detail::list_field(*o, "tool_calls", r.tool_calls, err);
    std::optional<FinishReason> reason;
    detail::typed_field(*o, "finish_reason", reason, err);
    r.finish_reason = reason.value_or(FinishReason::none);
    r.finish_reason_raw = detail::string_field(*o, "finish_reason_raw", err);
    detail::typed_field(*o, "usage", r.usage, err);
    detail::typed_field(*o, "stats", r.stats, err);
    detail::list_field(*o, "warnings", r.warnings, err);
    if (json::value const* raw = o->if_contains("raw"))
        r.raw = *raw;
    if (err)
        return err.code();
    return r;
}

void tag_invoke(json::value_from_tag, json::value& jv, ToolCallDelta const& d)
{
    json::object& o = jv.emplace_object();
    detail::put_if(o, "index", d.index);
    o["id"] = d.id;
    o["name"] = d.name;
    o["arguments"] = d.arguments;
}

boost::system::result<ToolCallDelta> tag_invoke(json::try_value_to_tag<ToolCallDelta>,
                                                json::value const& jv)
{
    json::object const* o = as_object(jv);
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    ToolCallDelta d;
    if (auto index = detail::integer_field(*o, "index", err)) {
        if (*index < 0 || *index > 1'000'000)
            return error_code(json::error::not_exact);
        d.index = static_cast<int>(*index);
    }
    detail::id_field(*o, "id", d.id, err);
    d.name = detail::string_field(*o, "name", err);
    d.arguments = detail::string_field(*o, "arguments", err);
    if (err)
        return err.code();
    return d;
}

void tag_invoke(json::value_from_tag, json::value& jv, ChatChunk const& c)
{
    json::object& o = jv.emplace_object();
    if (!c.id.empty())
        o["id"] = c.id;
    if (!c.model.empty())
        o["model"] = c.model;
    if (!c.content.empty())
        o["content"] = c.content;
    if (!c.reasoning.empty())
        o["reasoning"] = c.reasoning;
    if (!c.refusal.empty())
        o["refusal"] = c.refusal;
    detail::put_list(o, "tool_calls", c.tool_calls);
    put_finish(o, c.finish_reason, c.finish_reason_raw);
    detail::put_if(o, "usage", c.usage);
    detail::put_if(o, "stats", c.stats);
    if (c.choice_index != 0)
        o["choice_index"] = c.choice_index;
    if (c.no_choice)
        o["no_choice"] = true;
}

boost::system::result<ChatChunk> tag_invoke(json::try_value_to_tag<ChatChunk>,
                                            json::value const& jv)
{
    json::object const* o = as_object(jv);
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    ChatChunk c;
    c.id = detail::string_field(*o, "id", err);
    c.model = detail::string_field(*o, "model", err);
    c.content = detail::string_field(*o, "content", err);
    c.reasoning = detail::string_field(*o, "reasoning", err);
    c.refusal = detail::string_field(*o, "refusal", err);
    detail::list_field(*o, "tool_calls", c.tool_calls, err);
    detail::typed_field(*o, "finish_reason", c.finish_reason, err);
    c.finish_reason_raw = detail::string_field(*o, "finish_reason_raw", err);
    detail::typed_field(*o, "usage", c.usage, err);
    detail::typed_field(*o, "stats", c.stats, err);
    if (auto index = detail::integer_field(*o, "choice_index", err)) {
        if (*index < 0 || *index > 1'000'000)
            return error_code(json::error::not_exact);
        c.choice_index = static_cast<int>(*index);
    }
    c.no_choice = detail::bool_field(*o, "no_choice", err).value_or(false);
    if (err)
        return err.code();
    return c;
}

} // namespace llmio

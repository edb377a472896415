#include <llmio/message.hpp>

#include <llmio/detail/json_read.hpp>

#include <boost/json/value.hpp>

namespace llmio {

namespace json = boost::json;

std::string_view to_string(Role role) noexcept
{
    switch (role) {
    case Role::system: return "system";
    case Role::developer: return "developer";
    case Role::user: return "user";
    case Role::assistant: return "assistant";
    case Role::tool: return "tool";
    }
    return "user";
}

std::optional<Role> role_from_string(std::string_view text) noexcept
{
    for (Role r : {Role::system, Role::developer, Role::user, Role::assistant, Role::tool}) {
        if (text == to_string(r))
            return r;
    }
    return std::nullopt;
}

ContentPart ContentPart::from_text(std::string text)
{
    ContentPart p;
    p.type = Type::text;
    p.text = std::move(text);
    return p;
}

ContentPart ContentPart::image(std::string url, std::string detail)
{
    ContentPart p;
    p.type = Type::image_url;
    p.url = std::move(url);
    p.detail = std::move(detail);
    return p;
}

namespace {

Message make(Role role, std::string text)
{
    Message m;
    m.role = role;
    m.content = std::move(text);
    return m;
}

} // namespace

Message Message::system(std::string text) { return make(Role::system, std::move(text)); }
Message Message::developer(std::string text) { return make(Role::developer, std::move(text)); }
Message Message::user(std::string text) { return make(Role::user, std::move(text)); }
Message Message::assistant(std::string text) { return make(Role::assistant, std::move(text)); }

Message Message::assistant_tool_calls(std::vector<ToolCall> calls, std::string text)
{
    Message m = make(Role::assistant, std::move(text));
    m.tool_calls = std::move(calls);
    return m;
}

Message Message::tool_result(std::string tool_call_id, std::string content)
{
    Message m = make(Role::tool, std::move(content));
    m.tool_call_id = std::move(tool_call_id);
    return m;
}

// ---- neutral JSON ------------------------------------------------------------------------

void tag_invoke(json::value_from_tag, json::value& jv, Role role)
{
    jv = to_string(role);
}

boost::system::result<Role> tag_invoke(json::try_value_to_tag<Role>, json::value const& jv)
{
    json::string const* s = jv.if_string();
    if (s == nullptr)
        return boost::system::error_code(json::error::not_string);
    if (auto r = role_from_string(*s))
        return *r;
    return boost::system::error_code(json::error::unknown_name);
}

void tag_invoke(json::value_from_tag, json::value& jv, ContentPart const& part)
{
    json::object& o = jv.emplace_object();
    if (part.type == ContentPart::Type::text) {
        o["type"] = "text";
        o["text"] = part.text;
    } else {
        o["type"] = "image_url";
        o["url"] = part.url;
        if (!part.detail.empty())
            o["detail"] = part.detail;
    }
}

boost::system::result<ContentPart> tag_invoke(json::try_value_to_tag<ContentPart>,
                                              json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return boost::system::error_code(json::error::not_object);
    detail::ShapeError err;
    ContentPart part;
    std::string_view const type = detail::string_field(*o, "type", err);
    if (type == "text" || type.empty()) {
        part.type = ContentPart::Type::text;
        part.text = detail::string_field(*o, "text", err);
    } else if (type == "image_url") {
        part.type = ContentPart::Type::image_url;
        part.url = detail::string_field(*o, "url", err);
        part.detail = detail::string_field(*o, "detail", err);
    } else {
        err.fail("unknown content part type", json::error::unknown_name);
    }
    if (err)
        return err.code();
    return part;
}

void tag_invoke(json::value_from_tag, json::value& jv, ToolCall const& call)
{
    jv = {{"id", call.id}, {"name", call.name}, {"arguments", call.arguments}};
}

boost::system::result<ToolCall> tag_invoke(json::try_value_to_tag<ToolCall>, json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return boost::system::error_code(json::error::not_object);
    detail::ShapeError err;
    ToolCall call;
    detail::id_field(*o, "id", call.id, err);
    call.name = detail::string_field(*o, "name", err);
    call.arguments = detail::string_field(*o, "arguments", err);
    if (err)
        return err.code();
    return call;
}

void tag_invoke(json::value_from_tag, json::value& jv, Message const& m)
{
    json::object& o = jv.emplace_object();
    o["role"] = to_string(m.role);
    o["content"] = m.content;
    detail::put_list(o, "parts", m.parts);
    detail::put_list(o, "tool_calls", m.tool_calls);
    if (!m.tool_call_id.empty())
        o["tool_call_id"] = m.tool_call_id;
    if (!m.name.empty())
        o["name"] = m.name;
    if (!m.reasoning.empty())
        o["reasoning"] = m.reasoning;
}

boost::system::result<Message> tag_invoke(json::try_value_to_tag<Message>, json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return boost::system::error_code(json::error::not_object);
    Message m;
    if (json::value const* role = o->if_contains("role")) {
        auto r = json::try_value_to<Role>(*role);
        if (!r)
            return r.error();
        m.role = *r;
    } else {
        return boost::system::error_code(json::error::not_found);
    }
    detail::ShapeError err;
    m.content = detail::string_field(*o, "content", err);
    detail::list_field(*o, "parts", m.parts, err);
    detail::list_field(*o, "tool_calls", m.tool_calls, err);
    m.tool_call_id = detail::string_field(*o, "tool_call_id", err);
    m.name = detail::string_field(*o, "name", err);
    m.reasoning = detail::string_field(*o, "reasoning", err);
    if (err)
        return err.code();
    return m;
}

} // namespace llmio

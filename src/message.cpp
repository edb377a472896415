#include <llmio/message.hpp>

namespace llmio {

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

} // namespace llmio

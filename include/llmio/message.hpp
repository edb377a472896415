#ifndef LLMIO_MESSAGE_HPP
#define LLMIO_MESSAGE_HPP

// Conversation messages, provider-neutral. Each provider maps them to its own wire format
// (e.g. `llmio/openai/wire.hpp`).

#include <boost/describe/class.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio {

/// Who wrote a message. `developer` is OpenAI's newer name for `system`; local servers that do
/// not know it may reject it, so prefer `system` for them.
enum class Role { system, developer, user, assistant, tool };

/// "system", "developer", "user", "assistant", "tool".
std::string_view to_string(Role role) noexcept;

/// The role named `text`, or nullopt for an unknown name.
std::optional<Role> role_from_string(std::string_view text) noexcept;

/// One part of a multi-part message: text or an image.
struct ContentPart {
    enum class Type { text, image_url };

    Type type = Type::text;
    std::string text;   ///< For `Type::text`.
    std::string url;    ///< For `Type::image_url`: an http(s) URL or a `data:image/...;base64,` URL.
    std::string detail; ///< For images: "auto", "low" or "high"; empty = not sent.

    static ContentPart from_text(std::string text);
    static ContentPart image(std::string url, std::string detail = {});

    friend bool operator==(ContentPart const&, ContentPart const&) = default;
};

/// A tool (function) call made by the model.
struct ToolCall {
    std::string id;        ///< Echo it back in `Message::tool_result`. Never empty once assembled.
    std::string name;      ///< The function name.
    std::string arguments; ///< The arguments as JSON text, exactly as the model produced them.

    friend bool operator==(ToolCall const&, ToolCall const&) = default;
};

// Described: `boost::json::value_from(call)` is {"id","name","arguments"} (the CLI's --json).
BOOST_DESCRIBE_STRUCT(ToolCall, (), (id, name, arguments))

/// One message of a conversation.
struct Message {
    Role role = Role::user;
    /// The text. When `parts` is non-empty the message is sent as a part array instead, and a
    /// non-empty `content` becomes its first text part (nothing is dropped).
    std::string content;
    std::vector<ContentPart> parts;
    /// Calls the assistant made (assistant messages).
    std::vector<ToolCall> tool_calls;
    /// The call this message answers (tool messages).
    std::string tool_call_id;
    /// Optional participant name; sent only when non-empty.
    std::string name;
    /// The model's reasoning text (assistant messages). Kept for the application; providers do not
    /// send it back (DeepSeek-style servers reject it in requests).
    std::string reasoning;

    static Message system(std::string text);
    static Message developer(std::string text);
    static Message user(std::string text);
    static Message assistant(std::string text);
    /// An assistant turn that made tool calls (its text may be empty).
    static Message assistant_tool_calls(std::vector<ToolCall> calls, std::string text = {});
    /// The result of the tool call `tool_call_id`.
    static Message tool_result(std::string tool_call_id, std::string content);

    friend bool operator==(Message const&, Message const&) = default;
};

} // namespace llmio

#endif // LLMIO_MESSAGE_HPP

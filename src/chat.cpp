#include <llmio/chat.hpp>

namespace llmio {

Message ChatResponse::to_message() const
{
    Message m = Message::assistant(content);
    m.tool_calls = tool_calls;
    m.reasoning = reasoning;
    return m;
}

} // namespace llmio

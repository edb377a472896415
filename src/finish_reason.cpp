#include <llmio/finish_reason.hpp>

namespace llmio {

std::string_view to_string(FinishReason reason) noexcept
{
    switch (reason) {
    case FinishReason::stop: return "stop";
    case FinishReason::length: return "length";
    case FinishReason::tool_calls: return "tool_calls";
    case FinishReason::content_filter: return "content_filter";
    case FinishReason::other: return "other";
    case FinishReason::none: return "none";
    }
    return "other";
}

FinishReason finish_reason_from_string(std::string_view text) noexcept
{
    if (text == "stop")
        return FinishReason::stop;
    if (text == "length")
        return FinishReason::length;
    if (text == "tool_calls")
        return FinishReason::tool_calls;
    if (text == "content_filter")
        return FinishReason::content_filter;
    return FinishReason::other;
}

} // namespace llmio

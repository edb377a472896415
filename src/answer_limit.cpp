#include <llmio/answer_limit.hpp>

#include <llmio/error.hpp>

#include <algorithm>

namespace llmio {

bool AnswerLimit::add(std::size_t bytes) noexcept
{
    // Saturating: a byte count never wraps around to "small".
    used_ = bytes > max_ - std::min(used_, max_) ? max_ + 1 : used_ + bytes;
    return used_ <= max_;
}

bool AnswerLimit::add(ChatChunk const& chunk) noexcept
{
    std::size_t bytes = chunk.content.size() + chunk.reasoning.size() + chunk.refusal.size();
    for (auto const& call : chunk.tool_calls)
        bytes += call.name.size() + call.arguments.size();
    return add(bytes);
}

void AnswerLimit::throw_exceeded(std::string_view provider) const
{
    ErrorInfo info;
    info.provider = std::string(provider);
    info.detail = "the answer exceeds limits.max_answer_bytes (" + std::to_string(max_) + " bytes)";
    throw_error(errc::body_too_large, std::move(info));
}

void AnswerLimit::check(ChatResponse const& response, std::size_t max_bytes, std::string_view provider)
{
    AnswerLimit limit(max_bytes);
    bool fits = limit.add(response.content.size() + response.reasoning.size() + response.refusal.size());
    for (auto const& call : response.tool_calls)
        fits = limit.add(call.name.size() + call.arguments.size()) && fits;
    if (!fits)
        limit.throw_exceeded(provider);
}

} // namespace llmio

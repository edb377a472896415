#include <llmio/completion.hpp>

namespace llmio {

std::string const& CompletionResponse::text() const noexcept
{
    static std::string const empty;
    return choices.empty() ? empty : choices.front().text;
}

} // namespace llmio

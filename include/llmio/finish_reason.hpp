#ifndef LLMIO_FINISH_REASON_HPP
#define LLMIO_FINISH_REASON_HPP

#include <boost/describe/enum.hpp>

#include <string_view>

namespace llmio {

/// Why generation stopped.
///
/// Servers send values outside the OpenAI set ("", "eos", "abort", ...): those become `other`,
/// and the response keeps the server's text in `finish_reason_raw`. Never an error.
enum class FinishReason {
    stop,           ///< Natural end or a stop sequence.
    length,         ///< The token limit (max_tokens or the context) was reached.
    tool_calls,     ///< The model called tools.
    content_filter, ///< Output withheld by a filter.
    other,          ///< Anything else; see the raw text.
    none,           ///< No finish reason (yet): the generation has not finished.
};

/// "stop", "length", "tool_calls", "content_filter", "other", "none".
std::string_view to_string(FinishReason reason) noexcept;

/// Classifies a server's finish reason text. Unknown text (including "") gives `other`.
FinishReason finish_reason_from_string(std::string_view text) noexcept;

// Described, so Boost.JSON writes the enumerator's name (the `to_string` text).
BOOST_DESCRIBE_ENUM(FinishReason, stop, length, tool_calls, content_filter, other, none)

} // namespace llmio

#endif // LLMIO_FINISH_REASON_HPP

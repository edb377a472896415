#ifndef LLMIO_SRC_DETAIL_MESSAGE_TEXT_HPP
#define LLMIO_SRC_DETAIL_MESSAGE_TEXT_HPP

// Echoing user-supplied text (model ids, names, config values that are not secrets) into error
// messages: quoted, bounded, control characters escaped so a message never breaks a log line.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::detail::message_text {

/// `"text"` with `"` and `\` escaped, bytes below 0x20 and 0x7F as `\xNN`, and text beyond
/// `max_bytes` cut and marked with `...`.
std::string quoted(std::string_view text, std::size_t max_bytes = 80);

/// `text` with bytes below 0x20 and 0x7F as `\xNN` (nothing else changed), cut after
/// `max_bytes` and marked with `...`. For values shown to users, e.g. by `describe()`.
std::string printable(std::string_view text, std::size_t max_bytes = 256);

/// "a, b, c", or "none" for an empty list.
std::string joined(std::vector<std::string> const& names);

} // namespace llmio::detail::message_text

#endif

#ifndef LLMIO_GATEWAY_JSON_TEXT_HPP
#define LLMIO_GATEWAY_JSON_TEXT_HPP

// JSON written as text straight into a reused buffer, for the per-token path (no DOM).

#include <cstdint>
#include <string>
#include <string_view>

namespace llmio::gateway {

/// `text` as a quoted JSON string (escaping quotes, backslashes and control characters).
void append_json_string(std::string& out, std::string_view text);
void append_json_int(std::string& out, std::int64_t value);

} // namespace llmio::gateway

#endif

#ifndef LLMIO_TESTING_EMULATORS_JSON_TEXT_HPP
#define LLMIO_TESTING_EMULATORS_JSON_TEXT_HPP

// Compact JSON text the way real servers print it. Boost.JSON writes doubles as `2.5E-1`;
// llama.cpp (nlohmann) and OpenAI write `0.25`, and integral doubles as `25000.0`, so the
// emulators serialize with this instead of boost::json::serialize.

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace llmio::emulators {

/// Appends `s` as a JSON string literal (escaping `"`, `\` and control characters only).
void append_json_string(std::string& out, std::string_view s);

/// Appends a double: shortest round-trip digits, ".0" added to integral values.
void append_json_number(std::string& out, double d);

void append_json(std::string& out, boost::json::value const& v);

std::string to_json(boost::json::value const& v);

/// `s` as a JSON string literal.
std::string quoted(std::string_view s);

} // namespace llmio::emulators

#endif // LLMIO_TESTING_EMULATORS_JSON_TEXT_HPP

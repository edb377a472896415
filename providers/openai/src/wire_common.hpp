#ifndef LLMIO_OPENAI_WIRE_COMMON_HPP
#define LLMIO_OPENAI_WIRE_COMMON_HPP

// Pieces shared by the OpenAI wire parsers (internal).

#include <llmio/detail/json_read.hpp>
#include <llmio/finish_reason.hpp>
#include <llmio/usage.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace llmio::openai::detail {

using llmio::detail::ShapeError;

/// Throws MalformedResponseError with `detail` and a bounded copy of `body`.
[[noreturn]] void throw_malformed(std::string_view body, std::string detail);

/// Parses a whole response body (tolerating invalid UTF-8 inside strings).
boost::json::value parse_body(std::string_view body);

/// The body's top-level object, or throws.
boost::json::object const& root_object(boost::json::value const& v, std::string_view body);

/// OpenAI `usage` (with `*_tokens_details`) at `o["usage"]`, or the value itself.
std::optional<Usage> read_usage(boost::json::object const& o, ShapeError& err);
std::optional<Usage> read_usage(boost::json::value const& usage, ShapeError& err);

/// llama.cpp `timings` at `o["timings"]`, or the value itself.
std::optional<ServerStats> read_timings(boost::json::object const& o, ShapeError& err);
std::optional<ServerStats> read_timings(boost::json::value const& timings, ShapeError& err);

/// Text of a `content` value: a string, null, or an array of parts whose text parts are
/// concatenated (some servers answer with parts). `key` names the value in errors.
void append_content(boost::json::object const& o, std::string_view key, std::string& out,
                    ShapeError& err, std::string_view where);
void append_content(boost::json::value const& v, std::string_view key, std::string& out,
                    ShapeError& err, std::string_view where);

/// A function's `arguments`: JSON text, or an object/array that is serialised to text.
void append_arguments(boost::json::object const& function, std::string& out, ShapeError& err,
                      std::string_view where);

/// Reads `finish_reason` at `o`: nullopt when absent or null; `skip_empty` treats "" as absent.
std::optional<FinishReason> read_finish(boost::json::object const& o, std::string& raw,
                                        ShapeError& err, std::string_view where,
                                        bool skip_empty);
std::optional<FinishReason> read_finish(boost::json::value const& v, std::string& raw,
                                        ShapeError& err, std::string_view where,
                                        bool skip_empty);

/// The choice to read from `choices`: the one whose `index` is 0, else the first.
boost::json::object const* pick_choice(boost::json::array const& choices, ShapeError& err);

} // namespace llmio::openai::detail

#endif // LLMIO_OPENAI_WIRE_COMMON_HPP

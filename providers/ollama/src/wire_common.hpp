#ifndef LLMIO_OLLAMA_WIRE_COMMON_HPP
#define LLMIO_OLLAMA_WIRE_COMMON_HPP

// Pieces shared by the Ollama wire parsers (internal).

#include <llmio/detail/json_read.hpp>
#include <llmio/ollama/wire.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace llmio::ollama::detail {

using llmio::detail::ShapeError;

/// Throws MalformedResponseError with `detail` and a bounded copy of `body`.
[[noreturn]] void throw_malformed(std::string_view body, std::string detail);

/// Throws InvalidRequestError (errc::invalid_request) with `detail`.
[[noreturn]] void throw_invalid_request(std::string detail);

/// Parses a whole body or line into its top-level object, or throws MalformedResponseError.
boost::json::object parse_object(std::string_view body);
/// The same, parsed into `parser`'s arena: valid until its next parse (the per-line path).
boost::json::object const& as_object(llmio::detail::ArenaJsonParser& parser, std::string_view body);

/// Throws MalformedResponseError when `err` recorded a shape problem.
void check_shape(ShapeError const& err, std::string_view body);

/// True when `o` carries a non-empty `error` (Ollama's in-band and error-body shape).
bool has_error(boost::json::object const& o);

/// Sampling options shared by chat and generate; `extra_options` merged last.
void put_sampling(boost::json::object& options, std::optional<double> temperature,
                  std::optional<double> top_p, std::optional<std::int64_t> max_tokens,
                  std::vector<std::string> const& stop, std::optional<std::int64_t> seed,
                  std::optional<double> presence_penalty, std::optional<double> frequency_penalty,
                  RequestDefaults const& defaults);

/// Writes `keep_alive` (digits-only text as a number of seconds, which Ollama requires).
void put_keep_alive(boost::json::object& body, std::string_view keep_alive);

/// Merges `extra` into `body`, and an `options` object in `extra` into `body["options"]`.
void merge_extra_with_options(boost::json::object& body, boost::json::object const& extra);

/// Maps `reasoning_effort` to Ollama's `think` value.
boost::json::value think_value(std::string_view effort);

} // namespace llmio::ollama::detail

#endif

#ifndef LLMIO_SRC_CONFIG_CHECKS_HPP
#define LLMIO_SRC_CONFIG_CHECKS_HPP

// Validation shared by the config-file reader and the settings resolver. Each check throws
// InvalidRequestError whose message starts with `name` (a variable, a file key, "explicit
// timeout_s") and never repeats a secret.

#include <llmio/http/http_options.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace llmio::detail::config {

/// Largest accepted timeout, in seconds (about 11.6 days); 0 turns a timeout off.
inline constexpr double kMaxSeconds = 1'000'000;
inline constexpr int kMaxRetries = 100;
inline constexpr int kMaxInFlight = 10000;

/// Seconds in [0, kMaxSeconds] as a duration; nullopt for anything else (NaN, inf, negative).
std::optional<http::Duration> seconds(double value) noexcept;

/// "<name> must be a number of seconds from 0 to 1000000" + `got` (e.g. `, not "abc"`).
[[noreturn]] void bad_seconds(std::string_view name, std::string_view got);
[[noreturn]] void bad_retries(std::string_view name, std::string_view got);

/// Throws unless `duration` is within [0, kMaxSeconds].
void check_duration(std::string_view name, http::Duration duration);
/// Throws unless 0 <= retries <= kMaxRetries.
void check_retries(std::string_view name, int retries);

/// "<name> must be an integer from 1 to 10000" + `got`.
[[noreturn]] void bad_in_flight(std::string_view name, std::string_view got);
/// Throws unless 1 <= n <= kMaxInFlight.
void check_in_flight(std::string_view name, int n);

/// Whether `kind` is one of provider_kinds().
bool known_kind(std::string_view kind) noexcept;
/// Throws unless `kind` is known; the message lists the kinds.
void check_kind(std::string_view name, std::string_view kind);

/// Throws unless `variable` looks like an environment variable name (letters, digits and
/// `_`, not starting with a digit, at most 128). `variable` is not repeated: a key pasted in
/// its place must not end up in a message.
void check_variable_name(std::string_view name, std::string_view variable);

/// Throws when `value` contains a control character (CR/LF would split an HTTP header).
/// `value` is not repeated: it may be a secret.
void check_no_controls(std::string_view name, std::string_view value);

/// Throws unless `header` is an HTTP field name (RFC 9110 token) and `value` has no control
/// characters other than tab.
void check_header(std::string_view where, std::string_view header, std::string_view value);

/// Throws InvalidRequestError (errc::invalid_endpoint) unless http::Endpoint accepts `url`.
void check_base_url(std::string_view name, std::string_view url);

} // namespace llmio::detail::config

#endif

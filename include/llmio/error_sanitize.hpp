#ifndef LLMIO_ERROR_SANITIZE_HPP
#define LLMIO_ERROR_SANITIZE_HPP

// Turning text a server (or a user) supplied into something safe to show on one terminal or log
// line: control characters escaped, configured secrets redacted. docs/errors.md states the rule.

#include <llmio/error.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmio {

/// Secrets shorter than this are not redacted: replacing every "a" would garble the text and
/// protect nothing.
inline constexpr std::size_t kMinRedactedSecret = 4;

/// What replaces a secret.
inline constexpr std::string_view kRedacted = "[redacted]";

/// `text` as one printable line: CR, LF and TAB become `\r`, `\n`, `\t`; other C0 controls,
/// DEL and C1 controls (U+0080-U+009F) become `\xHH` (for C1, of the code point); bytes that are
/// not valid UTF-8 become `\xHH`; everything else, backslashes included, is kept. Escaping
/// escaped text changes nothing.
std::string escape_for_display(std::string_view text);

/// `text` with every occurrence of each secret (of at least kMinRedactedSecret bytes) replaced
/// by `[redacted]`.
std::string redact_secrets(std::string_view text, std::span<std::string const> secrets);

/// `redact_secrets`, then `escape_for_display`.
std::string sanitize_for_display(std::string_view text, std::span<std::string const> secrets = {});

/// The secret an `Authorization`-like header value holds: for "<scheme> <credential>" (e.g.
/// "Bearer sk-...") the credential alone, so that "Bearer [redacted]" remains; else the value.
/// Empty when that is shorter than kMinRedactedSecret.
std::vector<std::string> secrets_of_header_value(std::string_view value);

/// Redacts `secrets` from every text field of `info`, the raw body and raw message included.
void redact_secrets(ErrorInfo& info, std::span<std::string const> secrets);

/// Inside a catch block: like `rethrow_attributed(provider)`, and a ProviderError's text is
/// redacted of `secrets`.
[[noreturn]] void rethrow_sanitised(std::string_view provider, std::span<std::string const> secrets);

} // namespace llmio

#endif // LLMIO_ERROR_SANITIZE_HPP

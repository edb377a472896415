#ifndef LLMIO_HTTP_ENDPOINT_HPP
#define LLMIO_HTTP_ENDPOINT_HPP

// A server's base URL, parsed (with Boost.URL), normalised and validated before any I/O.
//
// Accepted: `[http|https://]host[:port][/base/path][/api-prefix][/]`, so `http://localhost:8080`
// and `localhost:8080/v1/` reach the same server (equal `origin()` and `to_string()`), and
// `https://proxy.example/llm/v1` keeps the reverse-proxy prefix `/llm` as `base_path()`. The API
// prefixes to recognise come from the caller (`ParseOptions::api_prefixes`, by default only
// `/v1`): a provider whose server has more APIs passes them all (LM Studio: `/v1`, `/api/v0`,
// `/api/v1`, see llmio::lmstudio::kApiPrefixes).
//
// Rules (each failure throws `InvalidRequestError` with
// `errc::invalid_endpoint` and a detail naming the problem; details never contain control
// characters, credentials, query strings or fragments):
// - ASCII spaces at both ends are trimmed; an empty result is rejected.
// - Control characters (U+0000..U+001F, U+007F: NUL, tab, CR, LF, ...) are rejected anywhere,
//   including the ends, and named by code point and byte offset, never echoed.
// - Userinfo (`user:pw@host`) is rejected without repeating it: pass keys through options.
// - Spaces inside, non-ASCII bytes (use punycode `xn--` host names) and characters RFC 3986
//   never allows (`"`, `<`, `>`, `\`, `^`, backtick, `{`, `|`, `}`) are rejected with their
//   byte offset; so is a `%` that is not followed by two hex digits.
// - Scheme: `http` or `https`, case-insensitive. A URL without `scheme://` means `http`
//   (detected before Boost.URL sees the text, which would read `localhost:1234` as scheme
//   `localhost`). Other schemes (`ftp://`, `ws://`) are rejected by name; `http:host` (no `//`)
//   is rejected.
// - Host: required. Names are lower-cased, unreserved percent-escapes decoded, and must consist
//   of `a-z 0-9 - . _` (a name that decodes to a dotted quad, `127.0.0.%31`, is that IPv4
//   address); a name of only digits and dots that is not a dotted-quad IPv4 address
//   (`127.1`, `010.0.0.1`) is rejected rather than handed to a resolver that reads it as octal
//   or short-form IPv4. IPv6 needs brackets (`http://[::1]:8080`) and is stored in RFC 5952 form
//   without them (`[0:0::1]` -> `::1`). Without a scheme, a bare IPv6 literal such as `::` is
//   accepted and bracketed (`::` -> `http://[::]`); it then has no port (`::1:8080` is the
//   address ::1:8080). IPvFuture literals and IPv6 zone ids are rejected.
// - Port: 1..65535, leading zeros allowed; an empty port (`host:`), a non-number, 0 and values
//   above 65535 are rejected. Without a port: 80 for http, 443 for https. An explicit default
//   port is the same endpoint as none.
// - Query (`?...`, even empty) and fragment (`#...`) are rejected: nothing can be appended to a
//   base URL after them. The message does not repeat them (a query may carry a key).
// - Path: percent-escapes of unreserved characters are decoded and other escapes upper-cased
//   (RFC 3986 6.2.2); `.` and `..` segments are resolved (`..` at the root is dropped), empty
//   segments (`//`) and trailing slashes are removed. The path is case-sensitive: `/V1` is not
//   the API prefix `/v1`. If the path ends with one of `ParseOptions::api_prefixes` (the
//   longest that matches), that is the `api_prefix()` and the rest is `base_path()`. A base
//   path that itself still ends with one of those (`/v1/v1`) is rejected as ambiguous, so
//   `to_string()` always parses back to the same base (given the same prefixes).
//
// Reuse for `OLLAMA_HOST`: pass `ParseOptions{.port_without_scheme = 11434}` so that `box` and
// `0.0.0.0` get Ollama's port while `http://box` keeps port 80, as Ollama does. Quote stripping,
// an empty variable and cloud defaults stay with the Ollama provider.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace llmio::http {

/// The API prefixes every OpenAI-compatible server has: `/v1`.
inline constexpr std::array<std::string_view, 1> kDefaultApiPrefixes{"/v1"};

class Endpoint {
public:
    /// Knobs for parsing; the defaults give the rules above.
    struct ParseOptions {
        /// Port for text that has neither a scheme nor a port (`box`, `0.0.0.0`, `::`).
        /// 0 means the scheme's default (80).
        std::uint16_t port_without_scheme = 0;
        /// The API prefixes a path may end with (each starting with '/'); the list must outlive
        /// the call.
        std::span<std::string_view const> api_prefixes = kDefaultApiPrefixes;
    };

    /// Parses and normalises. Throws `llmio::InvalidRequestError` with `errc::invalid_endpoint`
    /// and a detail that says exactly what is wrong (never echoing control characters raw).
    static Endpoint parse(std::string_view url);
    static Endpoint parse(std::string_view url, ParseOptions const& options);

    /// Same without throwing: on failure returns nullopt and sets `*why` (if given) to the
    /// detail `parse` would throw.
    static std::optional<Endpoint> try_parse(std::string_view url, std::string* why = nullptr);
    static std::optional<Endpoint> try_parse(std::string_view url, ParseOptions const& options,
                                             std::string* why = nullptr);

    /// True when the scheme is https.
    bool tls() const noexcept { return scheme_ == "https"; }
    /// "http" or "https".
    std::string const& scheme() const noexcept { return scheme_; }
    /// The host as written, lower-cased; IPv6 in RFC 5952 form without brackets.
    std::string const& host() const noexcept { return host_; }
    /// Where to connect: 0.0.0.0 -> 127.0.0.1, :: -> ::1 (bind addresses), else `host()`.
    std::string const& connect_host() const noexcept { return connect_host_; }
    /// The explicit port, else 80 (http) or 443 (https).
    std::uint16_t port() const noexcept { return port_; }
    /// Percent-encoded path before the API prefix, without a trailing '/'; "" if none.
    std::string const& base_path() const noexcept { return base_path_; }
    /// The API prefix the path ended with (one of `ParseOptions::api_prefixes`), else "".
    std::string const& api_prefix() const noexcept { return api_prefix_; }

    /// "http://localhost:1234": default port omitted, IPv6 bracketed. Keys a connection pool.
    std::string origin() const;
    /// The Host header value for `connect_host()`: "localhost:1234", "[::1]:8080", port
    /// omitted when it is the scheme's default.
    std::string host_header() const;
    /// `base_path() + path`, the request target. `path` must start with '/' and contain no
    /// spaces or control characters, else `InvalidRequestError` (`errc::invalid_request`).
    std::string target(std::string_view path) const;
    /// `origin() + base_path()`: the normalised base, without the API prefix.
    std::string to_string() const;
    /// 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104, "localhost", and the 0.0.0.0 / :: bind addresses.
    bool is_loopback() const noexcept { return loopback_; }

    friend bool operator==(Endpoint const&, Endpoint const&) = default;

private:
    Endpoint() = default;

    std::string scheme_;
    std::string host_;
    std::string connect_host_;
    std::uint16_t port_ = 0;
    std::string base_path_;
    std::string api_prefix_;
    bool loopback_ = false;
};

} // namespace llmio::http

#endif // LLMIO_HTTP_ENDPOINT_HPP

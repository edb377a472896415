#ifndef LLMIO_SRC_GATEWAY_CORS_HPP
#define LLMIO_SRC_GATEWAY_CORS_HPP

// CORS for the gateway (docs/gateway.md, "Web apps and CORS"), sans-io: the policy reads the
// request's Origin and Access-Control-Request-* values and says which headers to answer with.
//
// Only origins on an explicit allow-list are answered, and the requesting origin is echoed,
// never `*`: an API that takes bearer keys must not be readable from every page a user opens.
// An origin not on the list gets no Access-Control-* header at all, so the browser refuses.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmio::gateway {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// "scheme://host[:port]" with the scheme and host in lower case and the scheme's default
/// port (80, 443) dropped, so that `HTTP://LocalHost:80` and `http://localhost` compare equal.
/// A single trailing '/' is accepted (people paste them into configs); a path, query,
/// fragment, user info, "null" or `*` are not origins: nullopt.
std::optional<std::string> normalize_origin(std::string_view origin);

class CorsPolicy {
public:
    /// Seconds a browser may cache a preflight answer (Chromium caps it at 7200).
    static constexpr int kMaxAgeSeconds = 600;

    CorsPolicy() = default;
    /// Throws InvalidRequestError naming `where` (a config key or a CLI flag) and the entry at
    /// fault when an entry is not an origin (normalize_origin).
    CorsPolicy(std::vector<std::string> const& origins, std::string_view where);

    /// Whether any origin is allowed (without one the gateway adds no CORS header at all).
    bool enabled() const noexcept { return !origins_.empty(); }
    bool allows(std::string_view origin) const;
    std::vector<std::string> const& origins() const noexcept { return origins_; }

    /// A preflight is an OPTIONS request with Origin and Access-Control-Request-Method.
    static bool is_preflight(std::string_view method, std::string_view origin,
                             std::string_view request_method) noexcept;

    /// The headers of the 204 answering a preflight: the origin echoed, the methods, the
    /// allowed headers (`authorization` and `content-type` always, plus those the request
    /// names that are allowed), Max-Age and `Vary: Origin`. Only `Vary` when the origin is
    /// not allowed.
    HeaderList preflight(std::string_view origin, std::string_view requested_headers) const;

    /// The headers added to an actual (non-preflight) answer: the origin echoed and the
    /// headers a page may read (Retry-After), or only `Vary` when the origin is not allowed or
    /// absent (the answer depends on Origin: a shared cache must not serve one origin's answer
    /// to another). Nothing when no origin is configured.
    HeaderList actual(std::string_view origin) const;

private:
    std::vector<std::string> origins_; // normalised, sorted, unique
};

/// Whether a browser may send request header `name` (any case) to the gateway: the fixed
/// set the API uses plus the `x-stainless-*` telemetry headers openai-node sends.
bool allowed_request_header(std::string_view name) noexcept;

} // namespace llmio::gateway

#endif

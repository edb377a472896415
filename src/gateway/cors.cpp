#include "cors.hpp"

#include "../error_text.hpp"

#include <llmio/error.hpp>

#include <algorithm>
#include <charconv>

namespace llmio::gateway {

namespace {

constexpr std::string_view kMethods = "GET, POST, OPTIONS";
// Always named: a browser needs `authorization` listed explicitly (a `*` does not cover it).
constexpr std::string_view kBaseHeaders = "authorization, content-type";
// What a page may read of an answer: when to retry, and how much of its rate limit is left.
constexpr std::string_view kExposed =
    "retry-after, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, "
    "x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens";

using detail::error_text::trim;

std::string lowered(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), detail::error_text::to_lower);
    return out;
}

bool scheme_char(char c, bool first) noexcept
{
    bool const alpha = (c >= 'a' && c <= 'z');
    return first ? alpha : alpha || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

// A reg-name or IPv4 host: letters, digits, '-', '.', '_' and '~' (no percent-encoding, no
// user info); an IPv6 literal in brackets: hex digits, ':' and '.'.
bool valid_host(std::string_view host) noexcept
{
    if (host.empty() || host.size() > 255)
        return false;
    if (host.front() == '[')
        return host.size() > 2 && host.back() == ']' &&
               std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
                   return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
               });
    return std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    });
}

} // namespace

std::optional<std::string> normalize_origin(std::string_view origin)
{
    if (origin.size() > 512)
        return std::nullopt;
    std::string text = lowered(origin);
    if (!text.empty() && text.back() == '/')
        text.pop_back();
    auto const sep = text.find("://");
    if (sep == std::string::npos || sep == 0)
        return std::nullopt;
    std::string_view const scheme(text.data(), sep);
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if (!scheme_char(scheme[i], i == 0))
            return std::nullopt;
    std::string_view authority(text);
    authority.remove_prefix(sep + 3);
    // The port follows the last ':' after an IPv6 literal's closing bracket, if any.
    auto const bracket = authority.rfind(']');
    auto const colon = authority.rfind(':');
    bool const has_port = colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
    std::string_view const host = has_port ? authority.substr(0, colon) : authority;
    if (!valid_host(host))
        return std::nullopt;
    std::string result = std::string(scheme) + "://" + std::string(host);
    if (!has_port)
        return result;
    std::string_view const port = authority.substr(colon + 1);
    unsigned value = 0;
    auto const [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
        return std::nullopt;
    bool const default_port = (scheme == "http" && value == 80) || (scheme == "https" && value == 443);
    if (!default_port)
        result += ":" + std::to_string(value);
    return result;
}

CorsPolicy::CorsPolicy(std::vector<std::string> const& origins, std::string_view where)
{
    for (auto const& entry : origins) {
        auto normal = normalize_origin(entry);
        if (!normal)
            throw_error(errc::invalid_request,
                        std::string(where) + ": \"" + entry.substr(0, 100) +
                            "\" is not an origin (scheme://host[:port], e.g. \"http://localhost:5173\"; "
                            "no path, no wildcard)");
        origins_.push_back(std::move(*normal));
    }
    std::sort(origins_.begin(), origins_.end());
    origins_.erase(std::unique(origins_.begin(), origins_.end()), origins_.end());
}

bool CorsPolicy::allows(std::string_view origin) const
{
    if (origins_.empty())
        return false;
    auto const normal = normalize_origin(origin);
    return normal && std::binary_search(origins_.begin(), origins_.end(), *normal);
}

bool CorsPolicy::is_preflight(std::string_view method, std::string_view origin,
                              std::string_view request_method) noexcept
{
    return method == "OPTIONS" && !origin.empty() && !request_method.empty();
}

HeaderList CorsPolicy::preflight(std::string_view origin, std::string_view requested_headers) const
{
    HeaderList headers;
    if (!enabled())
        return headers;
    headers.emplace_back("Vary", "Origin");
    if (!allows(origin))
        return headers;
    // The requested names that are allowed and not already listed, in the request's order.
    std::string allowed(kBaseHeaders);
    std::size_t named = 0;
    while (!requested_headers.empty() && named < 64) {
        auto const comma = requested_headers.find(',');
        auto const name = lowered(trim(requested_headers.substr(0, comma)));
        requested_headers = comma == std::string_view::npos ? std::string_view{} : requested_headers.substr(comma + 1);
        ++named;
        if (name.empty() || name == "authorization" || name == "content-type" || !allowed_request_header(name))
            continue;
        if (allowed.find(", " + name) == std::string::npos)
            allowed += ", " + name;
    }
    headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    headers.emplace_back("Access-Control-Allow-Methods", std::string(kMethods));
    headers.emplace_back("Access-Control-Allow-Headers", std::move(allowed));
    headers.emplace_back("Access-Control-Max-Age", std::to_string(kMaxAgeSeconds));
    return headers;
}

HeaderList CorsPolicy::actual(std::string_view origin) const
{
    HeaderList headers;
    if (!enabled())
        return headers;
    headers.emplace_back("Vary", "Origin");
    if (origin.empty() || !allows(origin))
        return headers;
    headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    headers.emplace_back("Access-Control-Expose-Headers", std::string(kExposed));
    return headers;
}

bool allowed_request_header(std::string_view name) noexcept
{
    static constexpr std::string_view fixed[] = {"authorization", "content-type", "x-api-key", "accept",
                                                 "openai-organization", "openai-project"};
    std::string const low = lowered(name.substr(0, 128));
    if (std::find(std::begin(fixed), std::end(fixed), low) != std::end(fixed))
        return true;
    return low.size() > 12 && low.rfind("x-stainless-", 0) == 0;
}

} // namespace llmio::gateway

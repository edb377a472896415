#include <llmio/http/endpoint.hpp>

#include <llmio/error.hpp>

#include <boost/url/host_type.hpp>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>
#include <vector>

namespace llmio::http {
namespace {

namespace urls = boost::urls;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_control(unsigned char c) noexcept { return c < 0x20 || c == 0x7F; }
char to_lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

char to_upper(char c) noexcept
{
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

int hex_value(char c) noexcept
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string lowered(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), to_lower);
    return out;
}

std::string hex_byte(unsigned char c)
{
    constexpr char digits[] = "0123456789ABCDEF";
    return {digits[c >> 4], digits[c & 0xF]};
}

// Control characters are named, never echoed: a raw CR/LF in a message could forge log lines.
std::string describe_control(unsigned char c)
{
    std::string code = "U+00" + hex_byte(c);
    switch (c) {
    case 0x00: return code + ", NUL";
    case 0x09: return code + ", tab";
    case 0x0A: return code + ", line feed";
    case 0x0D: return code + ", carriage return";
    case 0x7F: return code + ", DEL";
    default: return code;
    }
}

// Text for a message: printable ASCII as is, anything else as \xNN, at most `limit` bytes.
std::string quoted(std::string_view text, std::size_t limit = 64)
{
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c >= 0x7F)
            out += "\\x" + hex_byte(c);
        else
            out += text[i];
    }
    if (text.size() > limit)
        out += "...";
    return out + "'";
}

// Everything RFC 3986 allows in a URI: unreserved, gen-delims, sub-delims and '%'.
bool allowed_in_uri(char c) noexcept
{
    return is_alpha(c) || is_digit(c) ||
           std::string_view("-._~:/?#[]@!$&'()*+,;=%").find(c) != std::string_view::npos;
}

// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
bool is_scheme(std::string_view text) noexcept
{
    if (text.empty() || !is_alpha(text.front()))
        return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
    });
}

bool is_host_name_char(char c) noexcept
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
}

// RFC 3986 6.2.2.1-2: decode escapes of unreserved characters, upper-case the others' hex.
// Boost.URL 1.81's normalize_path() also decodes %2F into '/', which changes the path, so the
// path and host are normalised here. `encoded` has been validated by Boost.URL.
std::string normalise_escapes(std::string_view encoded)
{
    std::string out;
    out.reserve(encoded.size());
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        int const high = i + 2 < encoded.size() ? hex_value(encoded[i + 1]) : -1;
        int const low = i + 2 < encoded.size() ? hex_value(encoded[i + 2]) : -1;
        if (encoded[i] != '%' || high < 0 || low < 0) {
            out += encoded[i];
            continue;
        }
        auto const decoded = static_cast<char>(high * 16 + low);
        if (urls::unreserved_chars(decoded)) {
            out += decoded;
        } else {
            out += '%';
            out += to_upper(encoded[i + 1]);
            out += to_upper(encoded[i + 2]);
        }
        i += 2;
    }
    return out;
}

// The longest of `prefixes` that ends `path` on a segment boundary (each starts with '/'),
// or "" when none does.
std::string_view longest_prefix(std::string_view path, std::span<std::string_view const> prefixes)
{
    std::string_view found;
    for (std::string_view const prefix : prefixes)
        if (!prefix.empty() && prefix.size() > found.size() && path.ends_with(prefix))
            found = prefix;
    return found;
}

// "/v1"; "one of /v1 or /api/v0"; "one of /v1, /api/v0 or /api/v1".
std::string one_of(std::span<std::string_view const> prefixes)
{
    if (prefixes.size() == 1)
        return std::string(prefixes.front());
    std::string out = "one of ";
    for (std::size_t i = 0; i < prefixes.size(); ++i) {
        if (i > 0)
            out += i + 1 == prefixes.size() ? " or " : ", ";
        out += prefixes[i];
    }
    return out;
}

std::string const kCredentialsMessage =
    "the base URL contains credentials (user:password@ before the host), which are not allowed; "
    "pass the API key through the provider's options";

} // namespace

Endpoint Endpoint::parse(std::string_view url)
{
    return parse(url, ParseOptions{});
}

Endpoint Endpoint::parse(std::string_view url, ParseOptions const& options)
{
    std::string why;
    auto endpoint = try_parse(url, options, &why);
    if (!endpoint) {
        ErrorInfo info;
        info.detail = std::move(why);
        throw_error(errc::invalid_endpoint, std::move(info));
    }
    return std::move(*endpoint);
}

std::optional<Endpoint> Endpoint::try_parse(std::string_view url, std::string* why)
{
    return try_parse(url, ParseOptions{}, why);
}

std::optional<Endpoint> Endpoint::try_parse(std::string_view url, ParseOptions const& options,
                                            std::string* why)
{
    auto fail = [why](std::string message) -> std::optional<Endpoint> {
        if (why != nullptr)
            *why = std::move(message);
        return std::nullopt;
    };

    // Trim ASCII spaces only: a tab or line break at the end is reported, not swallowed.
    std::size_t begin = 0;
    std::size_t end = url.size();
    while (begin < end && url[begin] == ' ')
        ++begin;
    while (end > begin && url[end - 1] == ' ')
        --end;
    std::string_view const text = url.substr(begin, end - begin);
    if (text.empty())
        return fail("the base URL is empty");
    auto offset = [begin](std::size_t i) { return std::to_string(begin + i); };

    for (std::size_t i = 0; i < text.size(); ++i) {
        auto const c = static_cast<unsigned char>(text[i]);
        if (is_control(c))
            return fail("the base URL contains a control character (" + describe_control(c) +
                        ") at offset " + offset(i));
    }

    // Boost.URL would read "localhost:1234" as scheme "localhost", so find "scheme://" first.
    // A "://" after '/', '?', '#' or '@' belongs to a path, query or userinfo, not to a scheme.
    std::size_t const separator = text.find("://");
    bool const has_scheme =
        separator != std::string_view::npos &&
        text.substr(0, separator).find_first_of("/?#@") == std::string_view::npos;
    std::string_view const scheme_text =
        has_scheme ? text.substr(0, separator) : std::string_view{};
    std::string_view const rest = has_scheme ? text.substr(separator + 3) : text;
    std::size_t const authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    std::string_view const authority = rest.substr(0, authority_end);

    // Checked before anything that could quote part of the authority back.
    if (authority.find('@') != std::string_view::npos)
        return fail(kCredentialsMessage);

    for (std::size_t i = 0; i < text.size(); ++i) {
        char const c = text[i];
        auto const byte = static_cast<unsigned char>(c);
        if (c == ' ')
            return fail("the base URL contains a space at offset " + offset(i) +
                        "; remove it or write it as %20");
        if (byte >= 0x80)
            return fail("the base URL contains the non-ASCII byte 0x" + hex_byte(byte) +
                        " at offset " + offset(i) +
                        "; write host names in punycode (xn--...) and percent-encode the path");
        if (!allowed_in_uri(c))
            return fail("the base URL contains '" + std::string(1, c) + "' at offset " +
                        offset(i) + ", which is not allowed in a URL; percent-encode it");
        if (c == '%' &&
            (i + 2 >= text.size() || hex_value(text[i + 1]) < 0 || hex_value(text[i + 2]) < 0))
            return fail("the base URL contains a '%' at offset " + offset(i) +
                        " that is not followed by two hex digits; write a literal '%' as %25");
    }

    std::string scheme = "http";
    if (has_scheme) {
        if (scheme_text.empty())
            return fail("the base URL has no scheme before '://'; write http:// or https://");
        if (!is_scheme(scheme_text))
            return fail("the text before '://' is not a URL scheme; write http:// or https://");
        scheme = lowered(scheme_text);
        if (scheme != "http" && scheme != "https")
            return fail("the scheme " + quoted(scheme, 32) +
                        " is not supported; use http:// or https://");
    } else if (auto const colon = text.find(':'); colon != std::string_view::npos) {
        // "http:host" is a scheme missing its "//", not a host named "http".
        std::string const head = lowered(text.substr(0, colon));
        if (head == "http" || head == "https")
            return fail("'" + head + ":' must be followed by '//', as in " + head +
                        "://localhost:1234");
    }

    // What Boost.URL gets after "scheme://", adjusted for two cases below.
    std::string after_scheme(rest);

    // A host with two or more colons is IPv6 and needs brackets. Without a scheme a bare
    // address ("::", the usual bind address) is accepted whole, with no port.
    if (std::count(authority.begin(), authority.end(), ':') >= 2 &&
        authority.find('[') == std::string_view::npos) {
        if (has_scheme || !urls::parse_ipv6_address(authority))
            return fail("the host contains ':' more than once; write IPv6 addresses in "
                        "brackets, as in http://[::1]:8080");
        after_scheme = "[" + std::string(authority) + "]" + std::string(rest.substr(authority_end));
    } else if (!authority.empty() && is_digit(authority.front())) {
        // Boost.URL 1.81 commits to an IPv4 prefix of a longer name ("192.168.1.5.nip.io"
        // becomes host 192.168.1.5 plus a path; boostorg/url#755). Escaping the leading digit
        // makes Boost read a name; the host check below decodes it and recognises dotted quads.
        after_scheme.insert(0, "%3");
    }

    std::string const full = scheme + "://" + after_scheme;
    auto const parsed = urls::parse_uri(full);
    std::string const fragment_message =
        "the base URL has a fragment ('#...'), which a base URL cannot carry; remove it";
    std::string const query_message = "the base URL has a query string ('?...'); remove it, "
                                      "because API paths cannot be appended after a query";
    if (!parsed) {
        // A '#' or '?' anywhere after the scheme starts a fragment or query, even a malformed one.
        if (rest.find('#') != std::string_view::npos)
            return fail(fragment_message);
        if (rest.find('?') != std::string_view::npos)
            return fail(query_message);
        if (!authority.empty() && authority.front() == '[') {
            if (authority.find('%') != std::string_view::npos)
                return fail("IPv6 zone identifiers (%25...) are not supported in the host " +
                            quoted(authority));
            return fail("the host and port " + quoted(authority) +
                        " are not a bracketed IPv6 address optionally followed by ':port'");
        }
        if (text.find_first_of("[]") != std::string_view::npos)
            return fail("'[' and ']' are only allowed around an IPv6 host, as in "
                        "http://[::1]:8080");
        return fail("the base URL is not a valid URL (" + parsed.error().message() + ")");
    }
    urls::url_view const u = *parsed;

    if (u.has_fragment())
        return fail(fragment_message);
    if (u.has_query())
        return fail(query_message);

    // Boost.URL 1.81 accepts "host:abc" as port "" followed by the path "abc".
    std::string_view const encoded_path = u.encoded_path();
    if (!encoded_path.empty() && encoded_path.front() != '/')
        return fail("the port after ':' is not a number; give a port from 1 to 65535");

    Endpoint e;
    e.scheme_ = std::move(scheme);

    switch (u.host_type()) {
    case urls::host_type::ipv6: {
        auto const address = u.host_ipv6_address();
        e.host_ = address.to_string(); // RFC 5952: lower case, longest zero run compressed
        e.connect_host_ = address.is_unspecified() ? "::1" : e.host_;
        auto const bytes = address.to_bytes();
        e.loopback_ = address.is_loopback() || address.is_unspecified() ||
                      (address.is_v4_mapped() && bytes[12] == 127);
        break;
    }
    case urls::host_type::ipvfuture:
        return fail("IPvFuture hosts ('[v...]') are not supported; use an IPv6 or IPv4 address "
                    "or a host name");
    case urls::host_type::ipv4: // not reached while leading digits are escaped (see above)
    case urls::host_type::name:
    case urls::host_type::none: {
        std::string host = lowered(normalise_escapes(u.encoded_host()));
        if (host.empty())
            return fail("the base URL has no host; write one, as in http://localhost:1234");
        auto const bad = std::find_if_not(host.begin(), host.end(), is_host_name_char);
        if (bad != host.end())
            return fail("the host name " + quoted(host) + " contains '" + std::string(1, *bad) +
                        "', which host names cannot contain");
        // A dotted quad, also when written with escapes ("127.0.0.%31").
        if (auto const address = urls::parse_ipv4_address(host)) {
            e.host_ = address->to_string();
            e.connect_host_ = address->is_unspecified() ? "127.0.0.1" : e.host_;
            e.loopback_ = address->is_loopback() || address->is_unspecified();
            break;
        }
        // Resolvers read "127.1" or "010.0.0.1" as (octal) IPv4; insist on the dotted quad.
        if (host.find_first_not_of("0123456789.") == std::string::npos)
            return fail("the host " + quoted(host) +
                        " is not a valid IPv4 address; write four numbers from 0 to 255 "
                        "without leading zeros, as in 127.0.0.1");
        if (host.front() == '.' || host.find("..") != std::string::npos)
            return fail("the host name " + quoted(host) + " has an empty label");
        if (host.size() > (host.back() == '.' ? 254u : 253u))
            return fail("the host name is longer than 253 characters");
        e.loopback_ = host == "localhost";
        e.connect_host_ = host;
        e.host_ = std::move(host);
        break;
    }
    }

    if (u.has_port()) {
        std::string_view const digits = u.port();
        if (digits.empty())
            return fail("the port after ':' is empty; remove the ':' or give a port from 1 to "
                        "65535");
        if (!std::all_of(digits.begin(), digits.end(), is_digit))
            return fail("the port after ':' is not a number; give a port from 1 to 65535");
        std::string_view const significant =
            digits.substr(std::min(digits.find_first_not_of('0'), digits.size()));
        unsigned long value = 0;
        for (char c : significant.substr(0, 6))
            value = value * 10 + static_cast<unsigned long>(c - '0');
        if (significant.size() > 5 || value > 65535)
            return fail("the port " + quoted(digits, 20) + " is out of range; use 1 to 65535");
        if (value == 0)
            return fail("the port 0 cannot be connected to; use 1 to 65535");
        e.port_ = static_cast<std::uint16_t>(value);
    } else if (!has_scheme && options.port_without_scheme != 0) {
        e.port_ = options.port_without_scheme;
    } else {
        e.port_ = e.tls() ? 443 : 80;
    }

    // Resolve "." and ".." (RFC 3986 5.2.4; ".." at the root is dropped) and drop empty
    // segments, which also removes trailing slashes. Bounded by the number of segments.
    std::string path;
    std::vector<std::size_t> segment_starts;
    for (auto const segment : u.encoded_segments()) {
        std::string const normalised = normalise_escapes(segment);
        if (normalised.empty() || normalised == ".")
            continue;
        if (normalised == "..") {
            if (!segment_starts.empty()) {
                path.resize(segment_starts.back());
                segment_starts.pop_back();
            }
            continue;
        }
        segment_starts.push_back(path.size());
        path += '/';
        path += normalised;
    }

    // The longest prefix that matches wins, so that "/api/v1" is not read as "/api" + "/v1".
    std::string_view const prefix = longest_prefix(path, options.api_prefixes);
    if (!prefix.empty()) {
        e.api_prefix_ = prefix;
        path.resize(path.size() - prefix.size());
        if (!longest_prefix(path, options.api_prefixes).empty())
            return fail("the path " + quoted(path + e.api_prefix_) +
                        " ends with two API prefixes; give the base URL with " +
                        one_of(options.api_prefixes) + " at most");
    }
    e.base_path_ = std::move(path);
    return e;
}

std::string Endpoint::origin() const
{
    std::string out = scheme_ + "://";
    bool const ipv6 = host_.find(':') != std::string::npos;
    out += ipv6 ? "[" + host_ + "]" : host_;
    if (port_ != (tls() ? 443 : 80))
        out += ":" + std::to_string(port_);
    return out;
}

std::string Endpoint::host_header() const
{
    bool const ipv6 = connect_host_.find(':') != std::string::npos;
    std::string out = ipv6 ? "[" + connect_host_ + "]" : connect_host_;
    if (port_ != (tls() ? 443 : 80))
        out += ":" + std::to_string(port_);
    return out;
}

std::string Endpoint::target(std::string_view path) const
{
    if (path.empty() || path.front() != '/')
        throw_error(errc::invalid_request,
                    "request path " + quoted(path) + " does not start with '/'");
    for (std::size_t i = 0; i < path.size(); ++i) {
        auto const c = static_cast<unsigned char>(path[i]);
        if (c <= 0x20 || c >= 0x7F)
            throw_error(errc::invalid_request,
                        "request path contains the byte 0x" + hex_byte(c) + " at offset " +
                            std::to_string(i) + "; percent-encode it");
    }
    std::string out;
    out.reserve(base_path_.size() + path.size());
    out += base_path_;
    out += path;
    return out;
}

std::string Endpoint::to_string() const
{
    return origin() + base_path_;
}

} // namespace llmio::http

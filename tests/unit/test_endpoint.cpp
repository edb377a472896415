#include <llmio/error.hpp>
#include <llmio/http/endpoint.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using llmio::http::Endpoint;

namespace {

struct Accepted {
    std::string input;
    std::string scheme;
    std::string host;
    std::string connect_host;
    std::uint16_t port;
    std::string base_path;
    std::string api_prefix;
    std::string to_string;
    bool loopback;
};

// A server with three APIs, as LM Studio has (llmio::lmstudio::kApiPrefixes).
constexpr std::array<std::string_view, 3> kThreeApis{"/v1", "/api/v0", "/api/v1"};
Endpoint::ParseOptions const kThreeApiOptions{.port_without_scheme = 0, .api_prefixes = kThreeApis};

// clang-format off
// With the three prefixes of kThreeApis.
std::vector<Accepted> const kAcceptedThreeApis = {
    // The LM Studio spellings from the issue.
    {"http://localhost:1234",            "http", "localhost", "localhost", 1234, "", "",        "http://localhost:1234", true},
    {"localhost:1234/v1/",               "http", "localhost", "localhost", 1234, "", "/v1",     "http://localhost:1234", true},
    {"http://localhost:1234/api/v0",     "http", "localhost", "localhost", 1234, "", "/api/v0", "http://localhost:1234", true},
    {"http://localhost:1234/api/v1/",    "http", "localhost", "localhost", 1234, "", "/api/v1", "http://localhost:1234", true},
    {"localhost:1234/api/v0/",           "http", "localhost", "localhost", 1234, "", "/api/v0", "http://localhost:1234", true},
    {"https://gw.example/openai/api/v1", "https", "gw.example", "gw.example", 443, "/openai", "/api/v1", "https://gw.example/openai", false},
    {"http://example.com/api/v2",        "http", "example.com", "example.com", 80, "/api/v2", "", "http://example.com/api/v2", false},
};

// With the default prefixes (`/v1` only).
std::vector<Accepted> const kAccepted = {
    {"http://localhost:1234",            "http", "localhost", "localhost", 1234, "", "",        "http://localhost:1234", true},
    {"localhost:1234/v1/",               "http", "localhost", "localhost", 1234, "", "/v1",     "http://localhost:1234", true},
    {"  http://localhost:1234/v1  ",     "http", "localhost", "localhost", 1234, "", "/v1",     "http://localhost:1234", true},
    {"localhost",                        "http", "localhost", "localhost", 80,   "", "",        "http://localhost", true},
    // Another server's API paths are only a base path.
    {"http://localhost:1234/api/v0",     "http", "localhost", "localhost", 1234, "/api/v0", "", "http://localhost:1234/api/v0", true},
    {"http://localhost:1234/api/v1/",    "http", "localhost", "localhost", 1234, "/api", "/v1", "http://localhost:1234/api", true},
    // Cloud and proxies (a proxy's path prefix must survive).
    {"https://api.openai.com/v1",        "https", "api.openai.com", "api.openai.com", 443, "", "/v1", "https://api.openai.com", false},
    {"https://proxy.example/llm/v1",     "https", "proxy.example", "proxy.example", 443, "/llm", "/v1", "https://proxy.example/llm", false},
    {"https://gw.example/openai/api/v1", "https", "gw.example", "gw.example", 443, "/openai/api", "/v1", "https://gw.example/openai/api", false},
    {"https://ollama.com/api",           "https", "ollama.com", "ollama.com", 443, "/api", "", "https://ollama.com/api", false},
    {"http://example.com/api/v2",        "http", "example.com", "example.com", 80, "/api/v2", "", "http://example.com/api/v2", false},
    {"http://example.com/v1/models",     "http", "example.com", "example.com", 80, "/v1/models", "", "http://example.com/v1/models", false},
    {"http://example.com/xv1",           "http", "example.com", "example.com", 80, "/xv1", "", "http://example.com/xv1", false},
    {"http://example.com/v10",           "http", "example.com", "example.com", 80, "/v10", "", "http://example.com/v10", false},
    // Scheme and host are case-insensitive, the path is not: /V1 is not the API prefix.
    {"HTTP://LOCALHOST:1234/V1",         "http", "localhost", "localhost", 1234, "/V1", "", "http://localhost:1234/V1", true},
    {"Https://Example.COM/Path/V1",      "https", "example.com", "example.com", 443, "/Path/V1", "", "https://example.com/Path/V1", false},
    // Default and explicit ports.
    {"http://localhost:80",              "http", "localhost", "localhost", 80, "", "", "http://localhost", true},
    {"https://localhost:443/",           "https", "localhost", "localhost", 443, "", "", "https://localhost", true},
    {"https://localhost:80",             "https", "localhost", "localhost", 80, "", "", "https://localhost:80", true},
    {"http://example.com:08080",         "http", "example.com", "example.com", 8080, "", "", "http://example.com:8080", false},
    {"http://example.com:65535",         "http", "example.com", "example.com", 65535, "", "", "http://example.com:65535", false},
    {"http://example.com:1/v1",          "http", "example.com", "example.com", 1, "", "/v1", "http://example.com:1", false},
    // IPv4 and the bind address 0.0.0.0.
    {"http://127.0.0.1:11434",           "http", "127.0.0.1", "127.0.0.1", 11434, "", "", "http://127.0.0.1:11434", true},
    {"http://127.0.0.2:8080",            "http", "127.0.0.2", "127.0.0.2", 8080, "", "", "http://127.0.0.2:8080", true},
    {"0.0.0.0:11434",                    "http", "0.0.0.0", "127.0.0.1", 11434, "", "", "http://0.0.0.0:11434", true},
    {"http://127.0.0.%31:8080",          "http", "127.0.0.1", "127.0.0.1", 8080, "", "", "http://127.0.0.1:8080", true},
    // Names that start like an IPv4 address (Boost.URL 1.81 misreads them, boostorg/url#755).
    {"http://192.168.1.5.nip.io:8080/v1", "http", "192.168.1.5.nip.io", "192.168.1.5.nip.io", 8080, "", "/v1", "http://192.168.1.5.nip.io:8080", false},
    {"127.0.0.1.example",                "http", "127.0.0.1.example", "127.0.0.1.example", 80, "", "", "http://127.0.0.1.example", false},
    {"https://01.org",                   "https", "01.org", "01.org", 443, "", "", "https://01.org", false},
    {"http://10.0.0.5:8000/v1",          "http", "10.0.0.5", "10.0.0.5", 8000, "", "/v1", "http://10.0.0.5:8000", false},
    // IPv6: brackets in the URL, none in host(); RFC 5952 form; "::" connects to ::1.
    {"http://[::]:11434",                "http", "::", "::1", 11434, "", "", "http://[::]:11434", true},
    {"::",                               "http", "::", "::1", 80, "", "", "http://[::]", true},
    {"2001:db8::1/v1",                   "http", "2001:db8::1", "2001:db8::1", 80, "", "/v1", "http://[2001:db8::1]", false},
    {"[::1]:1234",                       "http", "::1", "::1", 1234, "", "", "http://[::1]:1234", true},
    {"http://[0:0:0:0:0:0:0:1]:8080/v1", "http", "::1", "::1", 8080, "", "/v1", "http://[::1]:8080", true},
    {"http://[FE80::1]/",                "http", "fe80::1", "fe80::1", 80, "", "", "http://[fe80::1]", false},
    {"http://[::ffff:127.0.0.1]:8080",   "http", "::ffff:127.0.0.1", "::ffff:127.0.0.1", 8080, "", "", "http://[::ffff:127.0.0.1]:8080", true},
    {"https://[2001:db8::7]/llm/v1",     "https", "2001:db8::7", "2001:db8::7", 443, "/llm", "/v1", "https://[2001:db8::7]/llm", false},
    // Host names.
    {"example.com/",                     "http", "example.com", "example.com", 80, "", "", "http://example.com", false},
    {"http://local%68ost:1234",          "http", "localhost", "localhost", 1234, "", "", "http://localhost:1234", true},
    {"http://my_service:8000/v1",        "http", "my_service", "my_service", 8000, "", "/v1", "http://my_service:8000", false},
    {"http://example.com./v1",           "http", "example.com.", "example.com.", 80, "", "/v1", "http://example.com.", false},
    {"https://xn--bcher-kva.example",    "https", "xn--bcher-kva.example", "xn--bcher-kva.example", 443, "", "", "https://xn--bcher-kva.example", false},
    // Path normalisation: empty segments, dot segments, unreserved escapes, upper-case hex.
    {"http://example.com//llm//v1//",    "http", "example.com", "example.com", 80, "/llm", "/v1", "http://example.com/llm", false},
    {"http://example.com/a/./b/../c/v1", "http", "example.com", "example.com", 80, "/a/c", "/v1", "http://example.com/a/c", false},
    {"http://example.com/../v1",         "http", "example.com", "example.com", 80, "", "/v1", "http://example.com", false},
    {"http://example.com/%7Ellm/%76%31", "http", "example.com", "example.com", 80, "/~llm", "/v1", "http://example.com/~llm", false},
    {"http://example.com/llm/%2e%2e/v1", "http", "example.com", "example.com", 80, "", "/v1", "http://example.com", false},
    {"http://example.com/a%2fb/v1",      "http", "example.com", "example.com", 80, "/a%2Fb", "/v1", "http://example.com/a%2Fb", false},
    {"http://example.com/caf%c3%a9",     "http", "example.com", "example.com", 80, "/caf%C3%A9", "", "http://example.com/caf%C3%A9", false},
    {"http://example.com/a:b@c/v1",      "http", "example.com", "example.com", 80, "/a:b@c", "/v1", "http://example.com/a:b@c", false},
};
// clang-format on

struct Rejected {
    std::string input;
    std::string detail;
};

std::string const kCredentials =
    "the base URL contains credentials (user:password@ before the host), which are not allowed; "
    "pass the API key through the provider's options";
std::string const kBrackets =
    "the host contains ':' more than once; write IPv6 addresses in brackets, as in "
    "http://[::1]:8080";

// clang-format off
std::vector<Rejected> const kRejected = {
    {"", "the base URL is empty"},
    {"    ", "the base URL is empty"},
    // Control characters anywhere, named and never echoed.
    {"http://localhost:1234\n", "the base URL contains a control character (U+000A, line feed) at offset 21"},
    {"http://localhost:1234\r\n", "the base URL contains a control character (U+000D, carriage return) at offset 21"},
    {"\thttp://localhost", "the base URL contains a control character (U+0009, tab) at offset 0"},
    {"  http://x/\r\nX-Injected: 1", "the base URL contains a control character (U+000D, carriage return) at offset 11"},
    {std::string("http://local\0host", 17), "the base URL contains a control character (U+0000, NUL) at offset 12"},
    {"\x1b[31mhttp://x", "the base URL contains a control character (U+001B) at offset 0"},
    {"http://x/\x7f", "the base URL contains a control character (U+007F, DEL) at offset 9"},
    // Credentials, query, fragment.
    {"http://user:s3cret@localhost:1234", kCredentials},
    {"user:s3cret@localhost:1234/v1", kCredentials},
    {"https://:s3cret@api.example/v1", kCredentials},
    {"http://token@localhost", kCredentials},
    {"http://user:p<a>ss@host", kCredentials},
    {"http://localhost:1234/v1?key=sk-s3cret", "the base URL has a query string ('?...'); remove it, because API paths cannot be appended after a query"},
    {"http://localhost?", "the base URL has a query string ('?...'); remove it, because API paths cannot be appended after a query"},
    {"http://localhost/v1#s3cret", "the base URL has a fragment ('#...'), which a base URL cannot carry; remove it"},
    {"http://localhost#", "the base URL has a fragment ('#...'), which a base URL cannot carry; remove it"},
    {"http://localhost/v1#a#b", "the base URL has a fragment ('#...'), which a base URL cannot carry; remove it"},
    {"localhost:1234/v1?a=[1]", "the base URL has a query string ('?...'); remove it, because API paths cannot be appended after a query"},
    // Schemes.
    {"ftp://example.com", "the scheme 'ftp' is not supported; use http:// or https://"},
    {"ws://localhost:1234", "the scheme 'ws' is not supported; use http:// or https://"},
    {"WSS://localhost", "the scheme 'wss' is not supported; use http:// or https://"},
    {"://localhost", "the base URL has no scheme before '://'; write http:// or https://"},
    {"1http://localhost", "the text before '://' is not a URL scheme; write http:// or https://"},
    {"http:localhost:1234", "'http:' must be followed by '//', as in http://localhost:1234"},
    {"HTTPS:/example.com", "'https:' must be followed by '//', as in https://localhost:1234"},
    // Host.
    {"http://", "the base URL has no host; write one, as in http://localhost:1234"},
    {"http://:1234", "the base URL has no host; write one, as in http://localhost:1234"},
    {"http:///v1", "the base URL has no host; write one, as in http://localhost:1234"},
    {"http://127.1/", "the host '127.1' is not a valid IPv4 address; write four numbers from 0 to 255 without leading zeros, as in 127.0.0.1"},
    {"http://010.0.0.1", "the host '010.0.0.1' is not a valid IPv4 address; write four numbers from 0 to 255 without leading zeros, as in 127.0.0.1"},
    {"256.1.1.1:80", "the host '256.1.1.1' is not a valid IPv4 address; write four numbers from 0 to 255 without leading zeros, as in 127.0.0.1"},
    {"http://a!b/", "the host name 'a!b' contains '!', which host names cannot contain"},
    {"http://a%20b/", "the host name 'a%20b' contains '%', which host names cannot contain"},
    {"http://a..b/", "the host name 'a..b' has an empty label"},
    {"http://.example/", "the host name '.example' has an empty label"},
    {"http://" + std::string(254, 'a'), "the host name is longer than 253 characters"},
    {"http://::1/", kBrackets},
    {"http://localhost:12:34", kBrackets},
    {"fe80::1::2", kBrackets},
    {"http://[::1", "the host and port '[::1' are not a bracketed IPv6 address optionally followed by ':port'"},
    {"http://[::g]:80", "the host and port '[::g]:80' are not a bracketed IPv6 address optionally followed by ':port'"},
    {"http://[fe80::1%25eth0]:80/", "IPv6 zone identifiers (%25...) are not supported in the host '[fe80::1%25eth0]:80'"},
    {"http://[v1.abc]/", "IPvFuture hosts ('[v...]') are not supported; use an IPv6 or IPv4 address or a host name"},
    {"http://x/a[b]", "'[' and ']' are only allowed around an IPv6 host, as in http://[::1]:8080"},
    // Port.
    {"localhost:", "the port after ':' is empty; remove the ':' or give a port from 1 to 65535"},
    {"http://localhost:/v1", "the port after ':' is empty; remove the ':' or give a port from 1 to 65535"},
    {"http://localhost:abc", "the port after ':' is not a number; give a port from 1 to 65535"},
    {"localhost:12ab/v1", "the port after ':' is not a number; give a port from 1 to 65535"},
    {"http://1.2.3.4:80x", "the port after ':' is not a number; give a port from 1 to 65535"},
    {"http://localhost:0", "the port 0 cannot be connected to; use 1 to 65535"},
    {"http://localhost:00000", "the port 0 cannot be connected to; use 1 to 65535"},
    {"http://localhost:65536", "the port '65536' is out of range; use 1 to 65535"},
    {"http://localhost:99999999999999999999999", "the port '99999999999999999999...' is out of range; use 1 to 65535"},
    // Characters that never belong in a URL.
    {"http://local host:1234", "the base URL contains a space at offset 12; remove it or write it as %20"},
    {"http://b\xc3\xbc" "cher.de", "the base URL contains the non-ASCII byte 0xC3 at offset 8; write host names in punycode (xn--...) and percent-encode the path"},
    {"http://x/<y>", "the base URL contains '<' at offset 9, which is not allowed in a URL; percent-encode it"},
    {"\"http://x\"", "the base URL contains '\"' at offset 0, which is not allowed in a URL; percent-encode it"},
    {"http://x/a%zz", "the base URL contains a '%' at offset 10 that is not followed by two hex digits; write a literal '%' as %25"},
    {"http://x/a%4", "the base URL contains a '%' at offset 10 that is not followed by two hex digits; write a literal '%' as %25"},
    // A base path that still ends with an API prefix would not survive to_string().
    {"http://x/v1/v1", "the path '/v1/v1' ends with two API prefixes; give the base URL with /v1 at most"},
};

std::vector<std::pair<std::string, std::string>> const kRejectedThreeApis = {
    {"http://x/v1/v1", "the path '/v1/v1' ends with two API prefixes; give the base URL with one of /v1, /api/v0 or /api/v1 at most"},
    {"http://x/llm/api/v0/v1/", "the path '/llm/api/v0/v1' ends with two API prefixes; give the base URL with one of /v1, /api/v0 or /api/v1 at most"},
    {"http://x/api/v1/api/v0", "the path '/api/v1/api/v0' ends with two API prefixes; give the base URL with one of /v1, /api/v0 or /api/v1 at most"},
};
// clang-format on

bool has_control(std::string_view text)
{
    return std::any_of(text.begin(), text.end(), [](char c) {
        auto const byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7F;
    });
}

// Asserts everything a caller relies on for a rejected URL.
void check_rejected(std::string const& input, std::string const& detail,
                    Endpoint::ParseOptions const& options = {})
{
    INFO("input: " << input);
    try {
        (void)Endpoint::parse(input, options);
        FAIL("no exception");
    } catch (llmio::InvalidRequestError const& e) {
        CHECK(e.code() == llmio::errc::invalid_endpoint);
        CHECK(e.info().detail == detail);
        CHECK(std::string(e.what()) == "invalid endpoint (" + detail + ")");
        CHECK_FALSE(has_control(e.what()));
    }
    std::string why = "unchanged";
    CHECK_FALSE(Endpoint::try_parse(input, options, &why).has_value());
    CHECK(why == detail);
    CHECK_FALSE(Endpoint::try_parse(input, options).has_value());
}

// Each accepted row, parsed with `options`.
void check_accepted(std::vector<Accepted> const& rows, Endpoint::ParseOptions const& options)
{
    for (auto const& c : rows) {
        INFO("input: " << c.input);
        std::string why;
        auto const parsed = Endpoint::try_parse(c.input, options, &why);
        REQUIRE(parsed.has_value());
        CHECK(why.empty());
        Endpoint const& e = *parsed;
        CHECK(e.scheme() == c.scheme);
        CHECK(e.tls() == (c.scheme == "https"));
        CHECK(e.host() == c.host);
        CHECK(e.connect_host() == c.connect_host);
        CHECK(e.port() == c.port);
        CHECK(e.base_path() == c.base_path);
        CHECK(e.api_prefix() == c.api_prefix);
        CHECK(e.to_string() == c.to_string);
        CHECK(e.is_loopback() == c.loopback);
        CHECK(e.origin() + e.base_path() == e.to_string());
        CHECK(Endpoint::parse(c.input, options) == e);
    }
}

// Each accepted row's to_string(), with and without its prefix, parses back (with `options`).
void check_round_trip(std::vector<Accepted> const& rows, Endpoint::ParseOptions const& options)
{
    for (auto const& c : rows) {
        INFO("input: " << c.input);
        Endpoint const e = Endpoint::parse(c.input, options);
        // With the API prefix appended it is the very same endpoint.
        CHECK(Endpoint::parse(e.to_string() + e.api_prefix(), options) == e);
        // Without it, everything but the prefix survives.
        Endpoint const base = Endpoint::parse(e.to_string(), options);
        CHECK(base.to_string() == e.to_string());
        CHECK(base.origin() == e.origin());
        CHECK(base.host() == e.host());
        CHECK(base.connect_host() == e.connect_host());
        CHECK(base.port() == e.port());
        CHECK(base.base_path() == e.base_path());
        CHECK(base.api_prefix().empty());
    }
}

} // namespace

TEST_CASE("Endpoint parses and normalises base URLs", "[endpoint]")
{
    check_accepted(kAccepted, {});
}

TEST_CASE("Endpoint recognises the API prefixes the caller names", "[endpoint]")
{
    check_accepted(kAcceptedThreeApis, kThreeApiOptions);
    for (auto const& [input, detail] : kRejectedThreeApis)
        check_rejected(input, detail, kThreeApiOptions);
    // The default is /v1 alone.
    REQUIRE(Endpoint::ParseOptions{}.api_prefixes.size() == 1);
    CHECK(Endpoint::ParseOptions{}.api_prefixes.front() == "/v1");
}

TEST_CASE("Endpoint::to_string parses back to the same endpoint", "[endpoint]")
{
    check_round_trip(kAccepted, {});
    check_round_trip(kAcceptedThreeApis, kThreeApiOptions);
}

TEST_CASE("The three LM Studio spellings reach the same server", "[endpoint]")
{
    auto const a = Endpoint::parse("http://localhost:1234", kThreeApiOptions);
    auto const b = Endpoint::parse("localhost:1234/v1/", kThreeApiOptions);
    auto const c = Endpoint::parse("http://localhost:1234/api/v0", kThreeApiOptions);
    CHECK(a.origin() == "http://localhost:1234");
    CHECK(b.origin() == a.origin());
    CHECK(c.origin() == a.origin());
    CHECK(b.to_string() == a.to_string());
    CHECK(c.to_string() == a.to_string());
    CHECK(a.host_header() == "localhost:1234");
    CHECK(b.host_header() == a.host_header());
    // operator== also compares the API prefix the user wrote.
    CHECK_FALSE(a == b);
    CHECK_FALSE(b == c);
    CHECK(a == Endpoint::parse("HTTP://LocalHost:1234/", kThreeApiOptions));
    CHECK(b == Endpoint::parse("http://localhost:1234//v1", kThreeApiOptions));
}

TEST_CASE("Endpoint origin, Host header and request targets", "[endpoint]")
{
    auto const proxy = Endpoint::parse("https://proxy.example/llm/v1");
    CHECK(proxy.origin() == "https://proxy.example");
    CHECK(proxy.host_header() == "proxy.example");
    CHECK(proxy.target("/v1/chat/completions") == "/llm/v1/chat/completions");
    CHECK(proxy.target("/") == "/llm/");

    auto const plain = Endpoint::parse("localhost:1234");
    CHECK(plain.target("/v1/models") == "/v1/models");
    CHECK(plain.target("/") == "/");

    auto const v6 = Endpoint::parse("http://[::1]:8080/v1");
    CHECK(v6.origin() == "http://[::1]:8080");
    CHECK(v6.host_header() == "[::1]:8080");

    // Bind addresses: the Host header names where we actually connect.
    CHECK(Endpoint::parse("0.0.0.0:11434").host_header() == "127.0.0.1:11434");
    CHECK(Endpoint::parse("http://[::]").host_header() == "[::1]");
    CHECK(Endpoint::parse("http://[::]").origin() == "http://[::]");
    CHECK(Endpoint::parse("https://api.openai.com:443/v1").host_header() == "api.openai.com");
    CHECK(Endpoint::parse("https://api.openai.com:8443").host_header() == "api.openai.com:8443");
}

TEST_CASE("Endpoint::target rejects paths that would corrupt the request line", "[endpoint]")
{
    auto const e = Endpoint::parse("http://localhost:1234/llm");
    auto check = [&e](std::string const& path, std::string const& detail) {
        INFO("path: " << path);
        try {
            (void)e.target(path);
            FAIL("no exception");
        } catch (llmio::InvalidRequestError const& error) {
            CHECK(error.code() == llmio::errc::invalid_request);
            CHECK(error.info().detail == detail);
            CHECK_FALSE(has_control(error.what()));
        }
    };
    check("v1/models", "request path 'v1/models' does not start with '/'");
    check("", "request path '' does not start with '/'");
    check("/v1/models\r\nX-Evil: 1",
          "request path contains the byte 0x0D at offset 10; percent-encode it");
    check("/v1/my model", "request path contains the byte 0x20 at offset 6; percent-encode it");
    check("/v1/caf\xc3\xa9", "request path contains the byte 0xC3 at offset 7; percent-encode it");
}

TEST_CASE("Endpoint rejects unusable base URLs with a typed error", "[endpoint]")
{
    for (auto const& c : kRejected)
        check_rejected(c.input, c.detail);
}

TEST_CASE("Endpoint rejects every control character at every position", "[endpoint]")
{
    std::vector<unsigned char> controls;
    for (unsigned char c = 0; c < 0x20; ++c)
        controls.push_back(c);
    controls.push_back(0x7F);
    std::string const base = "http://localhost:1234/v1";
    for (unsigned char c : controls) {
        for (std::size_t at : {std::size_t{0}, std::size_t{7}, std::size_t{16}, base.size()}) {
            std::string input = base;
            input.insert(at, 1, static_cast<char>(c));
            std::string why;
            INFO("byte " << int(c) << " at " << at);
            REQUIRE_FALSE(Endpoint::try_parse(input, &why).has_value());
            CHECK(why.rfind("the base URL contains a control character (U+00", 0) == 0);
            CHECK(why.find(") at offset " + std::to_string(at)) != std::string::npos);
            CHECK_FALSE(has_control(why));
        }
    }
}

TEST_CASE("Endpoint never repeats credentials or query secrets", "[endpoint]")
{
    for (std::string input : {"http://alice:s3cret@localhost:1234/v1", "alice:s3cret@localhost",
                              "https://alice:s3cret@[::1]:8080", "http://alice:s3cret@host:abc",
                              "http://alice:s3cret@local host", "http://localhost/?key=s3cret",
                              "http://localhost/#s3cret"}) {
        INFO("input: " << input);
        try {
            (void)Endpoint::parse(input);
            FAIL("no exception");
        } catch (llmio::InvalidRequestError const& e) {
            CHECK(e.code() == llmio::errc::invalid_endpoint);
            CHECK(std::string(e.what()).find("s3cret") == std::string::npos);
            CHECK(std::string(e.what()).find("alice") == std::string::npos);
        }
    }
}

TEST_CASE("Endpoint parse options give OLLAMA_HOST its default port", "[endpoint]")
{
    Endpoint::ParseOptions const ollama{.port_without_scheme = 11434};
    auto const box = Endpoint::parse("box", ollama);
    CHECK(box.port() == 11434);
    CHECK(box.to_string() == "http://box:11434");
    CHECK(Endpoint::parse("box:9000", ollama).port() == 9000);
    CHECK(Endpoint::parse("http://box", ollama).port() == 80);
    CHECK(Endpoint::parse("https://ollama.com", ollama).port() == 443);

    auto const any4 = Endpoint::parse("0.0.0.0", ollama);
    CHECK(any4.to_string() == "http://0.0.0.0:11434");
    CHECK(any4.connect_host() == "127.0.0.1");
    auto const any6 = Endpoint::parse("::", ollama);
    CHECK(any6.to_string() == "http://[::]:11434");
    CHECK(any6.connect_host() == "::1");
    CHECK(any6.host_header() == "[::1]:11434");

    std::string why;
    CHECK_FALSE(Endpoint::try_parse("box:0", ollama, &why).has_value());
    CHECK(why == "the port 0 cannot be connected to; use 1 to 65535");
    CHECK_THROWS_AS(Endpoint::parse("ftp://box", ollama), llmio::InvalidRequestError);
}

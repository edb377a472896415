// The gateway's CORS policy, without a server: origins normalised and matched exactly, the
// preflight's and the actual answer's headers, and nothing for an origin not on the list.

#include "gateway/cors.hpp"

#include "support/expect_error.hpp"

#include <llmio/error.hpp>

#include <catch2/catch.hpp>

using namespace llmio;
using namespace llmio::gateway;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

CorsPolicy app_policy() { return CorsPolicy({"http://localhost:5173", "https://App.Example.com/"}, "serve.cors_origins"); }

} // namespace

TEST_CASE("cors: origins are normalised: case, default ports, one trailing slash", "[gateway][cors]")
{
    CHECK(normalize_origin("HTTP://LocalHost:80") == "http://localhost");
    CHECK(normalize_origin("https://example.com:443/") == "https://example.com");
    CHECK(normalize_origin("https://example.com:8443") == "https://example.com:8443");
    CHECK(normalize_origin("http://127.0.0.1:4000") == "http://127.0.0.1:4000");
    CHECK(normalize_origin("http://[::1]:3000") == "http://[::1]:3000");
    CHECK(normalize_origin("http://[::1]") == "http://[::1]");
    CHECK(normalize_origin("chrome-extension://abcdef") == "chrome-extension://abcdef");
}

TEST_CASE("cors: what is not an origin is refused", "[gateway][cors]")
{
    for (auto const* text : {"*", "null", "", "localhost:5173", "http://", "http://a.com/path", "http://a.com?q",
                             "http://user@a.com", "http://a.com:", "http://a.com:0", "http://a.com:65536",
                             "http://a.com:12x", "http://*.a.com", "1http://a.com", "http://a b.com",
                             "http://[::1", "http://a.com//"})
        CHECK_FALSE(normalize_origin(text));
    CHECK_FALSE(normalize_origin("http://" + std::string(600, 'a') + ".com"));
}

TEST_CASE("cors: a bad allow-list entry names the key and the entry", "[gateway][cors]")
{
    auto const e = test::expect_error<InvalidRequestError>([] { CorsPolicy({"http://ok.com", "*"}, "serve.cors_origins"); });
    CHECK(e.info().detail == "serve.cors_origins: \"*\" is not an origin (scheme://host[:port], e.g. "
                                   "\"http://localhost:5173\"; no path, no wildcard)");
    auto const flag = test::expect_error<InvalidRequestError>([] { CorsPolicy({"http://a.com/app"}, "--cors-origin"); });
    CHECK(flag.info().detail.rfind("--cors-origin: \"http://a.com/app\" is not an origin", 0) == 0);
}

TEST_CASE("cors: only the listed origins are allowed, compared after normalising", "[gateway][cors]")
{
    auto const policy = app_policy();
    CHECK(policy.enabled());
    CHECK(policy.origins() == std::vector<std::string>{"http://localhost:5173", "https://app.example.com"});
    CHECK(policy.allows("http://localhost:5173"));
    CHECK(policy.allows("https://app.example.com"));
    CHECK(policy.allows("https://app.example.com:443"));
    CHECK_FALSE(policy.allows("http://localhost:5174"));
    CHECK_FALSE(policy.allows("https://localhost:5173"));
    CHECK_FALSE(policy.allows("http://app.example.com"));
    CHECK_FALSE(policy.allows("https://evil.app.example.com"));
    CHECK_FALSE(policy.allows("https://app.example.com.evil.net"));
    CHECK_FALSE(policy.allows("null"));
    CHECK_FALSE(policy.allows(""));
    CHECK_FALSE(CorsPolicy().allows("http://localhost:5173"));
}

TEST_CASE("cors: a preflight from an allowed origin echoes it, never *", "[gateway][cors]")
{
    auto const policy = app_policy();
    CHECK(CorsPolicy::is_preflight("OPTIONS", "http://localhost:5173", "POST"));
    CHECK_FALSE(CorsPolicy::is_preflight("OPTIONS", "", "POST"));
    CHECK_FALSE(CorsPolicy::is_preflight("OPTIONS", "http://localhost:5173", ""));
    CHECK_FALSE(CorsPolicy::is_preflight("POST", "http://localhost:5173", "POST"));

    CHECK(policy.preflight("http://localhost:5173", "") ==
          Pairs{{"Vary", "Origin"},
                {"Access-Control-Allow-Origin", "http://localhost:5173"},
                {"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                {"Access-Control-Allow-Headers", "authorization, content-type"},
                {"Access-Control-Max-Age", "600"}});
}

TEST_CASE("cors: a preflight names the requested headers that are allowed, and only those", "[gateway][cors]")
{
    auto const headers = app_policy().preflight(
        "https://app.example.com", "Content-Type, Authorization,X-Stainless-OS , x-api-key, cookie, x-evil, x-api-key");
    REQUIRE(headers.size() == 5);
    CHECK(headers[1] == std::pair<std::string, std::string>{"Access-Control-Allow-Origin", "https://app.example.com"});
    CHECK(headers[3] == std::pair<std::string, std::string>{"Access-Control-Allow-Headers",
                                                            "authorization, content-type, x-stainless-os, x-api-key"});
    CHECK(allowed_request_header("Authorization"));
    CHECK(allowed_request_header("x-stainless-retry-count"));
    CHECK_FALSE(allowed_request_header("x-stainless-"));
    CHECK_FALSE(allowed_request_header("cookie"));
}

TEST_CASE("cors: an origin not on the list gets no Access-Control header", "[gateway][cors]")
{
    auto const policy = app_policy();
    CHECK(policy.preflight("http://evil.example", "authorization") == Pairs{{"Vary", "Origin"}});
    CHECK(policy.actual("http://evil.example") == Pairs{{"Vary", "Origin"}});
    // Without an allow-list the gateway adds nothing at all.
    CHECK(CorsPolicy().preflight("http://localhost:5173", "authorization").empty());
    CHECK(CorsPolicy().actual("http://localhost:5173").empty());
}

TEST_CASE("cors: an actual answer to an allowed origin echoes it and exposes Retry-After and the rate limits",
          "[gateway][cors]")
{
    std::string const exposed = "retry-after, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, "
                                 "x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, "
                                 "x-ratelimit-reset-tokens";
    auto const policy = app_policy();
    CHECK(policy.actual("http://localhost:5173") == Pairs{{"Vary", "Origin"},
                                                          {"Access-Control-Allow-Origin", "http://localhost:5173"},
                                                          {"Access-Control-Expose-Headers", exposed}});
    // No Origin (a script, curl): the answer still varies by Origin for shared caches.
    CHECK(policy.actual("") == Pairs{{"Vary", "Origin"}});
}

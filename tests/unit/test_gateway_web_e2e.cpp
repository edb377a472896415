// The gateway's web side end to end, in-process: CORS preflights and actual answers, client
// keys accepted and refused, 429 with Retry-After once a key's bucket is empty (on an injected
// clock), the playground's files, and the refusal to listen beyond loopback without keys.

#include "support/emulator_fixture.hpp"
#include "support/expect_error.hpp"
#include "support/gateway_fixture.hpp"
#include "support/raw_http_client.hpp"

#include <llmio/error.hpp>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <atomic>

namespace json = boost::json;
using namespace llmio;
using namespace std::chrono_literals;

namespace {

constexpr char const* kApp = "http://localhost:5173";

std::string config_for(test::OpenAiEmulatorFixture const& upstream)
{
    return test::one_openai_upstream(upstream.server.base_url());
}

gateway::ClientKey key(std::string secret, std::string id, gateway::RateLimit limits = {})
{
    return {std::move(secret), std::move(id), limits};
}

test::HeaderList bearer(std::string const& secret) { return {{"Authorization", "Bearer " + secret}}; }

} // namespace

TEST_CASE("gateway web: a preflight from an allowed origin is answered 204 without a key", "[gateway][cors]")
{
    test::OpenAiEmulatorFixture upstream;
    auto options = test::test_gateway_options();
    options.cors_origins = {kApp};
    options.api_keys = {key("sk-web-1", "web")};
    test::GatewayFixture gateway(config_for(upstream), options);

    test::RawHttpClient client(gateway.port());
    auto const reply = client.request("OPTIONS", "/v1/chat/completions", {},
                                      {{"Origin", kApp},
                                       {"Access-Control-Request-Method", "POST"},
                                       {"Access-Control-Request-Headers", "authorization, content-type, x-stainless-os"}});
    CHECK(reply.status == 204);
    CHECK(reply.header("Access-Control-Allow-Origin") == kApp);
    CHECK(reply.header("Access-Control-Allow-Methods") == "GET, POST, OPTIONS");
    CHECK(reply.header("Access-Control-Allow-Headers") == "authorization, content-type, x-stainless-os");
    CHECK(reply.header("Access-Control-Max-Age") == "600");
    CHECK(reply.header("Vary") == "Origin");
    CHECK_FALSE(reply.header("Content-Length"));
    CHECK(reply.body.empty());
    CHECK(upstream.server.requests_served() == 0);
}

TEST_CASE("gateway web: an origin not on the list gets no CORS header, preflight or not", "[gateway][cors]")
{
    test::OpenAiEmulatorFixture upstream;
    auto options = test::test_gateway_options();
    options.cors_origins = {kApp};
    test::GatewayFixture gateway(config_for(upstream), options);

    test::RawHttpClient client(gateway.port());
    auto const preflight = client.request("OPTIONS", "/v1/models", {},
                                          {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "GET"}});
    CHECK(preflight.status == 204);
    CHECK(preflight.header("Vary") == "Origin");
    for (auto const& name : preflight.header_names())
        CHECK(name.rfind("Access-Control-", 0) == std::string::npos);

    auto const actual = client.request("GET", "/v1/models", {}, {{"Origin", "http://evil.example"}});
    CHECK(actual.status == 200); // CORS is the browser's check: the answer is only not shared
    for (auto const& name : actual.header_names())
        CHECK(name.rfind("Access-Control-", 0) == std::string::npos);
}

TEST_CASE("gateway web: an actual request from an allowed origin carries the CORS headers, errors too",
          "[gateway][cors]")
{
    test::OpenAiEmulatorFixture upstream;
    auto options = test::test_gateway_options();
    options.cors_origins = {kApp};
    options.api_keys = {key("sk-web-1", "web")};
    test::GatewayFixture gateway(config_for(upstream), options);

    test::RawHttpClient client(gateway.port());
    auto headers = bearer("sk-web-1");
    headers.emplace_back("Origin", kApp);
    auto const chat = client.request("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi"), headers);
    CHECK(chat.status == 200);
    CHECK(chat.header("Access-Control-Allow-Origin") == kApp);
    CHECK(chat.header("Access-Control-Expose-Headers").value_or("").starts_with("retry-after, x-ratelimit-limit-requests"));
    CHECK(chat.header("Vary") == "Origin");

    // A refusal is readable by the page too (so that it can say why).
    auto const refused = client.request("GET", "/v1/models", {}, {{"Origin", kApp}});
    CHECK(refused.status == 401);
    CHECK(refused.header("Access-Control-Allow-Origin") == kApp);
}

TEST_CASE("gateway web: keys are asked for, accepted as bearer or x-api-key, refused in OpenAI's shape",
          "[gateway][access]")
{
    test::OpenAiEmulatorFixture upstream;
    auto options = test::test_gateway_options();
    options.api_keys = {key("sk-alpha", "key-1"), key("sk-beta", "beta")};
    test::GatewayFixture gateway(config_for(upstream), options);

    test::RawHttpClient client(gateway.port());
    auto const none = client.request("GET", "/v1/models");
    CHECK(none.status == 401);
    CHECK(none.header("WWW-Authenticate") == "Bearer");
    CHECK(none.body == R"({"error":{"message":"You didn't provide an API key. Send it as \"Authorization: Bearer KEY\".",)"
                       R"("type":"invalid_request_error","param":null,"code":"invalid_api_key"}})");

    auto const wrong = client.request("GET", "/v1/models", {}, bearer("sk-alph"));
    CHECK(wrong.status == 401);
    CHECK(wrong.body == R"({"error":{"message":"Incorrect API key provided.","type":"invalid_request_error",)"
                        R"("param":null,"code":"invalid_api_key"}})");
    CHECK(upstream.server.requests_served() == 0); // refused before anything went upstream

    CHECK(client.request("GET", "/v1/models", {}, bearer("sk-alpha")).status == 200);
    CHECK(client.request("GET", "/v1/models", {}, {{"x-api-key", "sk-beta"}}).status == 200);
    auto const chat = client.request("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi"),
                                     bearer("sk-beta"));
    CHECK(chat.status == 200);
    CHECK(json::parse(chat.body).at("choices").at(0).at("message").at("content") == "Hello! You said: hi");
}

TEST_CASE("gateway web: a key's empty bucket is 429 with Retry-After, until the clock refills it", "[gateway][access]")
{
    test::OpenAiEmulatorFixture upstream;
    auto now = std::make_shared<std::atomic<std::chrono::steady_clock::time_point>>(std::chrono::steady_clock::time_point(1h));
    auto options = test::test_gateway_options();
    options.api_keys = {key("sk-alpha", "key-1"), key("sk-vip", "vip", {.requests_per_minute = 100, .tokens_per_minute = {}})};
    options.rate_limit.requests_per_minute = 2;
    options.rate_limit_clock = [now] { return now->load(); };
    test::GatewayFixture gateway(config_for(upstream), options);

    test::RawHttpClient client(gateway.port());
    auto const first = client.request("GET", "/v1/models", {}, bearer("sk-alpha"));
    CHECK(first.status == 200);
    // What is left, as OpenAI tells it: one request, full again in 30 s.
    CHECK(first.header("x-ratelimit-limit-requests") == "2");
    CHECK(first.header("x-ratelimit-remaining-requests") == "1");
    CHECK(first.header("x-ratelimit-reset-requests") == "30s");
    CHECK_FALSE(first.header("x-ratelimit-limit-tokens")); // tokens are not limited
    CHECK(client.request("GET", "/v1/models", {}, bearer("sk-alpha")).status == 200);
    auto const served = upstream.server.requests_served();
    auto const limited = client.request("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi"),
                                        bearer("sk-alpha"));
    CHECK(limited.status == 429);
    CHECK(limited.header("Retry-After") == "30");
    CHECK(limited.header("x-ratelimit-remaining-requests") == "0");
    CHECK(limited.header("x-ratelimit-reset-requests") == "1m0s");
    CHECK(limited.body == R"({"error":{"message":"Rate limit reached for key-1: try again in 30 s.",)"
                          R"("type":"requests","param":null,"code":"rate_limit_exceeded"}})");
    CHECK(upstream.server.requests_served() == served); // refused before anything went upstream
    // Another key has its own bucket (and here its own limit).
    CHECK(client.request("GET", "/v1/models", {}, bearer("sk-vip")).status == 200);

    now->store(now->load() + 30s);
    CHECK(client.request("GET", "/v1/models", {}, bearer("sk-alpha")).status == 200);
    CHECK(client.request("GET", "/v1/models", {}, bearer("sk-alpha")).status == 429);
}

TEST_CASE("gateway web: tokens a key used are charged from the answer's usage", "[gateway][access]")
{
    test::OpenAiEmulatorFixture upstream;
    auto options = test::test_gateway_options();
    options.api_keys = {key("sk-alpha", "key-1")};
    options.rate_limit.tokens_per_minute = 1; // the first answer's usage empties it
    auto const now = std::chrono::steady_clock::time_point(1h);
    options.rate_limit_clock = [now] { return now; };
    test::GatewayFixture gateway(config_for(upstream), options);

    test::RawHttpClient client(gateway.port());
    auto const first = client.request("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi"),
                                      bearer("sk-alpha"));
    CHECK(first.status == 200);
    auto const second = client.request("POST", "/v1/chat/completions",
                                       test::chat_body("up/gpt-4o-mini", "hi", R"("stream": true)"), bearer("sk-alpha"));
    CHECK(second.status == 429);
    CHECK(upstream.server.requests_served() == 1);
}

TEST_CASE("gateway web: the playground is served without a key, with its types, ETag and policy",
          "[gateway][playground]")
{
    test::OpenAiEmulatorFixture upstream;
    auto options = test::test_gateway_options();
    options.api_keys = {key("sk-alpha", "key-1")};
    test::GatewayFixture gateway(config_for(upstream), options);

    test::RawHttpClient client(gateway.port());
    auto const page = client.request("GET", "/");
    CHECK(page.status == 200);
    CHECK(page.header("Content-Type") == "text/html; charset=utf-8");
    CHECK(page.header("Content-Security-Policy") ==
          "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
          "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    CHECK(page.header("X-Content-Type-Options") == "nosniff");
    CHECK(page.header("Cache-Control") == "no-cache");
    CHECK(page.body.find("<script src=\"/app.js\" defer></script>") != std::string::npos);
    auto const etag = page.header("ETag");
    REQUIRE(etag);
    CHECK(etag->size() == 18);

    auto const again = client.request("GET", "/", {}, {{"If-None-Match", *etag}});
    CHECK(again.status == 304);
    CHECK(again.body.empty());

    auto const script = client.request("GET", "/app.js");
    CHECK(script.status == 200);
    CHECK(script.header("Content-Type") == "text/javascript; charset=utf-8");
    CHECK(script.body.find("sessionStorage") != std::string::npos);
    CHECK(script.body.find("innerHTML") == std::string::npos);
    auto const style = client.request("GET", "/style.css");
    CHECK(style.header("Content-Type") == "text/css; charset=utf-8");
    CHECK(client.request("GET", "/index.html").status == 401); // only the listed paths are open
}

TEST_CASE("gateway web: without keys it refuses to listen beyond loopback unless told", "[gateway][access]")
{
    boost::asio::io_context io;
    ProviderRegistry registry;
    auto options = test::test_gateway_options();
    options.host = "0.0.0.0";
    gateway::Gateway refused(io.get_executor(), registry, options);
    auto const e = test::expect_error<InvalidRequestError>([&] { refused.listen(); });
    CHECK(e.info().detail ==
          "refusing to listen on 0.0.0.0 without client API keys: anyone who can reach it could use every "
          "configured model. Set serve.api_keys_env or serve.api_keys_file, listen on 127.0.0.1, or pass "
          "--insecure-no-auth");

    options.insecure_no_auth = true;
    gateway::Gateway allowed(io.get_executor(), registry, options);
    allowed.listen();
    CHECK(allowed.local_endpoint().port() != 0);
}

// The serve section's web and access keys: what is read, what is refused (naming the key
// path), and where the client keys come from.

#include <llmio/error.hpp>
#include <llmio/gateway.hpp>
#include <llmio/serve_config.hpp>

#include "support/expect_error.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

using namespace llmio;

namespace {

ServeConfig read(char const* serve_json)
{
    return parse_serve_section(boost::json::parse(serve_json), "config file \"gw.json\"");
}

std::string refusal(char const* serve_json)
{
    return test::expect_error<InvalidRequestError>([&] { read(serve_json); }).info().detail;
}

} // namespace

TEST_CASE("serve config: the web and access keys are read", "[gateway][access]")
{
    auto const c = read(R"({"cors_origins": ["http://localhost:5173", "https://app.example.com"],
                            "api_keys_env": "GW_KEYS",
                            "rate_limits": {"requests_per_minute": 60, "tokens_per_minute": 100000}})");
    CHECK(c.cors_origins == std::vector<std::string>{"http://localhost:5173", "https://app.example.com"});
    CHECK(c.api_keys_env == "GW_KEYS");
    CHECK_FALSE(c.api_keys_file);
    CHECK(c.requests_per_minute == 60u);
    CHECK(c.tokens_per_minute == 100000u);
    CHECK(read(R"({"api_keys_file": "/etc/llmio/keys.txt"})").api_keys_file == "/etc/llmio/keys.txt");
}

TEST_CASE("serve config: bad web and access keys are refused with the key path", "[gateway][access]")
{
    CHECK(refusal(R"({"cors_origins": "http://localhost:5173"})") ==
          "config file \"gw.json\": serve.cors_origins must be an array of origins such as \"http://localhost:5173\"");
    CHECK(refusal(R"({"cors_origins": [5]})") == "config file \"gw.json\": serve.cors_origins[] must be a non-empty string");
    CHECK(refusal(R"({"api_keys_env": "sk-abc-123"})") ==
          "config file \"gw.json\": serve.api_keys_env must name an environment variable (1 to 128 letters, digits "
          "and _, not starting with a digit)");
    CHECK(refusal(R"({"api_keys_env": "A", "api_keys_file": "k.txt"})") ==
          "config file \"gw.json\": serve.api_keys_env and serve.api_keys_file are both given: use one");
    CHECK(refusal(R"({"rate_limits": {"requests_per_minute": 0}})") ==
          "config file \"gw.json\": serve.rate_limits.requests_per_minute must be a whole number from 1 to 1000000000");
    CHECK(refusal(R"({"rate_limits": {"tokens_per_minute": 1.5}})") ==
          "config file \"gw.json\": serve.rate_limits.tokens_per_minute must be a whole number from 1 to 1000000000");
    CHECK(refusal(R"({"rate_limits": {"rpm": 3}})") ==
          "config file \"gw.json\": unknown key \"serve.rate_limits.rpm\" (known keys: requests_per_minute, "
          "tokens_per_minute)");
    CHECK(refusal(R"({"cors": []})") ==
          "config file \"gw.json\": unknown key \"serve.cors\" (known keys: host, port, threads, drain_s, limits, "
          "cors_origins, api_keys_env, api_keys_file, rate_limits)");
}

TEST_CASE("serve config: client keys come from the named variable, never echoed", "[gateway][access]")
{
    ServeConfig c;
    CHECK(gateway::load_client_keys(c, Environment::from_map({})).empty());
    c.api_keys_env = "GW_KEYS";
    auto const keys = gateway::load_client_keys(c, Environment::from_map({{"GW_KEYS", "sk-1, sk-2"}}));
    REQUIRE(keys.size() == 2);
    CHECK(keys[1].secret == "sk-2");
    CHECK(keys[1].id == "key-2");
    auto const unset = test::expect_error<InvalidRequestError>(
        [&] { gateway::load_client_keys(c, Environment::from_map({})); });
    CHECK(unset.info().detail == "serve.api_keys_env (GW_KEYS): the variable is not set or is empty");
    auto const bad = test::expect_error<InvalidRequestError>(
        [&] { gateway::load_client_keys(c, Environment::from_map({{"GW_KEYS", "sk-ok,sk\x01secret"}})); });
    CHECK(bad.info().detail == "serve.api_keys_env (GW_KEYS): key 2 has a blank or control character or is longer "
                               "than 4096 bytes");
}

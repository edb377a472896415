// The gateway's answers when upstream fails: OpenAI's error body with the status an OpenAI
// client expects and upstream's own message, Retry-After passed on, no upstream key in sight,
// and an error after a stream started as the stream's last event.

#include "support/emulator_fixture.hpp"
#include "support/gateway_fixture.hpp"
#include "support/raw_http_client.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

namespace json = boost::json;
using namespace llmio;

namespace {

// No retries: each fault is answered once, as it came.
std::string config_for(test::OpenAiEmulatorFixture const& upstream)
{
    return R"({"providers": {"up": {"kind": "openai", "base_url": ")" + upstream.server.base_url() +
           R"(/v1", "api_key": "sk-upstream-secret", "max_retries": 0}}})";
}

std::string upstream_error(std::string const& message, std::string const& type, std::string const& code)
{
    return R"({"error":{"message":")" + message + R"(","type":")" + type + R"(","param":null,"code":")" + code +
           R"("}})";
}

struct Case {
    int upstream_status;
    std::string upstream_body;
    int status;
    std::string message;
    std::string type;
    std::string code; // "" for null
};

} // namespace

TEST_CASE("gateway: each upstream failure has its OpenAI status, type, code and upstream's message", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    std::vector<Case> const cases{
        {400, upstream_error("Invalid value for temperature", "invalid_request_error", "invalid_value"), 400,
         "Invalid value for temperature", "invalid_request_error", ""},
        {400, upstream_error("This model's maximum context length is 8 tokens", "invalid_request_error",
                             "context_length_exceeded"),
         400, "This model's maximum context length is 8 tokens", "invalid_request_error", "context_length_exceeded"},
        {401, upstream_error("Incorrect API key provided", "invalid_request_error", "invalid_api_key"), 401,
         "Incorrect API key provided", "authentication_error", ""},
        {404, upstream_error("The model 'nope' does not exist", "invalid_request_error", "model_not_found"), 404,
         "The model 'nope' does not exist", "invalid_request_error", "model_not_found"},
        {500, upstream_error("The server had an error", "server_error", "internal"), 502, "The server had an error",
         "upstream_error", ""},
        {503, upstream_error("The engine is overloaded", "server_error", "overloaded"), 503,
         "The engine is overloaded", "upstream_error", ""},
    };
    for (auto const& c : cases) {
        INFO(c.upstream_body);
        upstream.server.faults().add(emulators::Fault::respond(c.upstream_status, c.upstream_body));
        auto const reply = client.request("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi"));
        CHECK(reply.status == c.status);
        auto const error = json::parse(reply.body).at("error");
        CHECK(error.at("message") == c.message.c_str());
        CHECK(error.at("type") == c.type.c_str());
        if (c.code.empty())
            CHECK(error.at("code").is_null());
        else
            CHECK(error.at("code") == c.code.c_str());
        CHECK(reply.body.find("sk-upstream-secret") == std::string::npos);
    }
}

TEST_CASE("gateway: upstream's 429 is passed on with its Retry-After", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    upstream.server.faults().add(emulators::Fault::respond(
        429, upstream_error("Rate limit reached for requests", "requests", "rate_limit_exceeded"),
        {{"Retry-After", "7"}}));
    auto const reply = client.request("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi"));
    CHECK(reply.status == 429);
    CHECK(reply.header("Retry-After") == "7");
    CHECK(reply.body == R"({"error":{"message":"Rate limit reached for requests","type":"rate_limit_error",)"
                        R"("param":null,"code":"rate_limit_exceeded"}})");
}

TEST_CASE("gateway: an unreachable upstream is 503, a model nothing serves is 404 model_not_found", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());
    // The only provider takes bare model names.
    CHECK(client.request("POST", "/v1/chat/completions", test::chat_body("gpt-4o-mini", "hi")).status == 200);

    {
        // Two providers and no default: a bare name is nobody's.
        test::GatewayFixture two(R"({"providers": {"up": {"kind": "openai", "base_url": ")" +
                                 upstream.server.base_url() + R"(/v1"}, "up2": {"kind": "openai", "base_url": ")" +
                                 upstream.server.base_url() + R"(/v1"}}})");
        test::RawHttpClient asking(two.port());
        auto const unknown = asking.request("POST", "/v1/chat/completions", test::chat_body("gpt-4o-mini", "hi"));
        CHECK(unknown.status == 404);
        auto const error = json::parse(unknown.body).at("error");
        CHECK(error.at("code") == "model_not_found");
        CHECK(error.at("param") == "model");
        CHECK(error.at("message").as_string().starts_with("the model 'gpt-4o-mini' does not exist: "));
    }

    upstream.server.stop();
    auto const down = client.request("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi"));
    CHECK(down.status == 503);
    CHECK(json::parse(down.body).at("error").at("type") == "service_unavailable_error");
}

TEST_CASE("gateway: an error after the stream started is its last event, then the stream ends", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    test::RawHttpClient client(gateway.port());

    emulators::Fault fault;
    fault.path = "/v1/chat/completions";
    fault.error_event = emulators::StreamErrorEvent{2, emulators::StreamErrorForm::openai_data, 500,
                                                    "Compute error.", "server_error"};
    upstream.server.faults().add(fault);
    auto const reply =
        client.request("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi", R"("stream":true)"));
    REQUIRE(reply.status == 200);
    CHECK(reply.complete);
    auto const events = test::sse_data(reply.body);
    REQUIRE(events.size() == 3);
    CHECK(json::parse(events[1]).at("choices").at(0).at("delta").at("content") == "Hello!");
    auto const error = json::parse(events[2]).at("error");
    CHECK(error.at("message") == "Compute error.");
    CHECK(error.at("type") == "upstream_error");
}

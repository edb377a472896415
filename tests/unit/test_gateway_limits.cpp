// The gateway's bounds: body and header limits, connection limits, clients that disconnect
// (their upstream request is cancelled at once) and the drain when it stops.

#include "support/emulator_fixture.hpp"
#include "support/gateway_fixture.hpp"
#include "support/raw_http_client.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>


namespace json = boost::json;
using namespace llmio;
using namespace std::chrono_literals;

namespace {

std::string config_for(test::OpenAiEmulatorFixture const& upstream)
{
    return test::one_openai_upstream(upstream.server.base_url());
}

} // namespace

TEST_CASE("gateway: a body over the limit is 413, a header block over it 431, and the connection closes",
          "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    auto options = test::test_gateway_options();
    options.limits.body_bytes = 256;
    options.limits.header_bytes = 1024;
    test::GatewayFixture gateway(config_for(upstream), options);

    test::RawHttpClient large_body(gateway.port());
    auto const too_large = large_body.request("POST", "/v1/chat/completions",
                                              test::chat_body("up/gpt-4o-mini", std::string(300, 'x')));
    CHECK(too_large.status == 413);
    CHECK(too_large.body == R"({"error":{"message":"the request body is too large","type":"invalid_request_error",)"
                            R"("param":null,"code":"body_too_large"}})");
    CHECK(too_large.header("Connection") == "close");
    CHECK(large_body.wait_server_close());

    test::RawHttpClient large_header(gateway.port());
    auto const too_many = large_header.request("GET", "/health", {}, {{"X-Padding", std::string(2000, 'p')}});
    CHECK(too_many.status == 431);
    CHECK(json::parse(too_many.body).at("error").at("code") == "header_too_large");
    CHECK(large_header.wait_server_close());
    CHECK(upstream.server.requests_served() == 0);
}

TEST_CASE("gateway: connections over the per-client limit are answered 503 and closed", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    auto options = test::test_gateway_options();
    options.limits.connections_per_client = 1;
    test::GatewayFixture gateway(config_for(upstream), options);

    test::RawHttpClient first(gateway.port());
    CHECK(first.request("GET", "/v1/models").status == 200); // accepted and counted
    test::RawHttpClient second(gateway.port());
    auto const refused = second.read();
    CHECK(refused.status == 503);
    CHECK(json::parse(refused.body).at("error").at("message") == "too many connections");
    CHECK(second.wait_server_close());
    // The first one goes on.
    CHECK(first.request("GET", "/v1/models").status == 200);
}

TEST_CASE("gateway: a client that disconnects mid-stream cancels the upstream stream at once", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    upstream.server.faults().add(emulators::Fault::stall_after(2).on("/v1/chat/completions"));

    test::RawHttpClient client(gateway.port());
    client.send("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi", R"("stream":true)"));
    CHECK(client.read_until("Hello!").find("Hello!") != std::string::npos);
    client.close();
    // The emulator, stalled after its second event, sees its client (the gateway) leave.
    CHECK(upstream.server.wait_for_client_closes(1, 10s));
}

TEST_CASE("gateway: a client that disconnects while waiting for a whole answer cancels the upstream request",
          "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    emulators::Fault stall;
    stall.path = "/v1/chat/completions";
    stall.stall_before_headers = true;
    upstream.server.faults().add(stall);

    test::RawHttpClient client(gateway.port());
    client.send("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi"));
    // Wait until the request is upstream, then leave.
    REQUIRE(upstream.server.wait_for_requests(1, 10s));
    client.close();
    CHECK(upstream.server.wait_for_client_closes(1, 10s));
}

TEST_CASE("gateway: stop lets a stream under way finish, then closes", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    auto options = test::test_gateway_options();
    test::GatewayFixture gateway(config_for(upstream), options);
    emulators::Fault slow;
    slow.path = "/v1/chat/completions";
    slow.chunk_delay = 20ms;
    upstream.server.faults().add(slow);

    test::RawHttpClient client(gateway.port(), 10s);
    client.send("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi", R"("stream":true)"));
    auto const start = client.read_until("Hello!");
    REQUIRE(start.find("Hello!") != std::string::npos);
    gateway.gateway->stop(std::chrono::seconds(30));
    auto const rest = client.read_until_close();
    CHECK(rest.find("data: [DONE]\n\n") != std::string::npos);
    CHECK(rest.ends_with("0\r\n\r\n"));
    CHECK(gateway.stop(0ms));
}

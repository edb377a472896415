// How the gateway reads requests off a connection, however the bytes arrive: the body in the
// header's segment or split across writes, chunked bodies cut anywhere, pipelined requests
// answered in order (read together with the first, or read ahead by the client watch while a
// handler runs: nothing is lost), and a connection the gateway closes itself while a request is
// upstream.

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

std::string chat_request_head(std::size_t content_length)
{
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(content_length) + "\r\n\r\n";
}

std::string answer_content(test::HttpReply const& reply)
{
    return std::string(json::parse(reply.body).at("choices").at(0).at("message").at("content").as_string());
}

std::string chunked(std::string_view body, std::size_t piece)
{
    std::string out;
    for (std::size_t at = 0; at < body.size(); at += piece) {
        auto const part = body.substr(at, piece);
        char size[16];
        std::snprintf(size, sizeof size, "%zx", part.size());
        out += size;
        out += "\r\n";
        out += part;
        out += "\r\n";
    }
    out += "0\r\n\r\n";
    return out;
}

} // namespace

TEST_CASE("gateway: a request whose body comes in the header's segment is answered", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    auto const body = test::chat_body("up/gpt-4o-mini", "in one piece");

    test::RawHttpClient client(gateway.port());
    client.send_raw(chat_request_head(body.size()) + body);
    auto const reply = client.read();
    REQUIRE(reply.status == 200);
    CHECK(answer_content(reply) == "Hello! You said: in one piece");
}

TEST_CASE("gateway: a body split across writes even inside a UTF-8 character arrives whole", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    auto const body = test::chat_body("up/gpt-4o-mini", "gr\xc3\xbc\xc3\x9f dich");
    auto const cut = body.find("\xc3\xbc") + 1;

    test::RawHttpClient client(gateway.port());
    client.send_raw(chat_request_head(body.size()));
    client.send_raw(body.substr(0, cut));
    client.send_raw(body.substr(cut));
    auto const reply = client.read();
    REQUIRE(reply.status == 200);
    CHECK(answer_content(reply) == "Hello! You said: gr\xc3\xbc\xc3\x9f dich");
}

TEST_CASE("gateway: a chunked request body cut inside a chunk-size line is read whole", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    auto const body = test::chat_body("up/gpt-4o-mini", "sent in chunks of sixteen bytes");
    auto const wire = chunked(body, 16);
    // The second chunk's size line is "10\r\n": cut between its two digits.
    REQUIRE(wire.substr(22, 4) == "10\r\n");
    std::size_t const cut = 23;

    test::RawHttpClient client(gateway.port());
    client.send_raw("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n");
    client.send_raw(wire.substr(0, cut));
    client.send_raw(wire.substr(cut));
    auto const reply = client.read();
    REQUIRE(reply.status == 200);
    CHECK(answer_content(reply) == "Hello! You said: sent in chunks of sixteen bytes");
}

TEST_CASE("gateway: pipelined requests are answered in order and none is lost", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    auto const first = test::chat_body("up/gpt-4o-mini", "first");
    auto const second = test::chat_body("up/gpt-4o-mini", "second");
    auto const third = test::chat_body("up/gpt-4o-mini", "third", R"("stream":true)");

    test::RawHttpClient client(gateway.port());
    // All three in one write: the second is read ahead while the first is upstream.
    client.send_raw(chat_request_head(first.size()) + first + chat_request_head(second.size()) + second +
                    chat_request_head(third.size()) + third + "GET /no/such/path HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    auto const one = client.read();
    auto const two = client.read();
    auto const three = client.read();
    auto const four = client.read();
    REQUIRE(one.status == 200);
    CHECK(answer_content(one) == "Hello! You said: first");
    REQUIRE(two.status == 200);
    CHECK(answer_content(two) == "Hello! You said: second");
    REQUIRE(three.status == 200);
    CHECK(three.header("Content-Type") == "text/event-stream");
    std::string streamed;
    for (auto const& data : test::sse_data(three.body)) {
        if (data == "[DONE]")
            break;
        auto const chunk = json::parse(data);
        if (auto const* content = chunk.at("choices").at(0).at("delta").as_object().if_contains("content"))
            streamed += content->as_string();
    }
    CHECK(streamed == "Hello! You said: third");
    CHECK(four.status == 404);
    CHECK(json::parse(four.body).at("error").at("message") == "no such endpoint: /no/such/path");
    CHECK(upstream.server.requests_served() == 3);
    // The connection is still usable afterwards.
    CHECK(answer_content(client.request("POST", "/v1/chat/completions", first)) == "Hello! You said: first");
}

TEST_CASE("gateway: a request sent while the previous one is upstream is answered after it", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    // The first answer waits upstream (no test waits on the clock: the delay only makes it
    // likely that the second request arrives meanwhile, when the client watch reads it).
    upstream.server.faults().add(emulators::Fault::delay(300ms).on("/v1/chat/completions"));

    test::RawHttpClient client(gateway.port(), 10s);
    client.send("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "first"));
    REQUIRE(upstream.server.wait_for_requests(1, 10s));
    client.send("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "second"));
    auto const one = client.read();
    auto const two = client.read();
    REQUIRE(one.status == 200);
    CHECK(answer_content(one) == "Hello! You said: first");
    REQUIRE(two.status == 200);
    CHECK(answer_content(two) == "Hello! You said: second");
}

TEST_CASE("gateway: a chunked body over the limit is 413 without reading it all", "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    auto options = test::test_gateway_options();
    options.limits.body_bytes = 256;
    test::GatewayFixture gateway(config_for(upstream), options);

    test::RawHttpClient client(gateway.port());
    client.send_raw("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n" +
                    chunked(test::chat_body("up/gpt-4o-mini", std::string(400, 'x')), 100).substr(0, 300));
    auto const reply = client.read();
    CHECK(reply.status == 413);
    CHECK(json::parse(reply.body).at("error").at("code") == "body_too_large");
    CHECK(client.wait_server_close());
    CHECK(upstream.server.requests_served() == 0);
}

TEST_CASE("gateway: stopping without a drain closes a connection whose request is upstream and cancels it",
          "[gateway]")
{
    test::OpenAiEmulatorFixture upstream;
    test::GatewayFixture gateway(config_for(upstream));
    emulators::Fault stall;
    stall.path = "/v1/chat/completions";
    stall.stall_before_headers = true;
    upstream.server.faults().add(stall);

    test::RawHttpClient client(gateway.port(), 10s);
    client.send("POST", "/v1/chat/completions", test::chat_body("up/gpt-4o-mini", "hi"));
    REQUIRE(upstream.server.wait_for_requests(1, 10s));
    CHECK(gateway.stop(0ms));
    CHECK(client.wait_server_close());
    CHECK(upstream.server.wait_for_client_closes(1, 10s));
}

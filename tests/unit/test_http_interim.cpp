// Interim 1xx responses (RFC 9110 section 15.2): 103 Early Hints and 100 Continue before the
// real response are skipped, for non-streamed and streamed calls, on fresh and pooled
// connections; an unrequested 101 Switching Protocols is a MalformedResponseError.

#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <llmio/error.hpp>
#include <llmio/http/http_client.hpp>
#include <llmio/openai/provider.hpp>

#include <catch2/catch.hpp>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::ScriptedServer;
using test::ServerConnection;

namespace {

constexpr std::string_view kInterim = "HTTP/1.1 103 Early Hints\r\n"
                                      "Link: </style.css>; rel=preload; as=style\r\n"
                                      "Link: </script.js>; rel=preload; as=script\r\n\r\n"
                                      "HTTP/1.1 100 Continue\r\n\r\n";

constexpr std::string_view kCompletion =
    R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":)"
    R"([{"index":0,"message":{"role":"assistant","content":"Hi there"},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})";

std::string sse_stream()
{
    std::string const body =
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
        "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi \"},"
        "\"finish_reason\":null}]}\n\n"
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
        "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"there\"},\"finish_reason\":\"stop\"}]}\n\n"
        "data: [DONE]\n\n";
    return test::http_response(200, body, "text/event-stream");
}

// Answers every request on the connection with the interim responses, then the real one.
ScriptedServer interim_server()
{
    return ScriptedServer([](ServerConnection& c) -> asio::awaitable<void> {
        while (auto request = co_await c.read_request()) {
            // Built before co_await: g++ 12 mishandles temporaries of a conditional inside it.
            std::string reply(kInterim);
            if (request->body().find("\"stream\":true") != std::string::npos)
                reply += sse_stream();
            else
                reply += test::http_response(200, kCompletion);
            co_await c.write(reply);
        }
    });
}

openai::Options options_for(ScriptedServer const& server)
{
    openai::Options o;
    o.base_url = server.base_url() + "/v1";
    o.retry = RetryPolicy::none();
    return o;
}

ChatRequest ask()
{
    ChatRequest r;
    r.model = "m";
    r.messages = {Message::user("hello")};
    return r;
}

asio::awaitable<std::string> stream_text(openai::OpenAICompatibleProvider& provider)
{
    auto stream = co_await provider.chat_stream(ask());
    std::string text;
    while (auto chunk = co_await stream.next())
        text += chunk->content;
    co_return text;
}

} // namespace

TEST_CASE("interim 1xx responses are skipped, on fresh and pooled connections", "[http][interim]")
{
    auto server = interim_server();
    auto const o = options_for(server);
    auto const texts = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::vector<std::string>> {
        openai::OpenAICompatibleProvider provider(ex, o);
        std::vector<std::string> out;
        out.push_back((co_await provider.chat(ask())).content);
        out.push_back(co_await stream_text(provider));
        out.push_back((co_await provider.chat(ask())).content);
        out.push_back(co_await stream_text(provider));
        co_return out;
    });
    CHECK(texts == std::vector<std::string>{"Hi there", "Hi there", "Hi there", "Hi there"});
    CHECK(server.accepted() == 1); // the later calls reused the pooled connection
}

TEST_CASE("an interim response on the HTTP client: headers are the final response's", "[http][interim]")
{
    auto server = interim_server();
    auto const response = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<http::HttpResponse> {
        http::HttpClient client(ex);
        http::HttpRequest request;
        request.method = boost::beast::http::verb::post;
        request.path = "/v1/chat/completions";
        request.body = "{}";
        co_return co_await client.send(http::Endpoint::parse(server.base_url()), request);
    });
    CHECK(response.status == 200);
    CHECK(response.header("Link").empty());
    CHECK(response.body == kCompletion);
}

TEST_CASE("101 Switching Protocols that nobody asked for is a MalformedResponseError", "[http][interim]")
{
    ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
        if (co_await c.read_request())
            co_await c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\n\r\n");
        co_await c.wait_for_client_close(5s);
    });
    try {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
            http::HttpClient client(ex);
            http::HttpRequest request;
            request.path = "/ws";
            co_await client.send(http::Endpoint::parse(server.base_url()), request);
            co_return 0;
        });
        FAIL("no exception");
    } catch (MalformedResponseError const& e) {
        CHECK(e.code() == errc::malformed_response);
        CHECK_THAT(e.what(), Catch::Contains("GET http://127.0.0.1:" + std::to_string(server.port()) +
                                             "/ws: HTTP 101 Switching Protocols, but no protocol "
                                             "upgrade was requested"));
    }
}

TEST_CASE("endless interim responses are a MalformedResponseError", "[http][interim]")
{
    ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
        if (co_await c.read_request()) {
            try {
                for (int i = 0; i < 1000; ++i)
                    co_await c.write("HTTP/1.1 100 Continue\r\n\r\n");
            } catch (std::exception const&) {
                // The client gave up: expected.
            }
        }
    });
    try {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
            http::HttpClient client(ex);
            http::HttpRequest request;
            request.path = "/";
            co_await client.send(http::Endpoint::parse(server.base_url()), request);
            co_return 0;
        });
        FAIL("no exception");
    } catch (MalformedResponseError const& e) {
        CHECK_THAT(e.what(), Catch::Contains("more than 16 interim (1xx) responses"));
    }
}

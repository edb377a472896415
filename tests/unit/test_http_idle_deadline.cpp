// HttpStream::set_idle_deadline / reset_idle_deadline: a reader that judges progress itself
// moves the deadline of its body reads.

#include <llmio/error.hpp>
#include <llmio/http/http_client.hpp>

#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

using namespace llmio;
using namespace llmio::http;
using namespace std::chrono_literals;
using llmio::test::ScriptedServer;
using llmio::test::ServerConnection;
namespace asio = boost::asio;

namespace {

// Headers and one chunk at once, a second chunk 1 s later (far more than the short idle
// deadlines below, far less than the long ones, so a busy machine does not matter), then the end. (A free function:
// a coroutine lambda with captures would lose them.)
asio::awaitable<void> serve_with_gap(ServerConnection& c)
{
    co_await c.read_request();
    co_await c.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n6\r\ndata:1\r\n");
    co_await c.sleep(1000ms);
    co_await c.write("6\r\ndata:2\r\n0\r\n\r\n");
    co_await c.wait_for_client_close(2s);
}

HttpOptions options_with_idle(std::chrono::steady_clock::duration idle)
{
    HttpOptions o;
    o.timeouts.connect = 2s;
    o.timeouts.first_byte = 2s;
    o.timeouts.idle = idle;
    return o;
}

enum class Move { later, earlier, later_then_reset };

// Reads the whole body; moves the deadline after the first slice as `move` says.
std::string read_body(ScriptedServer const& server, HttpOptions options, Move move)
{
    return llmio::test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::string> {
        HttpClient client(ex, options);
        HttpRequest request;
        request.path = "/events";
        auto stream = co_await client.open(Endpoint::parse(server.base_url()), request);
        std::string body;
        bool first = true;
        for (int i = 0; i < 16; ++i) {
            auto slice = co_await stream.read_some();
            if (!slice)
                break;
            body += *slice;
            if (first) {
                first = false;
                auto const now = std::chrono::steady_clock::now();
                if (move == Move::earlier)
                    stream.set_idle_deadline(now + 50ms);
                else
                    stream.set_idle_deadline(now + 20s);
                if (move == Move::later_then_reset)
                    stream.reset_idle_deadline();
            }
        }
        co_return body;
    });
}

} // namespace

TEST_CASE("a reader can push the idle deadline of a stream past a silent stretch", "[http]")
{
    ScriptedServer server(serve_with_gap);
    CHECK(read_body(server, options_with_idle(100ms), Move::later) == "data:1data:2");
}

TEST_CASE("a reader can pull the idle deadline in", "[http]")
{
    // With the default idle timeout (20 s) the read would wait for the second chunk and
    // succeed; only the deadline pulled in to 50 ms makes it time out.
    ScriptedServer server(serve_with_gap);
    try {
        read_body(server, options_with_idle(20s), Move::earlier);
        FAIL("no exception");
    } catch (TimeoutError const& e) {
        CHECK(e.code() == errc::idle_timeout);
    }
}

TEST_CASE("reset_idle_deadline returns to the idle timeout", "[http]")
{
    ScriptedServer server(serve_with_gap);
    try {
        read_body(server, options_with_idle(100ms), Move::later_then_reset);
        FAIL("no exception");
    } catch (TimeoutError const& e) {
        CHECK(e.code() == errc::idle_timeout);
    }
}

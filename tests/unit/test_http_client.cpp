// HttpClient against scripted loopback servers: pooling, stale connections, each timeout,
// cancellation, size limits, truncation, TLS, the concurrency limit and log redaction.

#include <llmio/error.hpp>
#include <llmio/http/http_client.hpp>

#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <vector>

using namespace llmio;
using namespace llmio::http;
using namespace std::chrono_literals;
using llmio::test::ScriptedServer;
using llmio::test::ServerConnection;
using llmio::test::http_response;
using llmio::test::run_async;
namespace asio = boost::asio;

namespace {

// Serves every request on the connection with the same small JSON body.
asio::awaitable<void> serve_ok(ServerConnection& c)
{
    while (auto request = co_await c.read_request())
        co_await c.write(http_response(200, R"({"ok":true})"));
}

HttpRequest get(std::string path)
{
    HttpRequest r;
    r.path = std::move(path);
    return r;
}

HttpOptions fast_options()
{
    HttpOptions o;
    o.timeouts.connect = 2s;
    o.timeouts.first_byte = 2s;
    o.timeouts.idle = 2s;
    return o;
}

// Runs `body(client, endpoint)` on a fresh io_context and returns its result.
template <class Body>
auto with_client(ScriptedServer const& server, HttpOptions options, Body body)
{
    return run_async([&](asio::any_io_executor ex) -> asio::awaitable<decltype(body(
                                                        std::declval<HttpClient&>(),
                                                        std::declval<Endpoint const&>()).await_resume())> {
        HttpClient client(ex, options);
        auto const endpoint = Endpoint::parse(server.base_url());
        co_return co_await body(client, endpoint);
    });
}

template <class E>
E capture_error(std::function<void()> f)
{
    try {
        f();
    } catch (E const& e) {
        return e;
    }
    FAIL("expected exception was not thrown");
    throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("keep-alive serves sequential requests over one connection", "[http]")
{
    ScriptedServer server(serve_ok);
    auto const bodies = with_client(server, fast_options(), [](HttpClient& client, Endpoint const& ep)
                                                                -> asio::awaitable<std::vector<std::string>> {
        std::vector<std::string> out;
        for (int i = 0; i < 5; ++i) {
            auto response = co_await client.send(ep, get("/v1/models"));
            CHECK(response.status == 200);
            CHECK(response.header("Content-Type") == "application/json");
            out.push_back(response.body);
        }
        CHECK(client.connections_opened() == 1);
        CHECK(client.idle_connections() == 1);
        co_return out;
    });
    CHECK(bodies == std::vector<std::string>(5, R"({"ok":true})"));
    CHECK(server.accepted() == 1);
}

TEST_CASE("a pooled connection holds no timer: the io_context runs out of work at once", "[http]")
{
    // Deadlines far away: a timer left pending on the pooled connection would keep run_for()
    // busy until it fired.
    ScriptedServer server(serve_ok);
    HttpOptions options;
    options.timeouts.connect = 30s;
    options.timeouts.first_byte = 30s;
    options.timeouts.idle = 30s;
    options.timeouts.total = 30s;
    asio::io_context io;
    HttpClient client(io.get_executor(), options);
    auto const endpoint = Endpoint::parse(server.base_url());
    auto exchange = [&]() -> asio::awaitable<std::string> {
        auto response = co_await client.send(endpoint, get("/a"));
        auto stream = co_await client.open(endpoint, get("/b"));
        auto body = co_await stream.read_all(1024);
        co_return response.body + body;
    };
    auto future = asio::co_spawn(io, exchange(), asio::use_future);
    auto const started = std::chrono::steady_clock::now();
    io.run_for(10s);
    auto const took = std::chrono::steady_clock::now() - started;
    REQUIRE(future.wait_for(0s) == std::future_status::ready);
    CHECK(future.get() == R"({"ok":true}{"ok":true})");
    CHECK(client.idle_connections() == 1);
    CHECK(took < 5s);
}

TEST_CASE("a HEAD response has headers and no body, and its connection is reused", "[http]")
{
    // Ollama answers HEAD / and HEAD /api/blobs/<digest> with the Content-Length a GET would
    // have. The body never comes: reading it would hang until the idle timeout.
    std::mutex mutex;
    std::vector<std::string> seen;
    ScriptedServer server([&](ServerConnection& c) -> asio::awaitable<void> {
        while (auto request = co_await c.read_request()) {
            {
                std::lock_guard lock(mutex);
                seen.push_back(std::string(request->method_string()) + " " +
                               std::string(request->target()));
            }
            if (request->method() == boost::beast::http::verb::head)
                co_await c.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                 "Content-Length: 1234\r\n\r\n");
            else
                co_await c.write(http_response(200, R"({"ok":true})"));
        }
    });
    auto options = fast_options();
    SECTION("Content-Length within the body limit")
    {
    }
    SECTION("Content-Length above the body limit: no body, so no limit error")
    {
        options.limits.max_body_bytes = 100;
    }
    with_client(server, options, [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
        HttpRequest head = get("/api/blobs/sha256:abc");
        head.method = boost::beast::http::verb::head;
        auto response = co_await client.send(ep, head);
        CHECK(response.status == 200);
        CHECK(response.header("Content-Length") == "1234");
        CHECK(response.header("Content-Type") == "text/plain; charset=utf-8");
        CHECK(response.body.empty());
        CHECK(client.idle_connections() == 1);

        auto next = co_await client.send(ep, get("/api/version"));
        CHECK(next.status == 200);
        CHECK(next.body == R"({"ok":true})");
        CHECK(client.connections_opened() == 1);
        co_return 0;
    });
    CHECK(server.accepted() == 1);
    std::lock_guard lock(mutex);
    CHECK(seen == std::vector<std::string>{"HEAD /api/blobs/sha256:abc", "GET /api/version"});
}

TEST_CASE("a pooled connection the server closed is replaced transparently", "[http]")
{
    SECTION("closed while idle: detected before reuse")
    {
        // One response per connection, then the server hangs up despite keep-alive.
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            if (auto request = co_await c.read_request())
                co_await c.write(http_response(200, "first"));
            c.close();
        });
        auto const body = with_client(server, fast_options(), [](HttpClient& client, Endpoint const& ep)
                                                                  -> asio::awaitable<std::string> {
            co_await client.send(ep, get("/a"));
            asio::steady_timer t(co_await asio::this_coro::executor, 50ms);
            co_await t.async_wait(asio::use_awaitable);
            co_return (co_await client.send(ep, get("/b"))).body;
        });
        CHECK(body == "first");
        CHECK(server.accepted() == 2);
    }
    SECTION("closed after reading the next request: retried once on a fresh connection")
    {
        std::atomic<int> connection_number{0};
        ScriptedServer server([&](ServerConnection& c) -> asio::awaitable<void> {
            int const n = ++connection_number;
            if (auto request = co_await c.read_request())
                co_await c.write(http_response(200, "conn" + std::to_string(n)));
            // The first connection reads the second request and drops it unanswered, as a
            // server does when its keep-alive timer fires just as the request arrives.
            if (n == 1) {
                co_await c.read_request();
                c.close();
                co_return;
            }
            while (auto request = co_await c.read_request())
                co_await c.write(http_response(200, "conn" + std::to_string(n)));
        });
        auto const bodies = with_client(server, fast_options(), [](HttpClient& client, Endpoint const& ep)
                                                                    -> asio::awaitable<std::vector<std::string>> {
            std::vector<std::string> out;
            out.push_back((co_await client.send(ep, get("/a"))).body);
            out.push_back((co_await client.send(ep, get("/b"))).body);
            co_return out;
        });
        CHECK(bodies == std::vector<std::string>{"conn1", "conn2"});
        CHECK(server.accepted() == 2);
    }
    SECTION("a fresh connection that fails is not retried")
    {
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            co_await c.read_request();
            c.close();
        });
        auto const e = capture_error<NetworkError>([&] {
            with_client(server, fast_options(), [](HttpClient& client, Endpoint const& ep)
                                                     -> asio::awaitable<int> {
                co_await client.send(ep, get("/a"));
                co_return 0;
            });
        });
        CHECK(e.code() == errc::connection_reset);
        CHECK(server.accepted() == 1);
    }
}

TEST_CASE("idle pooled connections expire before the servers' keep-alive timeout", "[http]")
{
    ScriptedServer server(serve_ok);
    auto options = fast_options();
    options.pool.idle_expiry = 30ms;
    with_client(server, options, [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
        co_await client.send(ep, get("/a"));
        asio::steady_timer t(co_await asio::this_coro::executor, 80ms);
        co_await t.async_wait(asio::use_awaitable);
        co_await client.send(ep, get("/b"));
        co_return 0;
    });
    CHECK(server.accepted() == 2);
}

TEST_CASE("each timeout fires with its own code", "[http]")
{
    SECTION("first byte")
    {
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            co_await c.read_request();
            co_await c.wait_for_client_close(5s);
        });
        auto options = fast_options();
        options.timeouts.first_byte = 100ms;
        auto const e = capture_error<TimeoutError>([&] {
            with_client(server, options, [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
                co_await client.send(ep, get("/slow"));
                co_return 0;
            });
        });
        CHECK(e.code() == errc::first_byte_timeout);
        CHECK_THAT(e.what(), Catch::Contains("GET http://127.0.0.1:") &&
                                 Catch::Contains("/slow while waiting for the response"));
    }
    SECTION("idle between body reads")
    {
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            co_await c.read_request();
            co_await c.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n6\r\ndata:1\r\n");
            co_await c.wait_for_client_close(5s);
        });
        auto options = fast_options();
        options.timeouts.idle = 100ms;
        std::string received;
        auto const e = capture_error<TimeoutError>([&] {
            with_client(server, options, [&](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
                auto stream = co_await client.open(ep, get("/stream"));
                while (auto slice = co_await stream.read_some())
                    received += *slice;
                co_return 0;
            });
        });
        CHECK(e.code() == errc::idle_timeout);
        CHECK(received == "data:1");
    }
    SECTION("total")
    {
        // A chunk every 40 ms keeps the idle timeout quiet; the total budget still ends it.
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            co_await c.read_request();
            co_await c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 100; ++i) {
                co_await c.write("1\r\nx\r\n");
                co_await c.sleep(40ms);
            }
        });
        auto options = fast_options();
        options.timeouts.idle = 1s;
        options.timeouts.total = 250ms;
        auto const e = capture_error<TimeoutError>([&] {
            with_client(server, options, [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
                co_await client.send(ep, get("/trickle"));
                co_return 0;
            });
        });
        CHECK(e.code() == errc::total_timeout);
    }
    SECTION("connect (the TLS handshake is part of connecting)")
    {
        // A server that accepts TCP but never answers the ClientHello: deterministic on loopback,
        // unlike unroutable addresses, which tests must never contact.
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            co_await c.wait_for_client_close(5s);
        });
        auto options = fast_options();
        options.timeouts.connect = 150ms;
        auto const url = "https://127.0.0.1:" + std::to_string(server.port());
        auto const started = std::chrono::steady_clock::now();
        auto const e = capture_error<TimeoutError>([&] {
            run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
                HttpClient client(ex, options);
                co_await client.send(Endpoint::parse(url), get("/"));
                co_return 0;
            });
        });
        CHECK(e.code() == errc::connect_timeout);
        CHECK(std::chrono::steady_clock::now() - started < 10s); // generous: CI's cores are busy
    }
}

TEST_CASE("connection refused is a NetworkError with a hint", "[http]")
{
    auto const url = "http://127.0.0.1:" + std::to_string(llmio::test::unused_port());
    auto const e = capture_error<NetworkError>([&] {
        run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
            HttpClient client(ex, fast_options());
            co_await client.send(Endpoint::parse(url), get("/v1/models"));
            co_return 0;
        });
    });
    CHECK(e.code() == errc::connection_refused);
    CHECK(e.retryable());
    CHECK(e.hint() == "is the server running and listening on that port?");
}

TEST_CASE("cancelling a stream read is CancelledError and closes the connection", "[http]")
{
    ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
        co_await c.read_request();
        co_await c.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n8\r\ndata: a\n\r\n");
        co_await c.wait_for_client_close(5s);
    });
    std::string received;
    auto const e = capture_error<CancelledError>([&] {
        run_async([&](asio::any_io_executor ex) -> asio::awaitable<int> {
            HttpClient client(ex, fast_options());
            auto stream = co_await client.open(Endpoint::parse(server.base_url()), get("/s"));
            auto first = co_await stream.read_some();
            received = std::string(*first);
            // The second read would wait forever; a signal cancels it after 50 ms.
            asio::cancellation_signal signal;
            asio::steady_timer timer(ex, 50ms);
            timer.async_wait([&](boost::system::error_code ec) {
                if (!ec)
                    signal.emit(asio::cancellation_type::terminal);
            });
            co_await asio::co_spawn(ex, stream.read_some(),
                                    asio::bind_cancellation_slot(signal.slot(), asio::use_awaitable));
            co_return 0;
        });
    });
    CHECK(e.code() == errc::cancelled);
    CHECK(received == "data: a\n");
    // The server sees the disconnect (LM Studio and Ollama stop generating on it).
    CHECK(server.wait_for_client_closes(1, 10s));
    CHECK(server.client_closes_observed() == 1);
}

TEST_CASE("dropping an unfinished stream closes its connection instead of pooling it", "[http]")
{
    ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
        co_await c.read_request();
        co_await c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        co_await c.wait_for_client_close(5s);
    });
    with_client(server, fast_options(), [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
        {
            auto stream = co_await client.open(ep, get("/s"));
            auto slice = co_await stream.read_some();
            CHECK(slice.value_or("") == "abc");
        }
        CHECK(client.idle_connections() == 0);
        co_return 0;
    });
    CHECK(server.wait_for_client_closes(1, 10s));
    CHECK(server.client_closes_observed() == 1);
}

TEST_CASE("bodies arrive as slices: chunked and close-delimited", "[http]")
{
    SECTION("chunked, slice by slice as the server writes them")
    {
        // The server writes the next chunk only once the client got the previous one (told
        // through `slices_seen`), so each chunk is one slice however busy the machine is.
        static std::atomic<int> slices_seen{0};
        slices_seen = 0;
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            co_await c.read_request();
            co_await c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            int written = 0;
            for (char const* part : {"alpha", "beta", "gamma"}) {
                std::string chunk = part;
                char size[16];
                std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
                co_await c.write(size + chunk + "\r\n");
                ++written;
                for (int i = 0; i < 10000 && slices_seen < written; ++i) // at most ~10 s
                    co_await c.sleep(1ms);
            }
            co_await c.write("0\r\n\r\n");
            while (auto request = co_await c.read_request())
                co_await c.write(http_response(200, "again"));
        });
        with_client(server, fast_options(), [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
            auto stream = co_await client.open(ep, get("/s"));
            std::vector<std::string> slices;
            while (auto slice = co_await stream.read_some()) {
                slices.emplace_back(*slice);
                ++slices_seen;
            }
            CHECK(slices == std::vector<std::string>{"alpha", "beta", "gamma"});
            CHECK(stream.done());
            // The finished stream gave its connection back to the pool.
            auto again = co_await client.send(ep, get("/again"));
            CHECK(again.body == "again");
            CHECK(client.connections_opened() == 1);
            co_return 0;
        });
    }
    SECTION("close-delimited, read to EOF and never pooled")
    {
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            co_await c.read_request();
            co_await c.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
            c.close();
        });
        with_client(server, fast_options(), [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
            auto response = co_await client.send(ep, get("/"));
            CHECK(response.body == "until the end");
            CHECK(client.idle_connections() == 0);
            co_return 0;
        });
    }
}

TEST_CASE("size limits and truncation are typed errors", "[http]")
{
    SECTION("Content-Length above the body limit fails before reading")
    {
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            co_await c.read_request();
            co_await c.write(http_response(200, std::string(2000, 'x')));
        });
        auto options = fast_options();
        options.limits.max_body_bytes = 1000;
        auto const e = capture_error<MalformedResponseError>([&] {
            with_client(server, options, [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
                co_await client.send(ep, get("/big"));
                co_return 0;
            });
        });
        CHECK(e.code() == errc::body_too_large);
        CHECK_THAT(e.what(), Catch::Contains("Content-Length 2000 exceeds the limit of 1000 bytes"));
    }
    SECTION("a chunked body growing past the limit")
    {
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            co_await c.read_request();
            co_await c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 10; ++i)
                co_await c.write("100\r\n" + std::string(256, 'y') + "\r\n");
            co_await c.write("0\r\n\r\n");
        });
        auto options = fast_options();
        options.limits.max_body_bytes = 1000;
        auto const e = capture_error<MalformedResponseError>([&] {
            with_client(server, options, [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
                co_await client.send(ep, get("/big"));
                co_return 0;
            });
        });
        CHECK(e.code() == errc::body_too_large);
    }
    SECTION("oversized response headers")
    {
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            co_await c.read_request();
            co_await c.write(http_response(200, "{}", "application/json",
                                           "X-Padding: " + std::string(4000, 'p') + "\r\n"));
        });
        auto options = fast_options();
        options.limits.max_header_bytes = 1024;
        auto const e = capture_error<MalformedResponseError>([&] {
            with_client(server, options, [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
                co_await client.send(ep, get("/"));
                co_return 0;
            });
        });
        CHECK(e.code() == errc::body_too_large);
    }
    SECTION("the server closing mid-body")
    {
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            co_await c.read_request();
            co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
            c.close();
        });
        auto const e = capture_error<MalformedResponseError>([&] {
            with_client(server, fast_options(), [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
                co_await client.send(ep, get("/"));
                co_return 0;
            });
        });
        CHECK(e.code() == errc::stream_truncated);
        CHECK_THAT(e.what(), Catch::Contains("closed the connection before the body ended"));
    }
    SECTION("a chunked stream cut before its last chunk")
    {
        ScriptedServer server([](ServerConnection& c) -> asio::awaitable<void> {
            co_await c.read_request();
            co_await c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            c.close();
        });
        std::string received;
        auto const e = capture_error<MalformedResponseError>([&] {
            with_client(server, fast_options(), [&](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
                auto stream = co_await client.open(ep, get("/"));
                while (auto slice = co_await stream.read_some())
                    received += *slice;
                co_return 0;
            });
        });
        CHECK(e.code() == errc::stream_truncated);
        CHECK(received == "hello");
    }
}

TEST_CASE("TLS verifies certificates by default", "[http][tls]")
{
    std::string const dir = LLMIO_TEST_DATA_DIR "/tls/";
    ScriptedServer server(serve_ok, dir + "server.crt", dir + "server.key");
    auto const url = "https://127.0.0.1:" + std::to_string(server.port());
    auto fetch = [&](HttpOptions options) {
        return run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::string> {
            HttpClient client(ex, options);
            co_return (co_await client.send(Endpoint::parse(url), get("/v1/models"))).body;
        });
    };

    SECTION("a self-signed certificate is rejected")
    {
        auto const e = capture_error<NetworkError>([&] { fetch(fast_options()); });
        CHECK(e.code() == errc::tls_error);
    }
    SECTION("accepted when its CA file is configured")
    {
        auto options = fast_options();
        options.tls.ca_file = dir + "server.crt";
        CHECK(fetch(options) == R"({"ok":true})");
    }
    SECTION("accepted when verification is explicitly off")
    {
        auto options = fast_options();
        options.tls.verify_peer = false;
        CHECK(fetch(options) == R"({"ok":true})");
    }
    SECTION("a missing CA file is a clear error")
    {
        auto options = fast_options();
        options.tls.ca_file = dir + "does-not-exist.pem";
        auto const e = capture_error<NetworkError>([&] { fetch(options); });
        CHECK(e.code() == errc::tls_error);
        CHECK_THAT(e.what(), Catch::Contains("does-not-exist.pem"));
    }
}

TEST_CASE("the concurrency limit holds and queued requests time out", "[http]")
{
    std::atomic<ScriptedServer*> self{nullptr};
    ScriptedServer server([&](ServerConnection& c) -> asio::awaitable<void> {
        while (auto request = co_await c.read_request()) {
            self.load()->enter();
            co_await c.sleep(40ms);
            self.load()->leave();
            co_await c.write(http_response(200, "done"));
        }
    });
    self = &server;

    SECTION("never more than the limit in flight, all served in the end")
    {
        auto options = fast_options();
        options.concurrency.max_in_flight = 2;
        auto const results = with_client(server, options, [](HttpClient& client, Endpoint const& ep)
                                                              -> asio::awaitable<std::vector<std::string>> {
            using namespace asio::experimental::awaitable_operators;
            auto one = [&]() -> asio::awaitable<std::string> {
                co_return (co_await client.send(ep, get("/"))).body;
            };
            auto [a, b, c, d, e, f] = co_await (one() && one() && one() && one() && one() && one());
            co_return std::vector<std::string>{a, b, c, d, e, f};
        });
        CHECK(results == std::vector<std::string>(6, "done"));
        CHECK(server.max_in_flight() == 2);
    }
    SECTION("a request that waits longer than the queue timeout fails")
    {
        auto options = fast_options();
        options.concurrency.max_in_flight = 1;
        options.concurrency.queue_timeout = 10ms;
        auto const e = capture_error<TimeoutError>([&] {
            with_client(server, options, [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
                // The first request holds the only slot for 40 ms; the second gives up at 10 ms.
                // The client must outlive the first request, so wait for it before leaving.
                auto ex = co_await asio::this_coro::executor;
                asio::steady_timer first_done(ex, std::chrono::steady_clock::time_point::max());
                asio::co_spawn(ex, client.send(ep, get("/")),
                               [&](std::exception_ptr, HttpResponse) { first_done.cancel(); });
                asio::steady_timer t(ex, 5ms);
                co_await t.async_wait(asio::use_awaitable);
                std::exception_ptr second;
                try {
                    co_await client.send(ep, get("/"));
                } catch (...) {
                    second = std::current_exception();
                }
                co_await first_done.async_wait(asio::as_tuple(asio::use_awaitable));
                if (second)
                    std::rethrow_exception(second);
                co_return 0;
            });
        });
        CHECK(e.code() == errc::queue_timeout);
    }
}

TEST_CASE("the logger never sees secrets", "[http]")
{
    ScriptedServer server(serve_ok);
    std::vector<std::string> lines;
    std::mutex m;
    auto options = fast_options();
    options.logger = [&](LogLevel, std::string_view line) {
        std::lock_guard lock(m);
        lines.emplace_back(line);
    };
    with_client(server, options, [](HttpClient& client, Endpoint const& ep) -> asio::awaitable<int> {
        auto request = get("/v1/models");
        request.headers.push_back({"Authorization", "Bearer sk-secret-123", true});
        co_await client.send(ep, request);
        co_return 0;
    });
    REQUIRE_FALSE(lines.empty());
    for (auto const& line : lines)
        CHECK_THAT(line, !Catch::Contains("sk-secret-123"));
    CHECK_THAT(lines.front(), Catch::Contains("GET http://127.0.0.1:") && Catch::Contains("/v1/models -> 200"));
}

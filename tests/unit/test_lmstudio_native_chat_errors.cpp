// Errors from LM Studio's native /api/v1/chat name the provider like every other error, also
// those raised below the provider (framing limits, the transport).

#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>

#include <catch2/catch.hpp>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::ScriptedServer;
using test::ServerConnection;

namespace {

// /api/v1/models for the native-API probe, then a chat stream whose first event is 4 KB long.
asio::awaitable<void> serve_long_event(ServerConnection& c)
{
    for (int request = 0; request < 4; ++request) {
        auto r = co_await c.read_request();
        if (!r)
            co_return;
        if (r->target() == "/api/v1/models") {
            co_await c.write(test::http_response(200, R"({"models":[]})"));
            continue;
        }
        std::string const event = "event: message.delta\ndata: {\"type\":\"message.delta\",\"content\":\"" +
                                  std::string(4096, 'x') + "\"}\n\n";
        co_await c.write(test::http_response(200, event, "text/event-stream"));
        co_await c.wait_for_client_close(5s);
        co_return;
    }
}

} // namespace

TEST_CASE("lmstudio native chat: errors from below the provider name it", "[lmstudio][native_chat]")
{
    ScriptedServer server(serve_long_event);
    lmstudio::Options o;
    o.base_url = server.base_url();
    o.retry = RetryPolicy::none();
    o.http.limits.max_line_bytes = 1024;
    try {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
            lmstudio::Provider provider(ex, o);
            lmstudio::NativeChatRequest request;
            request.model = "m";
            request.input = "hi";
            co_return co_await provider.native_chat(request);
        });
        FAIL("no exception");
    } catch (MalformedResponseError const& e) {
        CHECK(e.code() == errc::body_too_large);
        CHECK(e.provider() == "lmstudio");
        CHECK(std::string(e.what()) == "response exceeds the configured size limit (provider lmstudio; an "
                                       "/api/v1/chat event exceeds Limits::max_line_bytes)");
    }
}

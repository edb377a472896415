// The Ollama provider against the Ollama emulator: model management (pull progress, load and
// unload via keep_alive), errors in Ollama's shapes, tool-call round trips, server info.

#include "support/ollama_fixture.hpp"

#include <llmio/error.hpp>
#include <llmio/model_manager.hpp>
#include <llmio/ollama/provider.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <chrono>

using namespace llmio;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

struct Harness {
    test::OllamaEmulatorFixture emulator;
    asio::io_context io;
    ollama::OllamaProvider provider{io.get_executor(), options()};

    ollama::Options options()
    {
        ollama::Options o;
        o.base_url = emulator.server.base_url();
        o.retry = RetryPolicy::none();
        return o;
    }

    template <class T>
    T run(asio::awaitable<T> op)
    {
        auto f = asio::co_spawn(io, std::move(op), asio::use_future);
        io.restart();
        io.run();
        return f.get();
    }
    void run(asio::awaitable<void> op)
    {
        auto f = asio::co_spawn(io, std::move(op), asio::use_future);
        io.restart();
        io.run();
        f.get();
    }
    json::value last_body() { return json::parse(emulator.server.last_request()->body); }
};

ChatRequest ask(std::string model, std::string text)
{
    ChatRequest r;
    r.model = std::move(model);
    r.messages.push_back(Message::user(std::move(text)));
    return r;
}

// What a cancelled pull reported, and when it was cancelled.
struct PullWatch {
    std::vector<std::string> statuses;
    std::size_t seen_at_cancel = 0;
    std::chrono::steady_clock::time_point cancelled_at{};
};

enum class CancelFrom { timer, callback };

// Pulls `model` and cancels the pull once `cancel_after` progress lines were reported: either
// from a timer 20 ms later (the pull is then waiting for the next line) or synchronously from
// inside the progress callback (more lines of the same slice may be waiting to be reported).
asio::awaitable<void> pull_and_cancel(LocalModelManager& manager, std::string model, std::size_t cancel_after,
                                      CancelFrom from, PullWatch& watch)
{
    auto ex = co_await asio::this_coro::executor;
    asio::cancellation_signal signal;
    asio::steady_timer timer(ex);
    auto cancel = [&watch, &signal] {
        watch.seen_at_cancel = watch.statuses.size();
        watch.cancelled_at = std::chrono::steady_clock::now();
        signal.emit(asio::cancellation_type::terminal);
    };
    auto on_progress = [&, cancel_after, from](DownloadProgress const& p) {
        watch.statuses.push_back(p.status);
        if (watch.statuses.size() != cancel_after)
            return;
        if (from == CancelFrom::callback) {
            cancel();
            return;
        }
        timer.expires_after(std::chrono::milliseconds(20));
        timer.async_wait([cancel](boost::system::error_code ec) {
            if (!ec)
                cancel();
        });
    };
    co_await asio::co_spawn(ex, manager.download(std::move(model), on_progress),
                            asio::bind_cancellation_slot(signal.slot(), asio::use_awaitable));
}

} // namespace

TEST_CASE("ollama: the former Options::host still places the server, and base_url wins over it", "[ollama][config]")
{
    test::OllamaEmulatorFixture emulator;
    asio::io_context io;
    auto const base_url_of = [&](ollama::Options const& o) {
        ollama::OllamaProvider provider(io.get_executor(), o);
        auto f = asio::co_spawn(io, provider.info(), asio::use_future);
        io.restart();
        io.run();
        return f.get().base_url;
    };
    ollama::Options former;
    former.host = emulator.server.base_url();
    CHECK(base_url_of(former) == emulator.server.base_url());

    ollama::Options both = former;
    both.host = "127.0.0.1:9"; // nothing listens there: only base_url may be used
    both.base_url = emulator.server.base_url();
    both.retry = RetryPolicy::none();
    CHECK(base_url_of(both) == emulator.server.base_url());
}

TEST_CASE("ollama: cancelling a pull stops it, closes the connection and leaves the provider usable", "[ollama]")
{
    Harness h;
    auto* manager = h.provider.model_manager();
    REQUIRE(manager != nullptr);
    PullWatch watch;

    SECTION("cancelled while waiting for the next progress line")
    {
        // The server sends three lines, then stalls (a slow download) until the client leaves.
        h.emulator.server.faults().add(emulators::Fault::stall_after(3).on("/api/pull"));
        try {
            h.run(pull_and_cancel(*manager, "tinyllama", 3, CancelFrom::timer, watch));
            FAIL("no error");
        } catch (CancelledError const& e) {
            CHECK(e.code() == errc::cancelled);
        }
        auto const reaction = std::chrono::steady_clock::now() - watch.cancelled_at;
        CHECK(reaction < std::chrono::seconds(30)); // not an idle timeout (2 minutes)
        CHECK(watch.seen_at_cancel == 3);
        // Ollama stops a pull when its client disconnects.
        CHECK(h.emulator.server.wait_for_client_closes(1, std::chrono::seconds(10)));
    }
    SECTION("cancelled from inside the progress callback")
    {
        // Three lines arrive (likely in one slice), then the pull is still running.
        h.emulator.server.faults().add(emulators::Fault::stall_after(3).on("/api/pull"));
        try {
            h.run(pull_and_cancel(*manager, "tinyllama", 2, CancelFrom::callback, watch));
            FAIL("no error");
        } catch (CancelledError const& e) {
            CHECK(e.code() == errc::cancelled);
        }
        CHECK(watch.seen_at_cancel == 2);
    }
    // Nothing was reported after the cancel.
    CHECK(watch.statuses.size() == watch.seen_at_cancel);
    REQUIRE_FALSE(watch.statuses.empty());
    CHECK(watch.statuses.front() == "pulling manifest");
    for (std::size_t i = 1; i < watch.statuses.size(); ++i)
        CHECK(watch.statuses[i].rfind("pulling ", 0) == 0);
    CHECK(h.provider.transport().client().idle_connections() == 0);

    // The next calls work: the same pull to the end, then a chat.
    std::size_t lines = 0;
    auto result = h.run(manager->download("tinyllama", [&](DownloadProgress const&) { ++lines; }));
    CHECK(result.status == "success");
    CHECK(lines == 10);
    auto reply = h.run(h.provider.chat(ask("tinyllama", "hello there")));
    CHECK(reply.content == "Hello! You said: hello there");
}

TEST_CASE("ollama: download follows pull progress to success and the model appears", "[ollama]")
{
    Harness h;
    auto* manager = h.provider.model_manager();
    REQUIRE(manager != nullptr);
    std::vector<DownloadProgress> seen;
    auto result = h.run(manager->download("tinyllama", [&](DownloadProgress const& p) { seen.push_back(p); }));
    CHECK(result.status == "success");
    CHECK(result.model == "tinyllama");
    REQUIRE(seen.size() == 10);
    CHECK(seen.front().status == "pulling manifest");
    CHECK(seen.back().status == "success");
    CHECK(seen.back().total_bytes == 637700138);
    CHECK(seen.back().completed_bytes == 637700138);
    for (std::size_t i = 1; i < seen.size(); ++i)
        CHECK(seen[i].completed_bytes >= seen[i - 1].completed_bytes);
    CHECK(h.last_body() == json::parse(R"({"model":"tinyllama","stream":true})"));
    auto models = h.run(manager->list_downloaded());
    CHECK(std::any_of(models.begin(), models.end(), [](ModelInfo const& m) { return m.id == "tinyllama:latest"; }));

    // A model the registry does not have: the error line inside the 200 stream is typed.
    try {
        h.run(manager->download("nonexistent", {}));
        FAIL("no error");
    } catch (ModelNotFoundError const& e) {
        CHECK(e.http_status() == 200);
        CHECK(e.server_message() == "pull model manifest: file does not exist");
        CHECK(e.provider() == "ollama");
    }
}

TEST_CASE("ollama: load and unload through keep_alive, list_loaded from /api/ps", "[ollama]")
{
    Harness h;
    auto* manager = h.provider.model_manager();
    CHECK(h.run(manager->list_loaded()).empty());

    LoadOptions options;
    options.ttl = std::chrono::seconds(600);
    auto loaded = h.run(manager->load("llama3.2", options));
    CHECK(loaded.model == "llama3.2");
    CHECK(loaded.load_time_seconds == Approx(0.5));
    CHECK(loaded.raw.at("done_reason") == "load");
    CHECK(h.emulator.server.last_request()->target == "/api/generate");
    CHECK(h.last_body() == json::parse(R"({"model":"llama3.2","keep_alive":"600s"})"));

    auto ps = h.run(manager->list_loaded());
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].id == "llama3.2:latest");
    CHECK(ps[0].loaded);
    CHECK(ps[0].loaded_context_length == 4096);
    CHECK(ps[0].raw.at("size_vram") == 2019393189);
    CHECK(ps[0].raw.at("expires_at") == "2026-01-01T00:10:00Z");

    h.run(manager->unload("llama3.2"));
    CHECK(h.last_body() == json::parse(R"({"model":"llama3.2","keep_alive":0})"));
    CHECK(h.run(manager->list_loaded()).empty());
    CHECK(h.emulator.dialect->loaded().empty());

    try {
        h.run(manager->load("nope", {}));
        FAIL("no error");
    } catch (ModelNotFoundError const& e) {
        CHECK(e.http_status() == 404);
        CHECK(e.server_message() == "model 'nope' not found");
        CHECK(e.hint() == "pull it: ollama pull nope");
    }
}

TEST_CASE("ollama: tool calls round-trip as objects on the wire and JSON text in llmio", "[ollama]")
{
    Harness h;
    auto request = ask("llama3.2", "Weather in Paris? Use get_weather.");
    request.tools.push_back(ToolDefinition{
        "get_weather", "", json::parse(R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})").as_object(),
        std::nullopt});
    auto first = h.run(h.provider.chat(request));
    REQUIRE(first.tool_calls.size() == 1);
    CHECK(first.tool_calls[0].name == "get_weather");
    CHECK(first.tool_calls[0].arguments == R"({"city":"sample city"})");
    CHECK(first.finish_reason == FinishReason::tool_calls);
    CHECK(h.last_body().at("stream") == false);

    request.messages.push_back(first.to_message());
    request.messages.push_back(Message::tool_result(first.tool_calls[0].id, "11 degrees"));
    auto second = h.run(h.provider.chat(request));
    CHECK(second.content == "get_weather returned 11 degrees.");
    auto const sent = h.last_body();
    CHECK(sent.at("messages").at(1).at("tool_calls").at(0).at("function").at("arguments") ==
          json::object{{"city", "sample city"}});
    CHECK(sent.at("messages").at(2).at("tool_name") == "get_weather");
}

TEST_CASE("ollama: thinking, capabilities, info, health and Ollama's errors", "[ollama]")
{
    Harness h;
    auto thought = h.run(h.provider.chat(ask("qwen3", "Why is the sky blue?")));
    CHECK(thought.reasoning == "Thinking about: Why is the sky blue?");
    CHECK(thought.content == "Hello! You said: Why is the sky blue?");
    REQUIRE(thought.stats);
    CHECK(thought.stats->tokens_per_second.has_value());

    auto no_think = ask("llama3.2", "hi");
    no_think.reasoning_effort = "high";
    try {
        h.run(h.provider.chat(no_think));
        FAIL("no error");
    } catch (InvalidRequestError const& e) {
        CHECK(e.http_status() == 400);
        CHECK(e.server_message() == "\"llama3.2\" does not support thinking");
    }
    try {
        h.run(h.provider.chat(ask("missing-model", "hi")));
        FAIL("no error");
    } catch (ModelNotFoundError const& e) {
        CHECK(e.provider() == "ollama");
        CHECK(e.hint() == "pull it: ollama pull missing-model");
    }

    auto caps = h.run(h.provider.model_capabilities("qwen3"));
    REQUIRE(caps);
    CHECK(caps->context_length == 40960);
    CHECK(caps->reasoning == true);
    CHECK(caps->tool_use == true);
    CHECK(h.run(h.provider.model_capabilities("unknown")) == std::nullopt);
    CHECK(h.run(h.provider.supports_model("llava")));
    CHECK_FALSE(h.run(h.provider.supports_model("llava:13b")));

    auto info = h.run(h.provider.info());
    CHECK(info.kind == "ollama");
    CHECK(info.version == "0.12.3");
    CHECK(info.model_count == 4);
    auto health = h.run(h.provider.health());
    CHECK(health.ok);
    CHECK(health.detail == "Ollama 0.12.3");
}

TEST_CASE("ollama: a stream ending without done:true is truncated", "[ollama]")
{
    Harness h;
    emulators::Fault f;
    f.omit_done = true;
    h.emulator.server.faults().add(f.on("/api/chat"));
    try {
        h.run([&]() -> asio::awaitable<void> {
            auto stream = co_await h.provider.chat_stream(ask("llama3.2", "one two three"));
            while (co_await stream.next()) {
            }
        }());
        FAIL("no error");
    } catch (MalformedResponseError const& e) {
        CHECK(e.code() == errc::stream_truncated);
    }
}

TEST_CASE("ollama emulator: GET / says Ollama is running, and unknown routes are Go's 404", "[ollama]")
{
    Harness h;
    using boost::beast::http::verb;
    auto& t = h.provider.transport();
    auto root = h.run(t.send(t.json_request(verb::get, "/"), {}));
    CHECK(root.status == 200);
    CHECK(root.body == "Ollama is running");
    // HEAD / (what `ollama` itself uses to check a server): headers only, on the same connection.
    auto head = h.run(t.send(t.json_request(verb::head, "/"), {}));
    CHECK(head.status == 200);
    CHECK(head.header("Content-Length") == "17");
    CHECK(head.body.empty());
    CHECK(h.emulator.server.last_request()->method == "HEAD");
    CHECK(h.emulator.server.accepted_connections() == 1);
    try {
        h.run(t.send(t.json_request(verb::get, "/api/nothing"), {}));
        FAIL("no error");
    } catch (InvalidRequestError const& e) {
        CHECK(e.http_status() == 404);
        CHECK(e.server_message() == "404 page not found");
    }
}

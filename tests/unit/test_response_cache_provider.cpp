// CachingProvider against the OpenAI emulator on 127.0.0.1: hits and misses per mode with the
// exact content, streams replayed chunk for chunk, nothing stored for errors, cancellations and
// truncated or closed streams, TTL on an injected clock, single flight, and a Router behind it.

#include <llmio/caching_provider.hpp>

#include "support/emulator_fixture.hpp"
#include "support/expect_error.hpp"
#include "support/run_async.hpp"

#include <llmio/chat_stream.hpp>
#include <llmio/error.hpp>
#include <llmio/openai/provider.hpp>
#include <llmio/router.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using emulators::Fault;
using test::expect_error;

namespace {

constexpr char const* kModel = "gpt-4o-mini";
constexpr char const* kChatPath = "/v1/chat/completions";

std::shared_ptr<ModelProvider> openai_at(asio::any_io_executor ex, std::string base_url, std::string name = "openai")
{
    openai::Options o;
    o.base_url = std::move(base_url);
    o.name = std::move(name);
    o.retry = RetryPolicy::none();
    o.include_usage = true;
    return std::make_shared<openai::OpenAICompatibleProvider>(std::move(ex), std::move(o));
}

ChatRequest ask(std::string text, std::optional<double> temperature = 0.0)
{
    ChatRequest r;
    r.model = kModel;
    r.messages.push_back(Message::user(std::move(text)));
    r.temperature = temperature;
    return r;
}

std::size_t received(emulators::EmulatorServer const& server, std::string_view path = kChatPath)
{
    std::size_t n = 0;
    for (auto const& r : server.requests())
        n += r.target == path ? 1 : 0;
    return n;
}

struct Streamed {
    std::vector<ChatChunk> chunks;
    ChatResponse result;
};

asio::awaitable<Streamed> drain(ModelProvider& provider, ChatRequest request)
{
    Streamed out;
    auto stream = co_await provider.chat_stream(std::move(request));
    while (auto chunk = co_await stream.next())
        out.chunks.push_back(std::move(*chunk));
    out.result = stream.result();
    co_return out;
}

std::string const kBadRequest = R"({"error":{"message":"temperature must be at most 2","type":"invalid_request_error"}})";

} // namespace

TEST_CASE("caching provider: deterministic mode serves repeats of temperature 0 and seeded chats", "[cache]")
{
    test::OpenAiEmulatorFixture emulator;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        CachingProvider cache(openai_at(ex, emulator.server.base_url()));

        auto const first = co_await cache.chat(ask("hi"));
        CHECK(first.content == "Hello! You said: hi");
        CHECK_FALSE(first.cached);
        auto const second = co_await cache.chat(ask("hi"));
        CHECK(second.cached);
        CHECK(second.content == "Hello! You said: hi");
        auto copy = second;
        copy.cached = false;
        CHECK(copy == first); // every field, the raw body included
        CHECK(received(emulator.server) == 1);

        // Timeouts and retries are not part of the request's identity.
        CallOptions other;
        other.timeouts = http::Timeouts{};
        other.retry = RetryPolicy::none();
        auto const third = co_await cache.chat(ask("hi"), other);
        CHECK(third.cached);
        CHECK(received(emulator.server) == 1);

        // Another question is another entry.
        auto const other_question = co_await cache.chat(ask("bye"));
        CHECK(other_question.content == "Hello! You said: bye");
        CHECK_FALSE(other_question.cached);
        CHECK(received(emulator.server) == 2);

        // A seed makes a sampled request deterministic; no seed and a temperature does not.
        auto seeded = ask("seeded", 0.8);
        seeded.seed = 7;
        co_await cache.chat(seeded);
        auto const seeded_again = co_await cache.chat(seeded);
        CHECK(seeded_again.cached);
        CHECK(received(emulator.server) == 3);
        auto const warm1 = co_await cache.chat(ask("warm", 0.8));
        auto const warm2 = co_await cache.chat(ask("warm", 0.8));
        CHECK_FALSE(warm1.cached);
        CHECK_FALSE(warm2.cached);
        CHECK(warm2.content == "Hello! You said: warm");
        CHECK(received(emulator.server) == 5);

        auto const s = cache.stats();
        CHECK(s.hits == 3);
        CHECK(s.misses == 3);
        CHECK(s.stored == 3);
        CHECK(s.uncached == 2);
    });
}

TEST_CASE("caching provider: always caches sampled chats, off caches nothing", "[cache]")
{
    test::OpenAiEmulatorFixture emulator;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto upstream = openai_at(ex, emulator.server.base_url());
        CachingOptions always;
        always.mode = CacheMode::always;
        CachingProvider all(upstream, always);
        co_await all.chat(ask("warm", 0.8));
        auto const hit = co_await all.chat(ask("warm", 0.8));
        CHECK(hit.cached);
        CHECK(hit.content == "Hello! You said: warm");
        CHECK(received(emulator.server) == 1);

        CachingOptions off;
        off.mode = CacheMode::off;
        CachingProvider none(upstream, off);
        co_await none.chat(ask("cold"));
        auto const again = co_await none.chat(ask("cold"));
        CHECK_FALSE(again.cached);
        CHECK(again.content == "Hello! You said: cold");
        CHECK(received(emulator.server) == 3);
        CHECK(none.stats().uncached == 2);
        auto const stats = co_await none.store().stats();
        CHECK(stats.entries == 0);
    });
}

TEST_CASE("caching provider: bypass, refresh and a per-call TTL on the injected clock", "[cache]")
{
    test::OpenAiEmulatorFixture emulator;
    auto now = std::chrono::steady_clock::time_point{} + 1h;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        MemoryCacheOptions mo;
        mo.clock = [&] { return now; };
        CachingOptions o;
        o.store = std::make_shared<MemoryCacheStore>(mo);
        o.ttl = 60s;
        CachingProvider cache(openai_at(ex, emulator.server.base_url()), o);

        co_await cache.chat(ask("hi"));
        CallOptions bypass;
        bypass.cache.bypass = true;
        auto const bypassed = co_await cache.chat(ask("hi"), bypass);
        CHECK_FALSE(bypassed.cached);
        CHECK(received(emulator.server) == 2);

        CallOptions refresh;
        refresh.cache.refresh = true;
        auto const refreshed = co_await cache.chat(ask("hi"), refresh);
        CHECK_FALSE(refreshed.cached);
        CHECK(received(emulator.server) == 3);
        now += 59s; // the refresh stored its answer anew: 60 s from now
        auto const fresh = co_await cache.chat(ask("hi"));
        CHECK(fresh.cached);
        now += 1s;
        auto const expired = co_await cache.chat(ask("hi"));
        CHECK_FALSE(expired.cached);
        CHECK(received(emulator.server) == 4);

        CallOptions brief;
        brief.cache.ttl = 5s;
        co_await cache.chat(ask("brief"), brief);
        now += 4s;
        auto const still = co_await cache.chat(ask("brief"));
        CHECK(still.cached);
        now += 1s;
        auto const gone = co_await cache.chat(ask("brief"));
        CHECK_FALSE(gone.cached);
        CHECK(received(emulator.server) == 6);
    });
}

TEST_CASE("caching provider: completions and embeddings are cached", "[cache]")
{
    test::OpenAiEmulatorFixture emulator;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        CachingProvider cache(openai_at(ex, emulator.server.base_url()));
        CompletionRequest complete;
        complete.model = kModel;
        complete.prompt = std::string("Once upon");
        complete.temperature = 0;
        auto const first = co_await cache.complete(complete);
        auto const second = co_await cache.complete(complete);
        CHECK_FALSE(first.cached);
        CHECK(second.cached);
        CHECK(second.text() == first.text());
        auto copy = second;
        copy.cached = false;
        CHECK(copy == first);
        CHECK(received(emulator.server, "/v1/completions") == 1);

        // Embeddings are deterministic: cached without a temperature or seed.
        EmbeddingRequest embed;
        embed.model = "text-embedding-3-small";
        embed.input = {"one", "two"};
        auto const e1 = co_await cache.embed(embed);
        auto const e2 = co_await cache.embed(embed);
        CHECK_FALSE(e1.cached);
        CHECK(e2.cached);
        REQUIRE(e2.embeddings.size() == 2);
        CHECK(e2.embeddings == e1.embeddings);
        CHECK(e2.usage == e1.usage);
        CHECK(e2.model == e1.model);
        CHECK(received(emulator.server, "/v1/embeddings") == 1);
    });
}

TEST_CASE("caching provider: a stream is replayed chunk for chunk", "[cache]")
{
    auto config = emulators::OpenAiEmulatorConfig::openai();
    config.reasoning_models = {kModel}; // reasoning deltas too
    test::OpenAiEmulatorFixture emulator(config);

    SECTION("reasoning, content, usage and finish reason")
    {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            CachingProvider cache(openai_at(ex, emulator.server.base_url()));
            auto const live = co_await drain(cache, ask("tell me a longer story please"));
            REQUIRE(live.chunks.size() > 5);
            CHECK_FALSE(live.result.cached);
            CHECK(live.result.content == "Hello! You said: tell me a longer story please");
            CHECK_FALSE(live.result.reasoning.empty());
            CHECK(live.result.usage.has_value());
            CHECK(live.result.finish_reason == FinishReason::stop);

            auto const replay = co_await drain(cache, ask("tell me a longer story please"));
            CHECK(received(emulator.server) == 1);
            CHECK(replay.result.cached);
            REQUIRE(replay.chunks.size() == live.chunks.size());
            for (std::size_t i = 0; i < live.chunks.size(); ++i) {
                INFO("chunk " << i);
                CHECK(replay.chunks[i] == live.chunks[i]);
            }
            auto result = replay.result;
            result.cached = false;
            CHECK(result == live.result);

            // A plain chat of the same request is served from the stream's entry, assembled.
            auto const plain = co_await cache.chat(ask("tell me a longer story please"));
            CHECK(plain.cached);
            CHECK(plain.content == live.result.content);
            CHECK(plain.reasoning == live.result.reasoning);
            CHECK(plain.usage == live.result.usage);
            CHECK(received(emulator.server) == 1);
        });
    }
    SECTION("tool-call deltas")
    {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            CachingProvider cache(openai_at(ex, emulator.server.base_url()));
            auto request = ask("weather in Paris and time in Paris");
            ToolDefinition weather;
            weather.name = "weather";
            weather.parameters = boost::json::parse(R"({"type":"object","properties":{"city":{"type":"string"}}})").as_object();
            ToolDefinition time;
            time.name = "time";
            time.parameters = weather.parameters;
            request.tools = {weather, time};
            auto const live = co_await drain(cache, request);
            REQUIRE(live.result.tool_calls.size() == 2);
            CHECK(live.result.finish_reason == FinishReason::tool_calls);
            auto const replay = co_await drain(cache, request);
            CHECK(replay.result.cached);
            CHECK(replay.chunks == live.chunks);
            CHECK(replay.result.tool_calls == live.result.tool_calls);
            CHECK(received(emulator.server) == 1);
        });
    }
    SECTION("a plain chat's answer replayed as a stream")
    {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            CachingProvider cache(openai_at(ex, emulator.server.base_url()));
            auto const plain = co_await cache.chat(ask("hi"));
            auto const replay = co_await drain(cache, ask("hi"));
            CHECK(replay.result.cached);
            CHECK(replay.result.content == plain.content);
            CHECK(replay.result.reasoning == plain.reasoning);
            CHECK(replay.result.finish_reason == plain.finish_reason);
            CHECK(replay.result.usage == plain.usage);
            CHECK(received(emulator.server) == 1);
        });
    }
}

TEST_CASE("caching provider: nothing is stored for an error, a cancellation or a stream that did not end", "[cache]")
{
    test::OpenAiEmulatorFixture emulator;
    asio::io_context io;
    auto upstream = openai_at(io.get_executor(), emulator.server.base_url());
    CachingProvider cache(upstream);
    auto entries = [&] { return dynamic_cast<MemoryCacheStore&>(cache.store()).snapshot().entries; };
    auto run = [&](auto make) {
        auto future = asio::co_spawn(io, make(), asio::use_future);
        io.restart();
        io.run_for(20s);
        REQUIRE(future.wait_for(0s) == std::future_status::ready);
        return future.get();
    };

    SECTION("an error answer")
    {
        emulator.server.faults().add(Fault::respond(400, kBadRequest).on(kChatPath));
        expect_error<InvalidRequestError>([&] { run([&] { return cache.chat(ask("hi")); }); });
        CHECK(entries() == 0);
        CHECK(run([&] { return cache.chat(ask("hi")); }).cached == false);
        CHECK(run([&] { return cache.chat(ask("hi")); }).cached == true);
        CHECK(received(emulator.server) == 2);
    }
    SECTION("an error answer to a stream")
    {
        emulator.server.faults().add(Fault::respond(400, kBadRequest).on(kChatPath));
        expect_error<InvalidRequestError>([&] { run([&] { return drain(cache, ask("hi")); }); });
        CHECK(entries() == 0);
    }
    SECTION("a cancelled call")
    {
        Fault stall;
        stall.stall_before_headers = true;
        emulator.server.faults().add(std::move(stall).on(kChatPath));
        asio::cancellation_signal signal;
        auto cancelled = [&]() -> asio::awaitable<ChatResponse> {
            asio::post(io, [&] { signal.emit(asio::cancellation_type::terminal); });
            co_return co_await cache.chat(ask("hi"));
        };
        auto future = asio::co_spawn(io, cancelled(), asio::bind_cancellation_slot(signal.slot(), asio::use_future));
        io.restart();
        io.run_for(20s);
        REQUIRE(future.wait_for(0s) == std::future_status::ready);
        expect_error<CancelledError>([&] { future.get(); });
        CHECK(entries() == 0);
        emulator.server.faults().clear(); // unused when the call was cancelled before it was sent
        CHECK(run([&] { return cache.chat(ask("hi")); }).cached == false);
    }
    SECTION("a stream cut after two events")
    {
        emulator.server.faults().add(Fault::drop_after(2).on(kChatPath));
        expect_error<ProviderError>([&] { run([&] { return drain(cache, ask("a long enough question")); }); });
        CHECK(entries() == 0);
        CHECK(run([&] { return cache.chat(ask("a long enough question")); }).cached == false);
        CHECK(received(emulator.server) == 2);
    }
    SECTION("a stream without its terminator")
    {
        Fault truncated;
        truncated.omit_done = true;
        emulator.server.faults().add(std::move(truncated).on(kChatPath));
        auto const e = expect_error<ProviderError>([&] { run([&] { return drain(cache, ask("hi")); }); });
        CHECK(e.code() == errc::stream_truncated);
        CHECK(entries() == 0);
    }
    SECTION("a stream closed by its reader before the end")
    {
        auto first = run([&]() -> asio::awaitable<std::string> {
            auto stream = co_await cache.chat_stream(ask("a long enough question"));
            auto chunk = co_await stream.next();
            co_return chunk ? chunk->content + chunk->reasoning : std::string();
        });
        CHECK_FALSE(first.empty());
        CHECK(entries() == 0);
        auto const full = run([&] { return drain(cache, ask("a long enough question")); });
        CHECK_FALSE(full.result.cached);
        CHECK(entries() == 1);
    }
    io.restart();
    io.run_for(1s); // lets closed connections finish
}

TEST_CASE("caching provider: 50 concurrent identical chats reach the server once", "[cache]")
{
    test::OpenAiEmulatorFixture emulator;
    auto const threads = GENERATE(1, 4);
    INFO(threads << " threads");
    asio::io_context io;
    CachingProvider cache(openai_at(io.get_executor(), emulator.server.base_url()));
    std::vector<std::future<ChatResponse>> chats;
    for (int i = 0; i < 50; ++i)
        chats.push_back(asio::co_spawn(io, cache.chat(ask("hi")), asio::use_future));
    std::vector<std::future<Streamed>> streams;
    for (int i = 0; i < 10; ++i)
        streams.push_back(asio::co_spawn(io, drain(cache, ask("stream")), asio::use_future));
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t)
        pool.emplace_back([&] { io.run_for(20s); });
    io.run_for(20s);
    for (auto& t : pool)
        t.join();

    std::size_t cached = 0;
    for (auto& f : chats) {
        REQUIRE(f.wait_for(0s) == std::future_status::ready);
        auto const answer = f.get();
        CHECK(answer.content == "Hello! You said: hi");
        cached += answer.cached ? 1 : 0;
    }
    CHECK(cached == 49);
    std::vector<ChatChunk> first;
    for (auto& f : streams) {
        REQUIRE(f.wait_for(0s) == std::future_status::ready);
        auto const s = f.get();
        CHECK(s.result.content == "Hello! You said: stream");
        if (first.empty())
            first = s.chunks;
        CHECK(s.chunks == first);
    }
    CHECK(received(emulator.server) == 2);
    auto const stats = cache.stats();
    CHECK(stats.misses == 2);
    CHECK(stats.hits + stats.shared == 58);
}

TEST_CASE("caching provider: a failed leader's error is shared, a cancelled leader's is not", "[cache]")
{
    test::OpenAiEmulatorFixture emulator;
    emulator.server.faults().add(Fault::respond(400, kBadRequest).on(kChatPath));
    asio::io_context io;
    CachingProvider cache(openai_at(io.get_executor(), emulator.server.base_url()));
    std::vector<std::future<ChatResponse>> chats;
    for (int i = 0; i < 5; ++i)
        chats.push_back(asio::co_spawn(io, cache.chat(ask("hi")), asio::use_future));
    io.run_for(20s);
    for (auto& f : chats) {
        REQUIRE(f.wait_for(0s) == std::future_status::ready);
        expect_error<InvalidRequestError>([&] { f.get(); });
    }
    CHECK(received(emulator.server) == 1);
    CHECK(dynamic_cast<MemoryCacheStore&>(cache.store()).snapshot().entries == 0);
}

TEST_CASE("caching provider: over a router", "[cache]")
{
    test::OpenAiEmulatorFixture primary;
    test::OpenAiEmulatorFixture backup;
    primary.server.faults().add(Fault::drop_before_any_byte().on(kChatPath).times(-1));
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        RouterOptions o;
        o.providers = {{"primary", openai_at(ex, primary.server.base_url(), "primary")},
                       {"backup", openai_at(ex, backup.server.base_url(), "backup")}};
        o.routes["coder"].targets = {{{"primary"}, kModel}, {{"backup"}, kModel}};
        o.seed = 1;
        auto router = std::make_shared<Router>(std::move(o));
        CachingProvider cache(router);
        CHECK(cache.name() == "router");

        ChatRequest request = ask("hi");
        request.model = "coder";
        auto const first = co_await cache.chat(request);
        CHECK(first.content == "Hello! You said: hi");
        CHECK_FALSE(first.cached);
        auto const second = co_await cache.chat(request);
        CHECK(second.cached);
        auto const streamed = co_await drain(cache, request);
        CHECK(streamed.result.cached);
        CHECK(streamed.result.content == "Hello! You said: hi");
        CHECK(received(backup.server) == 1);
        CHECK(received(primary.server) <= 1); // tried once at most, then the cache answers
    });
}

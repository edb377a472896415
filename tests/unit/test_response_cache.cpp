// The response cache's stores and keys, without a server: MemoryCacheStore's byte bound (LRU)
// and TTL on an injected clock, and CachingProvider's key (what is in it and what is not).

#include <llmio/caching_provider.hpp>
#include <llmio/response_cache.hpp>

#include "support/emulator_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/openai/provider.hpp>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

using TimePoint = std::chrono::steady_clock::time_point;

std::string bytes(std::size_t n, char c) { return std::string(n, c); }

} // namespace

TEST_CASE("memory store: the byte bound evicts the least recently used entries", "[cache]")
{
    MemoryCacheOptions o;
    o.max_bytes = 300; // key (1 byte) + value (99 bytes) = 100 per entry: three fit
    MemoryCacheStore store(o);
    store.insert("a", bytes(99, 'a'), 0s);
    store.insert("b", bytes(99, 'b'), 0s);
    store.insert("c", bytes(99, 'c'), 0s);
    CHECK(store.snapshot().entries == 3);
    CHECK(store.snapshot().bytes == 300);

    // "a" is used, so "b" is now the least recently used and goes first.
    CHECK(store.lookup("a") == bytes(99, 'a'));
    store.insert("d", bytes(99, 'd'), 0s);
    CHECK_FALSE(store.lookup("b"));
    CHECK(store.lookup("a") == bytes(99, 'a'));
    CHECK(store.lookup("c") == bytes(99, 'c'));
    CHECK(store.lookup("d") == bytes(99, 'd'));
    CHECK(store.snapshot().evictions == 1);

    // A large entry evicts as many as it needs; one larger than the bound is not stored.
    store.insert("e", bytes(199, 'e'), 0s);
    CHECK(store.snapshot().entries == 2);
    CHECK(store.snapshot().bytes == 300);
    CHECK(store.lookup("e") == bytes(199, 'e'));
    CHECK(store.lookup("d") == bytes(99, 'd'));
    store.insert("f", bytes(300, 'f'), 0s);
    CHECK_FALSE(store.lookup("f"));
    CHECK(store.snapshot().bytes <= 300);

    // Replacing a key keeps one entry and counts its new size.
    store.insert("d", bytes(9, 'x'), 0s);
    CHECK(store.lookup("d") == bytes(9, 'x'));
    CHECK(store.snapshot().bytes == 200 + 10);

    auto const s = store.snapshot();
    CHECK(s.hits == 7);
    CHECK(s.misses == 2);
    store.clear_entries();
    CHECK(store.snapshot().entries == 0);
    CHECK(store.snapshot().bytes == 0);
    CHECK_FALSE(store.lookup("e"));
}

TEST_CASE("memory store: an entry expires after its TTL on the injected clock", "[cache]")
{
    TimePoint now = TimePoint{} + 1h;
    MemoryCacheOptions o;
    o.clock = [&] { return now; };
    MemoryCacheStore store(o);
    store.insert("short", "1", 10s);
    store.insert("long", "2", 60s);
    store.insert("forever", "3", 0s);

    now += 9s;
    CHECK(store.lookup("short") == "1");
    now += 1s; // exactly its TTL: gone
    CHECK_FALSE(store.lookup("short"));
    CHECK(store.lookup("long") == "2");
    now += 50s;
    CHECK_FALSE(store.lookup("long"));
    now += 24h * 365;
    CHECK(store.lookup("forever") == "3");

    auto const s = store.snapshot();
    CHECK(s.expirations == 2);
    CHECK(s.entries == 1);
    CHECK(s.bytes == std::string("forever3").size());
}

TEST_CASE("memory store: the awaitable interface is the same store", "[cache]")
{
    auto const found = test::run_async([](asio::any_io_executor) -> asio::awaitable<std::optional<std::string>> {
        MemoryCacheStore store;
        ResponseCacheStore& any = store;
        co_await any.put("k", "value", 0s);
        auto const stats = co_await any.stats();
        CHECK(stats.entries == 1);
        auto value = co_await any.get("k");
        co_await any.clear();
        auto const gone = co_await any.get("k");
        CHECK_FALSE(gone);
        co_return value;
    });
    CHECK(found == "value");
}

TEST_CASE("cache key: object key order never matters, every answer-changing field does", "[cache]")
{
    test::OpenAiEmulatorFixture emulator; // the provider is never called here
    asio::io_context io;
    openai::Options po;
    po.base_url = emulator.server.base_url();
    auto upstream = std::make_shared<openai::OpenAICompatibleProvider>(io.get_executor(), po);
    CachingProvider cache(upstream);

    ChatRequest a;
    a.model = "gpt-4o-mini";
    a.messages = {Message::system("be brief"), Message::user("hi")};
    a.temperature = 0;
    a.extra = boost::json::parse(R"({"top_k": 40, "min_p": {"x": 1, "y": [1, {"b": 2, "a": 1}]}})").as_object();
    ChatRequest b = a;
    b.extra = boost::json::parse(R"({"min_p": {"y": [1, {"a": 1, "b": 2}], "x": 1}, "top_k": 40})").as_object();
    CHECK(cache.key(a) == cache.key(b));
    CHECK(cache.key(a).size() == 64);

    ToolDefinition tool;
    tool.name = "get_weather";
    tool.parameters = boost::json::parse(R"({"type":"object","properties":{"city":{"type":"string"}}})").as_object();
    a.tools = {tool};
    tool.parameters = boost::json::parse(R"({"properties":{"city":{"type":"string"}},"type":"object"})").as_object();
    b.tools = {tool};
    CHECK(cache.key(a) == cache.key(b));

    // Reasoning text of earlier turns is not sent to servers, so it is not in the key.
    auto with_reasoning = a;
    with_reasoning.messages[0].reasoning = "thinking";
    CHECK(cache.key(with_reasoning) == cache.key(a));

    // Each of these changes the answer, so it changes the key.
    auto differs = [&](auto change) {
        ChatRequest c = a;
        change(c);
        return cache.key(c) != cache.key(a);
    };
    CHECK(differs([](ChatRequest& c) { c.model = "other"; }));
    CHECK(differs([](ChatRequest& c) { c.messages[1].content = "hello"; }));
    CHECK(differs([](ChatRequest& c) { c.messages[1].role = Role::assistant; }));
    CHECK(differs([](ChatRequest& c) { c.temperature = 0.5; }));
    CHECK(differs([](ChatRequest& c) { c.temperature.reset(); }));
    CHECK(differs([](ChatRequest& c) { c.top_p = 0.9; }));
    CHECK(differs([](ChatRequest& c) { c.max_tokens = 16; }));
    CHECK(differs([](ChatRequest& c) { c.stop = {"\n"}; }));
    CHECK(differs([](ChatRequest& c) { c.seed = 1; }));
    CHECK(differs([](ChatRequest& c) { c.presence_penalty = 1; }));
    CHECK(differs([](ChatRequest& c) { c.tools.clear(); }));
    CHECK(differs([](ChatRequest& c) { c.tool_choice = ToolChoice::required(); }));
    CHECK(differs([](ChatRequest& c) { c.response_format = ResponseFormat::json_object(); }));
    CHECK(differs([](ChatRequest& c) { c.extra["top_k"] = 41; }));
    CHECK(differs([](ChatRequest& c) { c.extra.erase("top_k"); }));

    // The scope tells upstreams apart: a second cache over another server keys differently.
    CachingOptions other;
    other.scope = "http://elsewhere:1234/v1";
    CachingProvider elsewhere(upstream, other);
    CHECK(elsewhere.key(a) != cache.key(a));

    // Operations do not share keys.
    CompletionRequest complete;
    complete.model = "gpt-4o-mini";
    complete.prompt = std::string("hi");
    EmbeddingRequest embed;
    embed.model = "gpt-4o-mini";
    embed.input = {"hi"};
    CHECK(cache.key(complete) != cache.key(embed));
    auto complete2 = complete;
    complete2.extra = boost::json::parse(R"({"b":1,"a":2})").as_object();
    auto complete3 = complete;
    complete3.extra = boost::json::parse(R"({"a":2,"b":1})").as_object();
    CHECK(cache.key(complete2) == cache.key(complete3));
    CHECK(cache.key(complete2) != cache.key(complete));
}

TEST_CASE("cache modes: what each mode considers cacheable, and the per-call controls", "[cache]")
{
    test::OpenAiEmulatorFixture emulator;
    asio::io_context io;
    openai::Options po;
    po.base_url = emulator.server.base_url();
    auto upstream = std::make_shared<openai::OpenAICompatibleProvider>(io.get_executor(), po);
    ChatRequest warm;
    warm.temperature = 0.7;
    ChatRequest cold;
    cold.temperature = 0;
    ChatRequest seeded;
    seeded.seed = 42;
    ChatRequest unset;
    EmbeddingRequest embed;

    CachingProvider deterministic(upstream);
    CHECK(deterministic.cacheable(cold, {}));
    CHECK(deterministic.cacheable(seeded, {}));
    CHECK_FALSE(deterministic.cacheable(warm, {}));
    CHECK_FALSE(deterministic.cacheable(unset, {}));
    CHECK(deterministic.cacheable(embed, {}));
    CacheControl bypass;
    bypass.bypass = true;
    CHECK_FALSE(deterministic.cacheable(cold, bypass));
    CHECK_FALSE(deterministic.cacheable(embed, bypass));

    CachingOptions always;
    always.mode = CacheMode::always;
    CachingProvider all(upstream, always);
    CHECK(all.cacheable(warm, {}));
    CHECK(all.cacheable(unset, {}));

    CachingOptions off;
    off.mode = CacheMode::off;
    CachingProvider none(upstream, off);
    CHECK_FALSE(none.cacheable(cold, {}));
    CHECK_FALSE(none.cacheable(embed, {}));

    CHECK(cache_mode_from_string("always") == CacheMode::always);
    CHECK(cache_mode_from_string("deterministic") == CacheMode::deterministic);
    CHECK(cache_mode_from_string("off") == CacheMode::off);
    CHECK_FALSE(cache_mode_from_string("sometimes"));
    CHECK(to_string(CacheMode::always) == "always");
}

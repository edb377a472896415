// supports_model / model_capabilities of the LM Studio and OpenAI-compatible providers answer
// from their ModelCache: the tests count the HTTP requests the emulators receive.

#include "support/emulator_fixture.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/openai/provider.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <tuple>

using namespace llmio;
using namespace boost::asio::experimental::awaitable_operators;
namespace asio = boost::asio;

namespace {

constexpr char const* kQwen = "qwen2.5-7b-instruct";

std::size_t count_get(emulators::EmulatorServer const& server, std::string const& target)
{
    auto const log = server.requests();
    return static_cast<std::size_t>(std::count_if(log.begin(), log.end(), [&](auto const& r) {
        return r.method == "GET" && r.target == target;
    }));
}

lmstudio::Options lmstudio_options(test::LmStudioEmulatorFixture const& emulator)
{
    lmstudio::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    o.download_poll_interval = std::chrono::milliseconds(1);
    return o;
}

openai::Options openai_options(test::OpenAiEmulatorFixture const& emulator)
{
    openai::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    return o;
}

// Slows the next model list down so that concurrent callers overlap with its fetch.
void slow_next_list(emulators::EmulatorServer& server, std::string path)
{
    emulators::Fault f;
    f.path = std::move(path);
    f.delay_before_headers = std::chrono::milliseconds(150);
    server.faults().add(f);
}

ChatRequest prompt(std::string model)
{
    ChatRequest r;
    r.model = std::move(model);
    r.messages = {Message::user("hello")};
    return r;
}

// Four calls at once; returns how many said yes.
asio::awaitable<int> four_at_once(ModelProvider& p, std::string model)
{
    auto [a, b, c, d] = co_await (p.supports_model(model) && p.supports_model(model) &&
                                  p.supports_model(model) && p.supports_model(model));
    co_return int(a) + int(b) + int(c) + int(d);
}

asio::awaitable<bool> fails_with_model_not_found(ModelProvider& p, std::string model)
{
    try {
        co_await p.chat(prompt(std::move(model)));
    } catch (ModelNotFoundError const&) {
        co_return true;
    }
    co_return false;
}

} // namespace

TEST_CASE("model cache: concurrent supports_model calls cause one listing (lmstudio)", "[lmstudio][model_cache]")
{
    test::LmStudioEmulatorFixture emulator;
    auto const o = lmstudio_options(emulator);
    auto counts = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::tuple<int, std::size_t, int, std::size_t>> {
        lmstudio::Provider provider(ex, o);
        co_await provider.native_api(); // the probe is not what this test counts
        emulator.server.clear_requests();
        slow_next_list(emulator.server, "/api/v1/models");
        auto const first = co_await four_at_once(provider, kQwen);
        auto const after_first = count_get(emulator.server, "/api/v1/models");
        auto const second = co_await four_at_once(provider, kQwen); // fresh: no request
        co_return std::tuple{first, after_first, second, count_get(emulator.server, "/api/v1/models")};
    });
    CHECK(std::get<0>(counts) == 4);
    CHECK(std::get<1>(counts) == 1);
    CHECK(std::get<2>(counts) == 4);
    CHECK(std::get<3>(counts) == 1);
}

TEST_CASE("model cache: a miss refreshes once before answering (lmstudio)", "[lmstudio][model_cache]")
{
    test::LmStudioEmulatorFixture emulator;
    auto const o = lmstudio_options(emulator);
    struct Seen {
        bool before = true, nope = true, after = false;
        std::size_t lists_for_nope = 0, lists_for_new = 0;
        std::optional<ModelCapabilities> caps;
    };
    auto seen = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<Seen> {
        lmstudio::Provider watcher(ex, o);
        lmstudio::Provider other(ex, o); // changes the server behind watcher's back
        Seen s;
        s.before = co_await watcher.supports_model("openai/gpt-oss-20b");
        emulator.server.clear_requests();
        s.nope = co_await watcher.supports_model("nope");
        s.lists_for_nope = count_get(emulator.server, "/api/v1/models");
        co_await other.model_manager()->download("openai/gpt-oss-20b", {});
        emulator.server.clear_requests();
        s.after = co_await watcher.supports_model("openai/gpt-oss-20b");
        s.lists_for_new = count_get(emulator.server, "/api/v1/models");
        s.caps = co_await watcher.model_capabilities("openai/gpt-oss-20b"); // now a hit
        co_return s;
    });
    CHECK_FALSE(seen.before);
    CHECK_FALSE(seen.nope);
    CHECK(seen.lists_for_nope == 1);
    CHECK(seen.after);
    CHECK(seen.lists_for_new == 1);
    REQUIRE(seen.caps);
    CHECK(seen.caps->context_length == 131072);
    CHECK(count_get(emulator.server, "/api/v1/models") == 1);
}

TEST_CASE("model cache: ModelNotFoundError and our own load and unload invalidate it (lmstudio)",
          "[lmstudio][model_cache]")
{
    test::LmStudioEmulatorFixture emulator;
    auto const o = lmstudio_options(emulator);
    struct Seen {
        bool not_found = false;
        std::size_t after_error = 0, after_load = 0, after_unload = 0, after_download = 0;
        std::optional<std::int64_t> loaded_context;
    };
    auto seen = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<Seen> {
        lmstudio::Provider provider(ex, o);
        Seen s;
        co_await provider.supports_model(kQwen);
        emulator.server.clear_requests();
        s.not_found = co_await fails_with_model_not_found(provider, "no-such-model");
        co_await provider.supports_model(kQwen);
        s.after_error = count_get(emulator.server, "/api/v1/models");

        emulator.server.clear_requests();
        LoadOptions load;
        load.context_length = 8192;
        co_await provider.model_manager()->load("deepseek-r1-reasoner", load);
        auto const caps = co_await provider.model_capabilities("deepseek-r1-reasoner");
        s.after_load = count_get(emulator.server, "/api/v1/models");
        auto const models = co_await provider.model_cache().models();
        for (auto const& m : models)
            if (m.id == "deepseek-r1-reasoner")
                s.loaded_context = m.loaded_context_length;
        (void)caps;

        co_await provider.model_manager()->unload("deepseek-r1-reasoner"); // lists to find instances
        emulator.server.clear_requests();
        co_await provider.supports_model(kQwen);
        s.after_unload = count_get(emulator.server, "/api/v1/models");

        co_await provider.model_manager()->download("openai/gpt-oss-20b", {});
        emulator.server.clear_requests();
        co_await provider.supports_model(kQwen);
        s.after_download = count_get(emulator.server, "/api/v1/models");
        co_return s;
    });
    CHECK(seen.not_found);
    CHECK(seen.after_error == 1);
    CHECK(seen.after_load == 1);
    CHECK(seen.loaded_context == 8192);
    CHECK(seen.after_unload == 1);
    CHECK(seen.after_download == 1);
}

TEST_CASE("model cache: the TTL comes from the options (lmstudio)", "[lmstudio][model_cache]")
{
    test::LmStudioEmulatorFixture emulator;
    auto o = lmstudio_options(emulator);
    o.model_cache_ttl = std::chrono::steady_clock::duration::zero();
    auto lists = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::size_t> {
        lmstudio::Provider provider(ex, o);
        co_await provider.native_api();
        emulator.server.clear_requests();
        co_await provider.supports_model(kQwen);
        co_await provider.supports_model(kQwen);
        co_await provider.model_capabilities(kQwen);
        co_return count_get(emulator.server, "/api/v1/models");
    });
    CHECK(lists == 3);
}

TEST_CASE("model cache: the OpenAI-compatible provider lists once for concurrent callers", "[openai][model_cache]")
{
    test::OpenAiEmulatorFixture emulator;
    auto const o = openai_options(emulator);
    slow_next_list(emulator.server, "/v1/models");
    struct Seen {
        int yes = 0;
        std::size_t lists = 0, after_miss = 0, after_error = 0;
        bool miss = true, not_found = false;
        std::optional<ModelCapabilities> caps;
    };
    auto seen = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<Seen> {
        openai::OpenAICompatibleProvider provider(ex, o);
        Seen s;
        s.yes = co_await four_at_once(provider, "gpt-4o-mini");
        s.caps = co_await provider.model_capabilities("text-embedding-3-small");
        s.lists = count_get(emulator.server, "/v1/models");
        emulator.server.clear_requests();
        s.miss = co_await provider.supports_model("gpt-nope");
        s.after_miss = count_get(emulator.server, "/v1/models");
        emulator.server.clear_requests();
        s.not_found = co_await fails_with_model_not_found(provider, "gpt-nope");
        co_await provider.supports_model("gpt-4o-mini");
        s.after_error = count_get(emulator.server, "/v1/models");
        co_return s;
    });
    CHECK(seen.yes == 4);
    CHECK(seen.caps.has_value());
    CHECK(seen.lists == 1);
    CHECK_FALSE(seen.miss);
    CHECK(seen.after_miss == 1);
    CHECK(seen.not_found);
    CHECK(seen.after_error == 1);
}

TEST_CASE("model cache: the OpenAI-compatible provider's TTL comes from the options", "[openai][model_cache]")
{
    test::OpenAiEmulatorFixture emulator;
    auto o = openai_options(emulator);
    o.model_cache_ttl = std::chrono::steady_clock::duration::zero();
    auto lists = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::size_t> {
        openai::OpenAICompatibleProvider provider(ex, o);
        co_await provider.supports_model("gpt-4o-mini");
        co_await provider.supports_model("gpt-4o-mini");
        co_return count_get(emulator.server, "/v1/models");
    });
    CHECK(lists == 2);
}

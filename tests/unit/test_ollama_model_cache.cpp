// The Ollama provider's model cache: supports_model and model_capabilities answer from one
// cached /api/tags list and one cached /api/show answer per model (single flight, TTL), which
// the provider forgets after its own load, unload, pull and delete and on "model not found".
// Model names: `llama3.2` and `llama3.2:latest` are the same model everywhere.

#include "support/ollama_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/error.hpp>
#include <llmio/model_manager.hpp>
#include <llmio/ollama/provider.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <future>
#include <thread>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

struct CacheHarness {
    explicit CacheHarness(std::chrono::steady_clock::duration ttl = std::chrono::minutes(5))
        : provider(io.get_executor(), options(ttl))
    {
    }

    test::OllamaEmulatorFixture emulator;
    asio::io_context io;
    // The model cache's clock: real time plus what the test advanced it by.
    std::shared_ptr<std::atomic<std::chrono::steady_clock::duration::rep>> advanced =
        std::make_shared<std::atomic<std::chrono::steady_clock::duration::rep>>(0);
    ollama::OllamaProvider provider;

    void advance_clock(std::chrono::steady_clock::duration d) { *advanced += d.count(); }

    ollama::Options options(std::chrono::steady_clock::duration ttl)
    {
        ollama::Options o;
        o.base_url = emulator.server.base_url();
        o.retry = RetryPolicy::none();
        o.model_cache_ttl = ttl;
        o.model_cache_clock = [advanced = advanced] {
            return std::chrono::steady_clock::now() + std::chrono::steady_clock::duration(advanced->load());
        };
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

    /// Starts every operation before running any, so they overlap, then returns their results.
    template <class T>
    std::vector<T> run_all(std::vector<asio::awaitable<T>> ops)
    {
        std::vector<std::future<T>> futures;
        for (auto& op : ops)
            futures.push_back(asio::co_spawn(io, std::move(op), asio::use_future));
        io.restart();
        io.run();
        std::vector<T> out;
        for (auto& f : futures)
            out.push_back(f.get());
        return out;
    }

    std::size_t requests_to(std::string_view target) const
    {
        auto const log = emulator.server.requests();
        return static_cast<std::size_t>(std::count_if(
            log.begin(), log.end(), [&](emulators::RecordedRequest const& r) { return r.target == target; }));
    }
};

ChatRequest ask(std::string model, std::string text)
{
    ChatRequest r;
    r.model = std::move(model);
    r.messages.push_back(Message::user(std::move(text)));
    return r;
}

} // namespace

TEST_CASE("ollama: canonical model names add the implied :latest tag", "[ollama][cache]")
{
    CHECK(ollama::canonical_model_name("llama3") == "llama3:latest");
    CHECK(ollama::canonical_model_name("llama3:latest") == "llama3:latest");
    CHECK(ollama::canonical_model_name("llama3:8b-instruct-q4_0") == "llama3:8b-instruct-q4_0");
    CHECK(ollama::canonical_model_name("user/model") == "user/model:latest");
    CHECK(ollama::canonical_model_name("user/model:v2") == "user/model:v2");
    // A colon before the last slash is a registry port, not a tag.
    CHECK(ollama::canonical_model_name("localhost:5000/team/model") == "localhost:5000/team/model:latest");
    CHECK(ollama::canonical_model_name("model@sha256:0123abcd") == "model@sha256:0123abcd");
    CHECK(ollama::canonical_model_name("Llama3") == "Llama3:latest"); // case kept
    CHECK(ollama::canonical_model_name("").empty());
}

TEST_CASE("ollama: concurrent supports_model and model_capabilities calls share one request", "[ollama][cache]")
{
    CacheHarness h;
    constexpr int kCalls = 8;

    std::vector<asio::awaitable<bool>> supports;
    for (int i = 0; i < kCalls; ++i)
        supports.push_back(h.provider.supports_model(i % 2 == 0 ? "llama3.2" : "llama3.2:latest"));
    auto const answers = h.run_all(std::move(supports));
    CHECK(answers == std::vector<bool>(kCalls, true));
    CHECK(h.requests_to("/api/tags") == 1);

    std::vector<asio::awaitable<std::optional<ModelCapabilities>>> capabilities;
    for (int i = 0; i < kCalls; ++i)
        capabilities.push_back(h.provider.model_capabilities(i % 2 == 0 ? "qwen3" : "qwen3:latest"));
    auto const caps = h.run_all(std::move(capabilities));
    ModelCapabilities expected;
    expected.context_length = 40960;
    expected.tool_use = true;
    expected.vision = false;
    expected.embeddings = false;
    expected.reasoning = true;
    for (auto const& c : caps) {
        REQUIRE(c.has_value());
        CHECK(*c == expected);
    }
    CHECK(h.requests_to("/api/show") == 1);
    CHECK(h.requests_to("/api/tags") == 1); // still the cached list

    // Sequential repeats are hits too.
    for (int i = 0; i < 3; ++i) {
        auto again = h.run(h.provider.model_capabilities("qwen3"));
        CHECK(again == expected);
        CHECK(h.run(h.provider.supports_model("qwen3")));
    }
    CHECK(h.requests_to("/api/show") == 1);
    CHECK(h.requests_to("/api/tags") == 1);

    // A miss refreshes the list once before answering no, and never asks /api/show.
    CHECK_FALSE(h.run(h.provider.supports_model("llava:13b")));
    CHECK(h.requests_to("/api/tags") == 2);
    CHECK(h.run(h.provider.model_capabilities("mistral")) == std::nullopt);
    CHECK(h.requests_to("/api/tags") == 3);
    CHECK(h.requests_to("/api/show") == 1);
}

TEST_CASE("ollama: model cache TTL comes from the options", "[ollama][cache]")
{
    SECTION("0: every call asks the server")
    {
        CacheHarness h(0s);
        for (int i = 0; i < 3; ++i) {
            CHECK(h.run(h.provider.supports_model("llava")));
            CHECK(h.run(h.provider.model_capabilities("llava")).has_value());
        }
        CHECK(h.requests_to("/api/tags") == 6);
        CHECK(h.requests_to("/api/show") == 3);
    }
    SECTION("a short TTL expires")
    {
        CacheHarness h(500ms);
        CHECK(h.run(h.provider.supports_model("llava")));
        CHECK(h.run(h.provider.model_capabilities("llava")).has_value());
        CHECK(h.requests_to("/api/tags") == 1);
        CHECK(h.requests_to("/api/show") == 1);
        h.advance_clock(600ms);
        CHECK(h.run(h.provider.model_capabilities("llava")).has_value());
        CHECK(h.requests_to("/api/tags") == 2);
        CHECK(h.requests_to("/api/show") == 2);
    }
}

TEST_CASE("ollama: the model cache is forgotten after load, unload, pull and delete", "[ollama][cache]")
{
    CacheHarness h;
    auto* manager = h.provider.model_manager();
    REQUIRE(manager != nullptr);
    CHECK(h.run(h.provider.supports_model("llama3.2")));
    CHECK(h.run(h.provider.model_capabilities("llama3.2")).has_value());
    CHECK(h.requests_to("/api/tags") == 1);
    CHECK(h.requests_to("/api/show") == 1);

    h.run(manager->load("llama3.2", {}));
    CHECK(h.run(h.provider.model_capabilities("llama3.2")).has_value());
    CHECK(h.requests_to("/api/tags") == 2);
    CHECK(h.requests_to("/api/show") == 2);

    h.run(manager->unload("llama3.2"));
    CHECK(h.run(h.provider.supports_model("llama3.2")));
    CHECK(h.requests_to("/api/tags") == 3);

    // Pulling a model we already have changes nothing on disk, but we cannot know that.
    auto pulled = h.run(manager->download("llama3.2", {}));
    CHECK(pulled.status == "success");
    CHECK(h.run(h.provider.supports_model("llama3.2")));
    CHECK(h.requests_to("/api/tags") == 4);

    // Delete: the cached "yes" would now be wrong.
    h.run(h.provider.delete_model("llama3.2"));
    CHECK(h.emulator.server.last_request()->method == "DELETE");
    CHECK(h.emulator.server.last_request()->target == "/api/delete");
    CHECK_FALSE(h.run(h.provider.supports_model("llama3.2")));
    CHECK(h.run(h.provider.model_capabilities("llama3.2")) == std::nullopt);
    CHECK(h.requests_to("/api/show") == 2);

    try {
        h.run(h.provider.delete_model("llama3.2"));
        FAIL("no error");
    } catch (ModelNotFoundError const& e) {
        CHECK(e.http_status() == 404);
        CHECK(e.server_message() == "model 'llama3.2' not found");
    }
}

TEST_CASE("ollama: \"model not found\" from the server forgets the cached list", "[ollama][cache]")
{
    CacheHarness h;
    CHECK(h.run(h.provider.supports_model("llava")));
    auto const before = h.run(h.provider.model_capabilities("llava"));
    REQUIRE(before.has_value());
    CHECK(before->vision == true);

    // Someone else (the ollama CLI) removes the model; our cache still says yes until the
    // server tells us otherwise.
    ollama::Options other_options;
    other_options.base_url = h.emulator.server.base_url();
    other_options.retry = RetryPolicy::none();
    ollama::OllamaProvider other(h.io.get_executor(), other_options);
    h.run(other.delete_model("llava"));
    CHECK(h.run(h.provider.supports_model("llava")));
    auto const tags_before = h.requests_to("/api/tags");

    try {
        h.run(h.provider.chat(ask("llava", "describe this")));
        FAIL("no error");
    } catch (ModelNotFoundError const& e) {
        CHECK(e.http_status() == 404);
    }
    CHECK_FALSE(h.run(h.provider.supports_model("llava")));
    CHECK(h.run(h.provider.model_capabilities("llava")) == std::nullopt);
    CHECK(h.requests_to("/api/tags") == tags_before + 2); // refetched, then a miss refetch
}

TEST_CASE("ollama: llama3.2 and llama3.2:latest agree across supports_model, capabilities and list_loaded",
          "[ollama][cache]")
{
    CacheHarness h;
    auto* manager = h.provider.model_manager();
    h.run(manager->load("llama3.2", {}));
    auto const loaded = h.run(manager->list_loaded());
    REQUIRE(loaded.size() == 1);
    CHECK(loaded[0].id == "llama3.2:latest");
    CHECK(ollama::canonical_model_name("llama3.2") == loaded[0].id);

    for (auto const* name : {"llama3.2", "llama3.2:latest"}) {
        INFO(name);
        CHECK(h.run(h.provider.supports_model(name)));
    }
    auto const short_caps = h.run(h.provider.model_capabilities("llama3.2"));
    auto const full_caps = h.run(h.provider.model_capabilities(loaded[0].id));
    REQUIRE(short_caps.has_value());
    CHECK(short_caps == full_caps);
    CHECK(short_caps->context_length == 131072);
    CHECK(short_caps->tool_use == true);
    CHECK(h.requests_to("/api/show") == 1); // one model, one cache entry

    // Every listed id is supported under the name the server lists it by.
    for (auto const& m : h.run(manager->list_downloaded())) {
        INFO(m.id);
        CHECK(h.run(h.provider.supports_model(m.id)));
    }
    // A different tag is a different model.
    CHECK_FALSE(h.run(h.provider.supports_model("llama3.2:1b")));
}

TEST_CASE("ollama: list_models adds the loaded state from /api/ps and capabilities from /api/show", "[ollama][cache]")
{
    CacheHarness h;
    h.run(h.provider.model_manager()->load("llava", {}));
    h.emulator.server.clear_requests();

    auto const by_id = [](std::vector<ModelInfo> const& models, std::string const& id) {
        auto it = std::find_if(models.begin(), models.end(), [&](ModelInfo const& m) { return m.id == id; });
        REQUIRE(it != models.end());
        return *it;
    };
    auto const models = h.run(h.provider.list_models());
    REQUIRE(models.size() == 4);
    auto const llava = by_id(models, "llava:latest");
    CHECK(llava.loaded_known);
    CHECK(llava.loaded);
    CHECK(llava.loaded_context_length == 4096);
    CHECK(llava.type == "vlm");
    CHECK(llava.capabilities.vision == true);
    CHECK(llava.capabilities.tool_use == false);
    CHECK(llava.capabilities.context_length == 4096);
    auto const qwen = by_id(models, "qwen3:latest");
    CHECK(qwen.loaded_known);
    CHECK_FALSE(qwen.loaded);
    CHECK(qwen.loaded_context_length == std::nullopt);
    CHECK(qwen.type == "llm");
    CHECK(qwen.capabilities.reasoning == true);
    CHECK(qwen.capabilities.tool_use == true);
    CHECK(qwen.capabilities.context_length == 40960);
    auto const minilm = by_id(models, "all-minilm:latest");
    CHECK(minilm.type == "embedding");
    CHECK(minilm.capabilities.embeddings == true);
    CHECK(minilm.capabilities.context_length == 512);
    CHECK(h.requests_to("/api/tags") == 1);
    CHECK(h.requests_to("/api/ps") == 1);
    CHECK(h.requests_to("/api/show") == 4);

    // Within the TTL the /api/show answers are reused; the list and the loaded state are not.
    CHECK(h.run(h.provider.list_models()) == models);
    CHECK(h.requests_to("/api/tags") == 2);
    CHECK(h.requests_to("/api/ps") == 2);
    CHECK(h.requests_to("/api/show") == 4);

    // Concurrent listings after an invalidation share each model's one /api/show request.
    h.provider.invalidate_model_cache();
    std::vector<asio::awaitable<std::vector<ModelInfo>>> listings;
    for (int i = 0; i < 3; ++i)
        listings.push_back(h.provider.list_models());
    for (auto const& listed : h.run_all(std::move(listings)))
        CHECK(listed == models);
    CHECK(h.requests_to("/api/show") == 8);

    // list_loaded carries the same details.
    auto const loaded = h.run(h.provider.model_manager()->list_loaded());
    REQUIRE(loaded.size() == 1);
    CHECK(loaded[0].type == "vlm");
    CHECK(loaded[0].capabilities.vision == true);
    CHECK(loaded[0].loaded_context_length == 4096);
}

TEST_CASE("ollama: a listing without /api/ps leaves the loaded state unknown", "[ollama][cache]")
{
    CacheHarness h;
    h.emulator.server.faults().add(emulators::Fault::respond(404, "404 page not found", {}).on("/api/ps"));
    auto const models = h.run(h.provider.list_models());
    REQUIRE(models.size() == 4);
    for (auto const& m : models) {
        INFO(m.id);
        CHECK_FALSE(m.loaded_known);
        CHECK(m.capabilities.context_length.has_value());
    }
}

TEST_CASE("ollama: a listing asks /api/show for at most four models at once", "[ollama][cache]")
{
    auto config = emulators::OllamaEmulatorConfig::defaults();
    config.models.clear();
    for (int i = 0; i < 12; ++i)
        config.models.push_back({"model" + std::to_string(i) + ":latest", {"completion"}, "llama", 1000, 2048});
    emulators::ServerOptions server;
    server.idle_timeout = std::chrono::minutes(10); // no connection is closed under the client
    test::OllamaEmulatorFixture emulator(config, server);
    ollama::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    o.http.pool.idle_expiry = std::chrono::minutes(10);
    auto const models = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::vector<ModelInfo>> {
        ollama::OllamaProvider provider(ex, o);
        co_return co_await provider.list_models();
    });
    REQUIRE(models.size() == 12);
    for (auto const& m : models) {
        INFO(m.id);
        CHECK(m.capabilities.context_length == 2048);
        CHECK(m.type == "llm");
    }
    // Pooled connections: one per request in flight at once, so at most four.
    CHECK(emulator.server.requests_served() == 14); // tags, ps, twelve shows
    CHECK(emulator.server.accepted_connections() <= 4);
    CHECK(emulator.server.accepted_connections() >= 1);
}

TEST_CASE("ollama: capabilities a newer /api/tags carries are kept, /api/show fills the rest", "[ollama][cache]")
{
    auto config = emulators::OllamaEmulatorConfig::defaults();
    config.tags_capabilities = true;
    config.models = {{"llava:latest", {"completion", "vision"}, "llama", 4733363377, 4096}};
    test::OllamaEmulatorFixture emulator(config);
    // /api/show disagrees on purpose: the listing's own word wins where it has one.
    emulator.server.faults().add(emulators::Fault::respond(
        200, R"({"capabilities":["completion","tools"],"model_info":{"general.architecture":"llama","llama.context_length":8192}})", {}).on("/api/show"));
    ollama::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    auto const models = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::vector<ModelInfo>> {
        ollama::OllamaProvider provider(ex, o);
        co_return co_await provider.list_models();
    });
    REQUIRE(models.size() == 1);
    CHECK(models[0].type == "vlm");
    CHECK(models[0].capabilities.vision == true);
    CHECK(models[0].capabilities.tool_use == false);
    CHECK(models[0].capabilities.context_length == 8192);
}

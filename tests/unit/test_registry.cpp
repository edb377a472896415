// ProviderRegistry: factories, instances, "provider/model" resolution, JSON configuration and
// the combined model listing, with a fake provider.

#include <llmio/error.hpp>
#include <llmio/registry.hpp>

#include "support/run_async.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace json = boost::json;
using llmio::ModelInfo;
using llmio::ProviderRegistry;
using namespace std::chrono_literals;

namespace {

ModelInfo model(std::string id)
{
    ModelInfo info;
    info.id = std::move(id);
    return info;
}

// A stream of one text chunk and the finish.
class CannedSource final : public llmio::ChatStream::Source {
public:
    explicit CannedSource(std::string text) : text_(std::move(text)) {}
    asio::awaitable<bool> next(llmio::ChatChunk& out) override
    {
        if (step_ == 2)
            co_return false;
        out = llmio::ChatChunk{};
        if (step_++ == 0) {
            out.content = text_;
        } else {
            out.finish_reason = llmio::FinishReason::stop;
            out.finish_reason_raw = "stop";
        }
        co_return true;
    }
    void close() noexcept override { step_ = 2; }

private:
    std::string text_;
    int step_ = 0;
};

// A provider that answers every call with canned data.
class FakeProvider final : public llmio::ModelProvider {
public:
    using Lister = std::function<asio::awaitable<std::vector<ModelInfo>>()>;

    FakeProvider(std::string name, std::vector<ModelInfo> models, json::object config = {})
        : name_(std::move(name)), models_(std::move(models)), config_(std::move(config))
    {
    }

    std::string_view name() const noexcept override { return name_; }
    llmio::ProviderFeatures features() const noexcept override
    {
        llmio::ProviderFeatures features;
        features.embeddings = false;
        return features;
    }

    json::object const& config() const { return config_; }
    Lister lister; // replaces the canned list when set

protected:
    asio::awaitable<std::vector<ModelInfo>> do_list_models() override
    {
        if (lister)
            co_return co_await lister();
        co_return models_;
    }
    asio::awaitable<llmio::ChatResponse> do_chat(llmio::ChatRequest request, llmio::CallOptions) override
    {
        llmio::ChatResponse response;
        response.model = request.model;
        response.content = "chat from " + name_;
        response.finish_reason = llmio::FinishReason::stop;
        co_return response;
    }
    asio::awaitable<llmio::ChatStream> do_chat_stream(llmio::ChatRequest, llmio::CallOptions) override
    {
        co_return llmio::ChatStream(std::make_unique<CannedSource>("stream from " + name_));
    }
    asio::awaitable<llmio::CompletionResponse> do_complete(llmio::CompletionRequest request,
                                                           llmio::CallOptions) override
    {
        llmio::CompletionResponse response;
        response.model = request.model;
        response.choices.push_back({0, "completion from " + name_, llmio::FinishReason::stop, "stop", {}});
        co_return response;
    }
    asio::awaitable<llmio::EmbeddingResponse> do_embed(llmio::EmbeddingRequest request,
                                                       llmio::CallOptions) override
    {
        llmio::EmbeddingResponse response;
        response.model = request.model;
        for (std::size_t i = 0; i < request.input.size(); ++i)
            response.embeddings.push_back({static_cast<float>(i), 0.5f});
        co_return response;
    }
    asio::awaitable<bool> do_supports_model(std::string id) override
    {
        co_return find(id).has_value();
    }
    asio::awaitable<std::optional<llmio::ModelCapabilities>> do_model_capabilities(std::string id) override
    {
        auto found = find(id);
        if (!found)
            co_return std::nullopt;
        co_return found->capabilities;
    }
    asio::awaitable<llmio::HealthStatus> do_health() override
    {
        co_return llmio::HealthStatus{true, "ok", 1ms};
    }
    asio::awaitable<llmio::ServerInfo> do_info() override
    {
        llmio::ServerInfo info;
        info.kind = "openai";
        info.version = "test";
        info.base_url = "http://127.0.0.1:1";
        info.model_count = models_.size();
        co_return info;
    }

private:
    std::optional<ModelInfo> find(std::string const& id) const
    {
        for (auto const& m : models_)
            if (m.id == id)
                return m;
        return std::nullopt;
    }

    std::string name_;
    std::vector<ModelInfo> models_;
    json::object config_;
};

// A factory that records what it was given.
struct RecordingFactory {
    std::string kind;
    std::vector<ModelInfo> models;
    std::shared_ptr<std::vector<json::object>> configs = std::make_shared<std::vector<json::object>>();

    llmio::ProviderFactory factory() const
    {
        return [kind = kind, models = models, configs = configs](asio::any_io_executor,
                                                                 json::object const& config) {
            configs->push_back(config);
            return std::make_shared<FakeProvider>(kind, models, config);
        };
    }
};

template <class F>
std::string error_text(F&& f)
{
    try {
        f();
    } catch (llmio::InvalidRequestError const& e) {
        return e.what();
    } catch (std::exception const& e) {
        return std::string("wrong type: ") + e.what();
    }
    return "no exception";
}

std::shared_ptr<FakeProvider> fake(std::string name, std::vector<std::string> ids = {})
{
    std::vector<ModelInfo> models;
    for (auto& id : ids)
        models.push_back(model(std::move(id)));
    return std::make_shared<FakeProvider>(std::move(name), std::move(models));
}

} // namespace

TEST_CASE("Factories are registered once by name and create providers with their config",
          "[registry]")
{
    asio::io_context io;
    ProviderRegistry registry;
    RecordingFactory openai{"openai", {model("gpt-4o")}};
    registry.register_factory("openai", openai.factory());
    registry.register_factory("lmstudio", RecordingFactory{"lmstudio", {}}.factory());

    CHECK(registry.has_factory("openai"));
    CHECK_FALSE(registry.has_factory("OpenAI"));
    CHECK(registry.factory_names() == std::vector<std::string>{"lmstudio", "openai"});

    json::object config{{"base_url", "http://proxy:8080/v1"}, {"timeout_s", 30}};
    auto provider = registry.create("openai", io.get_executor(), config);
    REQUIRE(provider);
    CHECK(provider->name() == "openai");
    REQUIRE(openai.configs->size() == 1);
    CHECK(openai.configs->front() == config);
    // create() does not register the instance.
    CHECK(registry.get("openai") == nullptr);
    CHECK(registry.provider_names().empty());

    CHECK(error_text([&] { registry.register_factory("openai", openai.factory()); }) ==
          "invalid request (a factory named \"openai\" is already registered)");
    CHECK(error_text([&] { registry.create("vllm", io.get_executor(), {}); }) ==
          "invalid request (no provider factory named \"vllm\" (registered factories: lmstudio, openai))");
    CHECK(error_text([&] { registry.register_factory("empty", {}); }) ==
          "invalid request (factory \"empty\" is empty)");
    registry.register_factory("broken", [](asio::any_io_executor, json::object const&) {
        return std::shared_ptr<llmio::ModelProvider>();
    });
    CHECK(error_text([&] { registry.create("broken", io.get_executor(), {}); }) ==
          "invalid request (provider factory \"broken\" returned no provider)");
}

TEST_CASE("Provider names are validated and unique", "[registry]")
{
    ProviderRegistry registry;
    registry.add("lmstudio", fake("lmstudio"));
    CHECK(error_text([&] { registry.add("lmstudio", fake("lmstudio")); }) ==
          "invalid request (a provider named \"lmstudio\" is already registered)");
    CHECK(error_text([&] { registry.add("", fake("x")); }) ==
          "invalid request (provider name \"\" is invalid: use 1 to 64 characters of A-Z a-z 0-9 . _ -)");
    CHECK(error_text([&] { registry.add("lm/studio", fake("x")); }) ==
          "invalid request (provider name \"lm/studio\" is invalid: use 1 to 64 characters of A-Z a-z 0-9 . _ -)");
    CHECK(error_text([&] { registry.add("bad\nname", fake("x")); }) ==
          "invalid request (provider name \"bad\\x0Aname\" is invalid: use 1 to 64 characters of A-Z a-z 0-9 . _ -)");
    CHECK(error_text([&] { registry.add(std::string(65, 'a'), fake("x")); }).starts_with(
        "invalid request (provider name \"aaaa"));
    registry.add(std::string(64, 'a'), fake("x"));
    CHECK(error_text([&] { registry.add("null", nullptr); }) ==
          "invalid request (provider \"null\" is null)");
    CHECK(error_text([&] { registry.register_factory("a b", RecordingFactory{}.factory()); }) ==
          "invalid request (factory name \"a b\" is invalid: use 1 to 64 characters of A-Z a-z 0-9 . _ -)");
    CHECK(registry.provider_names() == std::vector<std::string>{std::string(64, 'a'), "lmstudio"});
}

TEST_CASE("resolve splits at the first slash only when the prefix is a registered provider",
          "[registry]")
{
    ProviderRegistry registry;
    auto lmstudio = fake("lmstudio");
    auto openai = fake("openai");
    registry.add("lmstudio", lmstudio);
    // A single provider is the default until there is a choice.
    CHECK(registry.resolve("qwen/qwen3-8b").provider == lmstudio);
    CHECK(registry.resolve("qwen/qwen3-8b").model == "qwen/qwen3-8b");
    registry.add("openai", openai);

    auto r = registry.resolve("lmstudio/qwen/qwen3-8b");
    CHECK(r.provider_name == "lmstudio");
    CHECK(r.provider == lmstudio);
    CHECK(r.model == "qwen/qwen3-8b");

    r = registry.resolve("openai/gpt-4o");
    CHECK(r.provider == openai);
    CHECK(r.model == "gpt-4o");

    // Without a default, an id whose prefix is no provider cannot be placed.
    CHECK(error_text([&] { registry.resolve("qwen/qwen3-8b"); }) ==
          "invalid request (model id \"qwen/qwen3-8b\" does not start with a registered provider "
          "name and no default provider is set (registered: lmstudio, openai))");
    CHECK(error_text([&] { registry.resolve("gpt-4o"); }) ==
          "invalid request (model id \"gpt-4o\" does not start with a registered provider name "
          "and no default provider is set (registered: lmstudio, openai))");

    registry.set_default_provider("lmstudio");
    CHECK(registry.default_provider() == "lmstudio");
    r = registry.resolve("qwen/qwen3-8b"); // "qwen" is not a provider: the whole id is a model
    CHECK(r.provider == lmstudio);
    CHECK(r.model == "qwen/qwen3-8b");
    r = registry.resolve("LMStudio/qwen3"); // provider names are case-sensitive
    CHECK(r.provider_name == "lmstudio");
    CHECK(r.model == "LMStudio/qwen3");
    r = registry.resolve("openai"); // a provider name without a slash is a model id
    CHECK(r.provider_name == "lmstudio");
    CHECK(r.model == "openai");
    r = registry.resolve("openai/gpt-4o/extra");
    CHECK(r.provider_name == "openai");
    CHECK(r.model == "gpt-4o/extra");

    CHECK(error_text([&] { registry.resolve(""); }) == "invalid request (empty model id)");
    CHECK(error_text([&] { registry.resolve("openai/"); }) ==
          "invalid request (model id \"openai/\" names provider openai but no model)");

    registry.set_default_provider("ollama");
    CHECK(error_text([&] { registry.resolve("llama3"); }) ==
          "invalid request (default provider \"ollama\" is not registered (registered: lmstudio, openai))");

    ProviderRegistry empty;
    CHECK(error_text([&] { empty.resolve("x"); }) ==
          "invalid request (model id \"x\" does not start with a registered provider name and no "
          "default provider is set (registered: none))");
}

TEST_CASE("remove unregisters a name and clears the default it was", "[registry]")
{
    ProviderRegistry registry;
    registry.add("lmstudio", fake("lmstudio"));
    registry.add("local", registry.get("lmstudio")); // an alias
    registry.set_default_provider("local");
    CHECK(registry.remove("local"));
    CHECK_FALSE(registry.remove("local"));
    CHECK(registry.default_provider().empty());
    CHECK(registry.get("local") == nullptr);
    CHECK(registry.get("lmstudio") != nullptr);
    CHECK(registry.provider_names() == std::vector<std::string>{"lmstudio"});
}

TEST_CASE("add_from_config creates every configured provider and sets the default", "[registry]")
{
    asio::io_context io;
    ProviderRegistry registry;
    RecordingFactory lmstudio{"lmstudio", {}};
    RecordingFactory ollama{"ollama", {}};
    registry.register_factory("lmstudio", lmstudio.factory());
    registry.register_factory("ollama", ollama.factory());

    auto const config = json::parse(R"({
        "default_provider": "lmstudio",
        "providers": {
            "lmstudio": {"base_url": "http://box:1234", "timeout_s": 600},
            "ollama": {}
        }
    })").as_object();
    auto const added = registry.add_from_config(io.get_executor(), config);
    CHECK(added == std::vector<std::string>{"lmstudio", "ollama"});
    CHECK(registry.default_provider() == "lmstudio");
    REQUIRE(lmstudio.configs->size() == 1);
    CHECK(lmstudio.configs->front() == json::parse(R"({"base_url": "http://box:1234", "timeout_s": 600})"));
    REQUIRE(ollama.configs->size() == 1);
    CHECK(ollama.configs->front().empty());
    auto const r = registry.resolve("qwen/qwen3-8b");
    CHECK(r.provider_name == "lmstudio");
}

TEST_CASE("add_from_config adds nothing when any part fails", "[registry]")
{
    asio::io_context io;
    ProviderRegistry registry;
    registry.register_factory("lmstudio", RecordingFactory{"lmstudio", {}}.factory());
    registry.register_factory("failing", [](asio::any_io_executor, json::object const&)
                                             -> std::shared_ptr<llmio::ModelProvider> {
        llmio::throw_error(llmio::errc::invalid_endpoint, "base_url is not a usable base URL: empty");
    });
    auto const ex = io.get_executor();
    auto const add = [&](char const* text) {
        return error_text([&] { registry.add_from_config(ex, json::parse(text).as_object()); });
    };

    CHECK(add(R"({"providers": {"lmstudio": {}, "vllm": {}}})") ==
          "invalid request (no provider factory named \"vllm\" (registered factories: failing, lmstudio))");
    CHECK(add(R"({"providers": {"lmstudio": {}, "failing": {}}})") ==
          "invalid endpoint (base_url is not a usable base URL: empty)");
    CHECK(add(R"({"default_provider": "ollama", "providers": {"lmstudio": {}}})") ==
          "invalid request (default_provider \"ollama\" is not a configured provider (providers: lmstudio))");
    CHECK(add(R"({"default_provider": 7})") == "invalid request (default_provider must be a string)");
    CHECK(add(R"({"providers": []})") == "invalid request (providers must be an object)");
    CHECK(add(R"({"providers": {"lmstudio": 1}})") ==
          "invalid request (providers.lmstudio must be an object)");
    CHECK(add(R"({"provider": {}})") ==
          "invalid request (unknown key \"provider\" in the provider configuration (known keys: "
          "default_provider, providers))");
    CHECK(registry.provider_names().empty());
    CHECK(registry.default_provider().empty());

    registry.add("lmstudio", fake("lmstudio"));
    CHECK(add(R"({"providers": {"lmstudio": {}}})") ==
          "invalid request (a provider named \"lmstudio\" is already registered)");
    // The default may name a provider registered before.
    CHECK(registry.add_from_config(ex, json::parse(R"({"default_provider": "lmstudio"})").as_object())
              .empty());
    CHECK(registry.default_provider() == "lmstudio");
}

TEST_CASE("list_models lists every provider and reports the ones that fail", "[registry]")
{
    auto const listing = llmio::test::run_async([](asio::any_io_executor) -> asio::awaitable<llmio::ModelListing> {
        ProviderRegistry registry;
        registry.add("lmstudio", fake("lmstudio", {"qwen/qwen3-8b", "text-embedding-nomic"}));
        auto down = fake("ollama");
        down->lister = []() -> asio::awaitable<std::vector<ModelInfo>> {
            llmio::ErrorInfo info;
            info.provider = "ollama";
            info.detail = "connecting to 127.0.0.1:11434";
            llmio::throw_error(llmio::errc::connection_refused, std::move(info));
            co_return std::vector<ModelInfo>{};
        };
        registry.add("ollama", down);
        auto buggy = fake("buggy");
        buggy->lister = []() -> asio::awaitable<std::vector<ModelInfo>> {
            throw std::runtime_error("boom");
            co_return std::vector<ModelInfo>{};
        };
        registry.add("buggy", buggy);
        registry.add("openai", fake("openai", {"gpt-4o"}));
        registry.add("local", registry.get("lmstudio")); // an alias: listed once
        co_return co_await registry.list_models();
    });

    REQUIRE(listing.models.size() == 3);
    // The alias "local" sorts after "lmstudio": the instance is listed once, as lmstudio.
    CHECK(listing.models[0].provider == "lmstudio");
    CHECK(listing.models[0].model.id == "qwen/qwen3-8b");
    CHECK(listing.models[1].provider == "lmstudio");
    CHECK(listing.models[1].model.id == "text-embedding-nomic");
    CHECK(listing.models[2].provider == "openai");
    CHECK(listing.models[2].model.id == "gpt-4o");

    REQUIRE(listing.failures.size() == 2);
    CHECK(listing.failures[0].provider == "buggy");
    CHECK(listing.failures[0].code == llmio::errc::server_error);
    CHECK(listing.failures[0].message == "unexpected exception from the provider: boom");
    CHECK(listing.failures[1].provider == "ollama");
    CHECK(listing.failures[1].code == llmio::errc::connection_refused);
    CHECK(listing.failures[1].message ==
          "connection refused (provider ollama; connecting to 127.0.0.1:11434)");
    CHECK_THROWS_AS(std::rethrow_exception(listing.failures[1].error), llmio::NetworkError);
}

TEST_CASE("list_models asks all providers at once", "[registry]")
{
    // Each provider waits until the other has started: sequential listing would time out.
    auto const listing = llmio::test::run_async([](asio::any_io_executor ex) -> asio::awaitable<llmio::ModelListing> {
        ProviderRegistry registry;
        auto started = std::make_shared<int>(0);
        auto timer = std::make_shared<asio::steady_timer>(ex);
        auto const rendezvous = [started, timer](std::string id) {
            return [started, timer, id]() -> asio::awaitable<std::vector<ModelInfo>> {
                if (++*started == 2) {
                    timer->cancel();
                } else {
                    timer->expires_after(5s);
                    auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
                    if (ec != asio::error::operation_aborted)
                        llmio::throw_error(llmio::errc::total_timeout, "the other provider never started");
                }
                co_return std::vector<ModelInfo>{model(id)};
            };
        };
        auto a = fake("a");
        a->lister = rendezvous("model-a");
        auto b = fake("b");
        b->lister = rendezvous("model-b");
        registry.add("a", a);
        registry.add("b", b);
        co_return co_await registry.list_models();
    });
    CHECK(listing.failures.empty());
    REQUIRE(listing.models.size() == 2);
    CHECK(listing.models[0].model.id == "model-a");
    CHECK(listing.models[1].model.id == "model-b");
}

TEST_CASE("list_models with no providers is empty", "[registry]")
{
    auto const listing = llmio::test::run_async([](asio::any_io_executor) -> asio::awaitable<llmio::ModelListing> {
        ProviderRegistry registry;
        co_return co_await registry.list_models();
    });
    CHECK(listing.models.empty());
    CHECK(listing.failures.empty());
}

TEST_CASE("Cancelling list_models cancels every listing and throws CancelledError", "[registry]")
{
    asio::io_context io;
    ProviderRegistry registry;
    registry.add("fast", fake("fast", {"m"}));
    auto hanging = fake("hanging");
    bool listing_cancelled = false;
    hanging->lister = [&]() -> asio::awaitable<std::vector<ModelInfo>> {
        asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        listing_cancelled = ec == asio::error::operation_aborted;
        llmio::throw_error(llmio::errc::cancelled, "listing cancelled");
    };
    registry.add("hanging", hanging);

    asio::cancellation_signal signal;
    bool finished = false;
    std::exception_ptr error;
    asio::co_spawn(io, registry.list_models(),
                   asio::bind_cancellation_slot(signal.slot(),
                                                [&](std::exception_ptr e, llmio::ModelListing) {
                                                    finished = true;
                                                    error = e;
                                                }));
    io.poll();
    CHECK_FALSE(finished);
    signal.emit(asio::cancellation_type::terminal);
    io.restart();
    io.run_for(5s);
    REQUIRE(finished);
    CHECK(listing_cancelled);
    REQUIRE(error);
    try {
        std::rethrow_exception(error);
    } catch (llmio::CancelledError const& e) {
        CHECK(std::string(e.what()) == "operation cancelled (cancelled while listing the models)");
    }
}

TEST_CASE("A resolved fake provider answers every call", "[registry]")
{
    llmio::test::run_async([](asio::any_io_executor) -> asio::awaitable<void> {
        ProviderRegistry registry;
        registry.add("lmstudio", fake("lmstudio", {"qwen/qwen3-8b"}));
        auto const [name, provider, id] = registry.resolve("lmstudio/qwen/qwen3-8b");
        llmio::ChatRequest request;
        request.model = id;
        auto const chat = co_await provider->chat(request);
        CHECK(chat.content == "chat from lmstudio");
        CHECK(chat.model == "qwen/qwen3-8b");
        std::string streamed;
        auto const assembled = co_await provider->chat_stream(
            request, [&](llmio::ChatChunk const& chunk) { streamed += chunk.content; });
        CHECK(streamed == "stream from lmstudio");
        CHECK(assembled.content == "stream from lmstudio");
        CHECK(assembled.finish_reason == llmio::FinishReason::stop);
        llmio::CompletionRequest completion;
        completion.model = id;
        auto const completed = co_await provider->complete(completion);
        CHECK(completed.text() == "completion from lmstudio");
        llmio::EmbeddingRequest embedding;
        embedding.input = {"a", "b"};
        auto const embedded = co_await provider->embed(embedding);
        CHECK(embedded.embeddings.size() == 2);
        auto const supported = co_await provider->supports_model(id);
        auto const unsupported = co_await provider->supports_model("other");
        CHECK(supported);
        CHECK_FALSE(unsupported);
        auto const capabilities = co_await provider->model_capabilities("other");
        CHECK_FALSE(capabilities.has_value());
        auto const health = co_await provider->health();
        CHECK(health.ok);
        auto const info = co_await provider->info();
        CHECK(info.model_count == 1u);
    });
}

TEST_CASE("The registry is safe to use from several threads at once", "[registry]")
{
    ProviderRegistry registry;
    registry.add("base", fake("base"));
    registry.set_default_provider("base");
    std::atomic<int> resolved{0};
    std::atomic<int> removed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                auto const name = "p" + std::to_string(t) + "-" + std::to_string(i);
                registry.add(name, fake(name));
                if (registry.resolve(name + "/m").provider_name == name)
                    ++resolved;
                if (registry.resolve("m").provider_name == "base")
                    ++resolved;
                if (registry.remove(name))
                    ++removed;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    CHECK(resolved == 4 * 200 * 2);
    CHECK(removed == 4 * 200);
    CHECK(registry.provider_names() == std::vector<std::string>{"base"});
}

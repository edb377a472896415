// Every LM Studio call retries a refused connection per the provider's RetryPolicy, the native
// API probe included: the port refuses the first attempt, and the emulator starts on it when
// the provider announces its retry (no sleeps: the retry log line is the event).

#include "support/run_async.hpp"

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/lmstudio_emulator.hpp>

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>

using namespace llmio;
namespace asio = boost::asio;

namespace {

// A port that refuses connections (bound, not listening) until `start_emulator` takes it over.
class RefusingThenServing {
public:
    RefusingThenServing()
    {
        holder_.open(asio::ip::tcp::v4());
        holder_.set_option(asio::socket_base::reuse_address(true));
        holder_.bind({asio::ip::make_address("127.0.0.1"), 0});
        port_ = holder_.local_endpoint().port();
    }

    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    void start_emulator()
    {
        if (emulator_)
            return;
        holder_.close();
        emulators::ServerOptions options;
        options.port = port_;
        emulator_ = std::make_unique<emulators::EmulatorServer>(
            std::make_shared<emulators::LmStudioEmulator>(), options);
        emulator_->start();
    }

    emulators::EmulatorServer* emulator() { return emulator_.get(); }

private:
    asio::io_context io_;
    asio::ip::tcp::socket holder_{io_};
    unsigned short port_ = 0;
    std::unique_ptr<emulators::EmulatorServer> emulator_;
};

struct RetryRun {
    int retries_logged = 0;
    std::size_t requests_served = 0;
};

RetryPolicy quick_retries()
{
    RetryPolicy policy;
    policy.max_retries = 3;
    policy.initial_backoff = std::chrono::milliseconds(1);
    policy.max_backoff = std::chrono::milliseconds(1);
    return policy;
}

template <class Call>
RetryRun refused_once_then_served(Call call, RetryPolicy provider_policy = quick_retries())
{
    RefusingThenServing port;
    RetryRun run;
    lmstudio::Options o;
    o.base_url = port.base_url();
    o.retry = provider_policy;
    o.http.timeouts.connect = std::chrono::seconds(30);
    o.download_poll_interval = std::chrono::milliseconds(1);
    o.http.logger = [&](LogLevel, std::string_view line) {
        if (line.find("lmstudio: retrying in") == std::string_view::npos)
            return;
        ++run.retries_logged;
        port.start_emulator(); // the next attempt finds a server
    };
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<bool> {
        lmstudio::Provider provider(ex, o);
        co_await call(provider);
        co_return true;
    });
    REQUIRE(port.emulator() != nullptr);
    run.requests_served = port.emulator()->requests_served();
    return run;
}

ChatRequest hello()
{
    ChatRequest r;
    r.model = "qwen2.5-7b-instruct";
    r.messages = {Message::user("hello")};
    return r;
}

} // namespace

TEST_CASE("lmstudio: every call retries a refused connection, the native probe included", "[lmstudio][retry]")
{
    using Provider = lmstudio::Provider;
    std::map<std::string, std::function<asio::awaitable<void>(Provider&)>> const calls{
        {"chat", [](Provider& p) -> asio::awaitable<void> {
             auto r = co_await p.chat(hello());
             CHECK_FALSE(r.content.empty());
         }},
        {"complete", [](Provider& p) -> asio::awaitable<void> {
             CompletionRequest r;
             r.model = "qwen2.5-7b-instruct";
             r.prompt = std::string("Once upon");
             auto c = co_await p.complete(std::move(r));
             CHECK(c.choices.size() == 1);
         }},
        {"list_models", [](Provider& p) -> asio::awaitable<void> {
             auto models = co_await p.list_models();
             CHECK(models.size() == 4);
         }},
        {"supports_model", [](Provider& p) -> asio::awaitable<void> {
             CHECK(co_await p.supports_model("qwen2.5-7b-instruct"));
         }},
        {"list_downloaded", [](Provider& p) -> asio::awaitable<void> {
             auto models = co_await p.model_manager()->list_downloaded();
             CHECK(models.size() == 4);
         }},
        {"load", [](Provider& p) -> asio::awaitable<void> {
             auto r = co_await p.model_manager()->load("deepseek-r1-reasoner", LoadOptions{});
             CHECK(r.instance_id == "deepseek-r1-reasoner");
         }},
        {"unload", [](Provider& p) -> asio::awaitable<void> {
             co_await p.model_manager()->unload("qwen2.5-7b-instruct");
         }},
        {"native_chat", [](Provider& p) -> asio::awaitable<void> {
             lmstudio::NativeChatRequest r;
             r.model = "qwen2.5-7b-instruct";
             r.input = "hello";
             r.stream = false;
             auto c = co_await p.native_chat(std::move(r));
             CHECK_FALSE(c.content.empty());
         }},
        {"download", [](Provider& p) -> asio::awaitable<void> {
             auto r = co_await p.model_manager()->download("openai/gpt-oss-20b", nullptr);
             CHECK(r.status == "completed");
         }},
    };
    for (auto const& [name, call] : calls) {
        DYNAMIC_SECTION(name)
        {
            auto const run = refused_once_then_served(call);
            CHECK(run.retries_logged == 1);
            CHECK(run.requests_served >= 1);
        }
    }
}

TEST_CASE("lmstudio: a call's own RetryPolicy governs the native probe too", "[lmstudio][retry]")
{
    using Provider = lmstudio::Provider;
    CallOptions call;
    call.retry = quick_retries();
    auto const chat = refused_once_then_served(
        [&](Provider& p) -> asio::awaitable<void> {
            auto r = co_await p.chat(hello(), call);
            CHECK_FALSE(r.content.empty());
        },
        RetryPolicy::none());
    CHECK(chat.retries_logged == 1);
    auto const native = refused_once_then_served(
        [&](Provider& p) -> asio::awaitable<void> {
            lmstudio::NativeChatRequest r;
            r.model = "qwen2.5-7b-instruct";
            r.input = "hello";
            r.stream = false;
            auto c = co_await p.native_chat(std::move(r), {}, call);
            CHECK_FALSE(c.content.empty());
        },
        RetryPolicy::none());
    CHECK(native.retries_logged == 1);
}

// Concurrency check for the ThreadSanitizer build (`.ci/test.sh tsan`): one provider of each
// kind, shared by many coroutines on a 4-thread io_context without any strand, as
// provider.hpp allows. Runs concurrent chats, streams, cancellations mid-stream, model cache
// refreshes, idle deadlines firing mid-stream and LM Studio / Ollama loads and unloads against
// the in-process emulators, checks every answer, and exits non-zero on a wrong result, an
// unexpected error or a hang.
// ThreadSanitizer itself makes the process exit with TSAN_OPTIONS' exitcode on any report.

#include "support/emulator_fixture.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/model_manager.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/openai/provider.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

constexpr int kThreads = 4;
constexpr int kRounds = 6; // per task

class Report {
public:
    void fail(std::string what)
    {
        std::lock_guard lock(mutex_);
        failures_.push_back(std::move(what));
    }
    void expect(bool ok, std::string const& what)
    {
        checks_.fetch_add(1);
        if (!ok)
            fail(what);
    }
    int checks() const { return checks_.load(); }
    void done() { completed_.fetch_add(1); }
    int completed() const { return completed_.load(); }
    std::vector<std::string> failures() const
    {
        std::lock_guard lock(mutex_);
        return failures_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> failures_;
    std::atomic<int> completed_{0};
    std::atomic<int> checks_{0};
};

ChatRequest ask(std::string model, std::string text)
{
    ChatRequest r;
    r.model = std::move(model);
    r.messages = {Message::user(std::move(text))};
    return r;
}

std::string expected_reply(std::string const& text) { return "Hello! You said: " + text; }

// The latest answer of a group of chat tasks on different threads: each task copies it, and
// others may be copying the same answer at the same time. Copies of an answer's raw document
// allocate from the arena it was parsed into (parse_document), which must take that.
class SharedAnswer {
public:
    std::shared_ptr<ChatResponse const> latest() const
    {
        std::lock_guard lock(mutex_);
        return latest_;
    }
    void publish(std::shared_ptr<ChatResponse const> answer)
    {
        std::lock_guard lock(mutex_);
        latest_ = std::move(answer);
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<ChatResponse const> latest_;
};

asio::awaitable<void> chats(ModelProvider& provider, std::string model, std::string tag, Report& report,
                            SharedAnswer* shared = nullptr)
{
    for (int i = 0; i < kRounds; ++i) {
        auto const text = tag + " chat " + std::to_string(i);
        auto response = std::make_shared<ChatResponse const>(co_await provider.chat(ask(model, text)));
        report.expect(response->content == expected_reply(text),
                      tag + ": chat answered '" + response->content + "'");
        if (shared == nullptr)
            continue;
        bool copied_whole = true; // the group's first answer finds none to copy
        if (auto const latest = shared->latest()) {
            for (int copies = 0; copies < 8; ++copies) { // more overlap with other threads' copies
                ChatResponse const copy = *latest;
                copied_whole = copied_whole && copy.raw == latest->raw && copy.content == latest->content;
            }
        }
        report.expect(copied_whole, tag + ": a copy of the group's latest answer differs");
        shared->publish(std::move(response));
    }
}

asio::awaitable<void> streams(ModelProvider& provider, std::string model, std::string tag, Report& report)
{
    for (int i = 0; i < kRounds; ++i) {
        auto const text = tag + " stream " + std::to_string(i);
        auto stream = co_await provider.chat_stream(ask(model, text));
        std::string content;
        while (auto chunk = co_await stream.next())
            content += chunk->content;
        report.expect(content == expected_reply(text), tag + ": stream gave '" + content + "'");
    }
}

// Against a slow emulator: drops a stream after its first chunk (the connection is closed
// mid-body), and cancels another from a timer while it waits for a chunk.
asio::awaitable<void> cancellations(ModelProvider& provider, std::string tag, Report& report)
{
    using namespace asio::experimental::awaitable_operators;
    for (int i = 0; i < kRounds; ++i) {
        {
            auto stream = co_await provider.chat_stream(
                ask("gpt-4o-mini", tag + " dropped after one chunk of many words " + std::to_string(i)));
            auto first = co_await stream.next();
            report.expect(first.has_value(), tag + ": dropped stream had no first chunk");
        }
        auto read_all = [&]() -> asio::awaitable<std::string> {
            auto stream = co_await provider.chat_stream(
                ask("gpt-4o-mini", tag + " cancelled by a timer while it streams " + std::to_string(i)));
            std::string content;
            while (auto chunk = co_await stream.next())
                content += chunk->content;
            co_return content;
        };
        asio::steady_timer timer(co_await asio::this_coro::executor, 15ms);
        try {
            auto const outcome = co_await (read_all() || timer.async_wait(asio::use_awaitable));
            report.expect(outcome.index() == 1, tag + ": the slow stream finished before the timer");
        } catch (CancelledError const&) {
            // The stream noticed the cancellation: also correct.
        }
    }
}

// Against an emulator whose streams stall after two events: the idle deadline fires while a
// read is pending, so the deadline timer cancels the socket from whatever thread runs it.
asio::awaitable<void> deadlines(ModelProvider& provider, std::string tag, Report& report)
{
    for (int i = 0; i < kRounds; ++i) {
        CallOptions call;
        call.timeouts = http::Timeouts{};
        call.timeouts->idle = 20ms;
        errc code = errc::network_error;
        try {
            auto stream = co_await provider.chat_stream(ask("gpt-4o-mini", tag + " stalls"), call);
            while (co_await stream.next()) {
            }
        } catch (TimeoutError const& e) {
            code = e.error();
        }
        report.expect(code == errc::idle_timeout, tag + ": a stalled stream did not time out");
    }
}

// Against the slow emulator (an event every 5 ms) with an idle timeout of about the same:
// the deadline fires now while a read is pending, now just as one completes, which is when
// the timer's handler and the reading coroutine meet on two threads. Either outcome is right.
asio::awaitable<void> near_deadlines(ModelProvider& provider, std::string tag, Report& report)
{
    for (int i = 0; i < kRounds; ++i) {
        CallOptions call;
        call.timeouts = http::Timeouts{};
        call.timeouts->idle = std::chrono::milliseconds(4 + i % 3);
        auto const text = tag + " near the deadline " + std::to_string(i);
        std::string content;
        bool timed_out = false;
        try {
            auto stream = co_await provider.chat_stream(ask("gpt-4o-mini", text), call);
            while (auto chunk = co_await stream.next())
                content += chunk->content;
        } catch (TimeoutError const& e) {
            timed_out = e.error() == errc::idle_timeout;
        }
        report.expect(timed_out || content == expected_reply(text),
                      tag + ": neither the answer nor an idle timeout: '" + content + "'");
    }
}

asio::awaitable<void> model_cache(ModelProvider& provider, std::function<void()> invalidate,
                                  std::string model, std::string tag, Report& report)
{
    for (int i = 0; i < kRounds; ++i) {
        if (i % 2 == 1)
            invalidate();
        report.expect(co_await provider.supports_model(model), tag + ": model " + model + " unknown");
        report.expect(!co_await provider.supports_model("no-such-model"), tag + ": unknown model found");
        auto const models = co_await provider.list_models();
        report.expect(!models.empty(), tag + ": empty model list");
    }
}

asio::awaitable<void> load_unload(LocalModelManager& manager, std::string model, std::string tag,
                                  Report& report)
{
    for (int i = 0; i < kRounds / 2; ++i) {
        auto const loaded = co_await manager.load(model, LoadOptions{});
        (void)loaded;
        bool listed = false;
        for (auto const& m : co_await manager.list_loaded())
            listed = listed || m.id.find(model) == 0;
        report.expect(listed, tag + ": " + model + " not listed as loaded after load");
        co_await manager.unload(model);
    }
}

template <class Executor, class Task>
void spawn(Executor executor, Report& report, std::string name, Task task)
{
    asio::co_spawn(executor, std::move(task), [&report, name](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (std::exception const& x) {
                report.fail(name + ": " + x.what());
            }
        }
        report.done();
    });
}

} // namespace

int main()
{
    auto slow_config = emulators::OpenAiEmulatorConfig::openai();
    slow_config.token_delay = 5ms;
    test::OpenAiEmulatorFixture openai_emulator;
    test::OpenAiEmulatorFixture slow_emulator(slow_config);
    test::LmStudioEmulatorFixture lmstudio_emulator;
    test::OllamaEmulatorFixture ollama_emulator;

    asio::io_context io(kThreads);
    auto const ex = io.get_executor();

    openai::Options openai_options;
    openai_options.base_url = openai_emulator.server.base_url();
    openai_options.http.concurrency.max_in_flight = 4; // a queue in front of the pool
    openai::OpenAICompatibleProvider openai_provider(ex, openai_options);

    test::OpenAiEmulatorFixture stalling_emulator;
    stalling_emulator.server.faults().add(emulators::Fault::stall_after(2).times(-1));
    openai::Options stalling_options;
    stalling_options.base_url = stalling_emulator.server.base_url();
    stalling_options.retry = RetryPolicy::none();
    openai::OpenAICompatibleProvider stalling_provider(ex, stalling_options);

    openai::Options slow_options;
    slow_options.base_url = slow_emulator.server.base_url();
    openai::OpenAICompatibleProvider slow_provider(ex, slow_options);

    lmstudio::Options lmstudio_options;
    lmstudio_options.base_url = lmstudio_emulator.server.base_url();
    lmstudio_options.model_cache_ttl = 1ms; // refreshes all the time
    lmstudio::Provider lmstudio_provider(ex, lmstudio_options);

    ollama::Options ollama_options;
    ollama_options.base_url = ollama_emulator.server.base_url();
    ollama_options.model_cache_ttl = 1ms;
    ollama::OllamaProvider ollama_provider(ex, ollama_options);

    Report report;
    int tasks = 0;
    auto add = [&](std::string name, asio::awaitable<void> task) {
        spawn(ex, report, std::move(name), std::move(task));
        ++tasks;
    };
    // Asio's cancellation signals, and so the awaitable `||` that cancels its loser, are not
    // thread-safe: the coroutine that uses them runs on a strand (its own business, not
    // llmio's; the provider it calls is shared with every other task all the same).
    auto add_on_strand = [&](std::string name, asio::awaitable<void> task) {
        spawn(asio::make_strand(io), report, std::move(name), std::move(task));
        ++tasks;
    };
    SharedAnswer openai_answers;
    SharedAnswer lmstudio_answers;
    for (int i = 0; i < 4; ++i) {
        auto const n = std::to_string(i);
        add("openai chats " + n, chats(openai_provider, "gpt-4o-mini", "openai-" + n, report, &openai_answers));
        add("openai streams " + n, streams(openai_provider, "gpt-4o-mini", "openai-" + n, report));
        add("lmstudio chats " + n,
            chats(lmstudio_provider, "qwen2.5-7b-instruct", "lmstudio-" + n, report, &lmstudio_answers));
        add("lmstudio streams " + n, streams(lmstudio_provider, "qwen2.5-7b-instruct", "lmstudio-" + n, report));
        add("ollama chats " + n, chats(ollama_provider, "llama3.2", "ollama-" + n, report));
        add("ollama streams " + n, streams(ollama_provider, "llama3.2", "ollama-" + n, report));
        add_on_strand("cancellations " + n, cancellations(slow_provider, "slow-" + n, report));
        add("deadlines " + n, deadlines(stalling_provider, "stalling-" + n, report));
        add("near deadlines " + n, near_deadlines(slow_provider, "near-" + n, report));
    }
    for (int i = 0; i < 2; ++i) {
        auto const n = std::to_string(i);
        add("lmstudio model cache " + n, model_cache(lmstudio_provider, [&] { lmstudio_provider.model_cache().invalidate(); },
                                                     "qwen2.5-7b-instruct", "lmstudio-cache-" + n, report));
        add("ollama model cache " + n, model_cache(ollama_provider, [&] { ollama_provider.invalidate_model_cache(); },
                                                   "llama3.2", "ollama-cache-" + n, report));
    }
    add("lmstudio load/unload", load_unload(*lmstudio_provider.model_manager(), "deepseek-r1-reasoner",
                                            "lmstudio-manager", report));
    add("ollama load/unload", load_unload(*ollama_provider.model_manager(), "qwen3", "ollama-manager", report));

    auto const started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    std::vector<std::future<void>> finished;
    for (int i = 0; i < kThreads; ++i) {
        std::promise<void> promise;
        finished.push_back(promise.get_future());
        threads.emplace_back([&io, p = std::move(promise)]() mutable {
            io.run();
            p.set_value();
        });
    }
    // The io_context runs out of work when every task ended; a hang is a failure, not a wait.
    bool hung = false;
    for (auto& f : finished)
        if (f.wait_until(started + 300s) != std::future_status::ready)
            hung = true;
    if (hung)
        io.stop();
    for (auto& t : threads)
        t.join();

    auto const failures = report.failures();
    auto const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("concurrency: %d of %d tasks completed in %.1f s on %d threads, %d checks, %zu failures\n",
                report.completed(), tasks, seconds, kThreads, report.checks(), failures.size());
    for (auto const& f : failures)
        std::printf("  FAILED: %s\n", f.c_str());
    if (hung)
        std::printf("  FAILED: tasks still running after 300 s\n");
    // Every round of every task checks something: fewer checks means work was skipped.
    int const expected_checks =
        4 * 6 * kRounds + 4 * 2 * kRounds + 2 * 4 * kRounds + 4 * 3 * kRounds + 2 * (kRounds / 2) +
        2 * 4 * kRounds; // the shared answers' copies
    if (report.checks() != expected_checks)
        std::printf("  FAILED: %d checks instead of %d\n", report.checks(), expected_checks);
    return failures.empty() && !hung && report.completed() == tasks &&
                   report.checks() == expected_checks
               ? 0
               : 1;
}

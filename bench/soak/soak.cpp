// Soak test (issue 12, not in CI): thousands of streamed chats against the in-process
// emulators of the three providers (OpenAI, LM Studio, Ollama) on one multi-threaded
// io_context, each ended at a random point:
//   before_headers  cancelled (terminal cancellation) right after it started
//   mid_drop        the ChatStream destroyed after 1..5 chunks
//   mid_signal      cancelled by a timer 1..20 ms into the stream
//   after_end       read to the end
// Reports open file descriptors (/proc/self/fd) and RSS (VmRSS, VmHWM) at the baseline, at the
// peak and afterwards, and fails (exit 1) when the descriptors are not back to the baseline,
// RSS did not come back within the tolerance, or any stream failed other than as cancelled.
//
//   llmio_soak [--streams N] [--threads T] [--concurrency C] [--seed S] [--rss-tolerance-mib M]
//
// Baseline and "after" are taken with no provider alive and no connection open at the
// emulators (the providers are destroyed and the emulators' connection counts awaited), after
// malloc_trim, so that pooled keep-alive connections do not count as leaks.

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/faults.hpp>
#include <llmio/testing/emulators/lmstudio_emulator.hpp>
#include <llmio/testing/emulators/ollama_emulator.hpp>
#include <llmio/testing/emulators/openai_emulator.hpp>

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/openai/provider.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <typeinfo>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct Settings {
    std::size_t streams = 10000;
    unsigned threads = 4;
    std::size_t concurrency = 64;
    unsigned seed = 12;
    double rss_tolerance_mib = 32;
};

Settings parse_args(int argc, char** argv)
{
    Settings s;
    for (int i = 1; i < argc; ++i) {
        std::string const arg = argv[i];
        auto value = [&]() -> char const* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "llmio_soak: %s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--streams")
            s.streams = std::strtoull(value(), nullptr, 10);
        else if (arg == "--threads")
            s.threads = static_cast<unsigned>(std::strtoul(value(), nullptr, 10));
        else if (arg == "--concurrency")
            s.concurrency = std::strtoull(value(), nullptr, 10);
        else if (arg == "--seed")
            s.seed = static_cast<unsigned>(std::strtoul(value(), nullptr, 10));
        else if (arg == "--rss-tolerance-mib")
            s.rss_tolerance_mib = std::strtod(value(), nullptr);
        else {
            std::fprintf(stderr,
                         "usage: llmio_soak [--streams N] [--threads T] [--concurrency C] [--seed S] "
                         "[--rss-tolerance-mib M]\n");
            std::exit(2);
        }
    }
    if (s.threads == 0 || s.concurrency == 0) {
        std::fprintf(stderr, "llmio_soak: --threads and --concurrency must be positive\n");
        std::exit(2);
    }
    return s;
}

std::size_t open_fds()
{
    std::size_t n = 0;
    for (auto const& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        (void)entry;
        ++n;
    }
    return n;
}

// A "Vm...:  1234 kB" field of /proc/self/status, in KiB.
long status_kib(std::string const& field)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(field + ":", 0) == 0)
            return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
    return -1;
}

double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

enum class Mode { before_headers, mid_drop, mid_signal, after_end };
constexpr char const* mode_names[] = {"before_headers", "mid_drop", "mid_signal", "after_end"};

struct Counts {
    std::atomic<std::size_t> completed{0};
    std::atomic<std::size_t> dropped{0};
    std::atomic<std::size_t> cancelled{0};
    std::atomic<std::size_t> cancelled_at_caller{0};
    std::atomic<std::size_t> failed{0};
    std::atomic<std::size_t> per_mode[4]{};
    std::atomic<long> peak_rss_kib{0};
    std::atomic<std::size_t> peak_fds{0};
    std::mutex failures_mutex;
    std::map<std::string, std::size_t> failures; // "mode on provider: what()" -> count
};

struct Emulators {
    Emulators()
        : openai(std::make_shared<llmio::emulators::OpenAiEmulator>(), {}),
          lmstudio(std::make_shared<llmio::emulators::LmStudioEmulator>(), {}),
          ollama(std::make_shared<llmio::emulators::OllamaEmulator>(), {})
    {
        for (auto* server : {&openai, &lmstudio, &ollama})
            server->start();
        // 1 ms between events, so that timers and drops land in the middle of streams.
        auto slow = [](std::string path) {
            llmio::emulators::Fault f;
            f.path = std::move(path);
            f.count = -1;
            f.chunk_delay = 1ms;
            return f;
        };
        openai.faults().add(slow("/v1/chat/completions"));
        lmstudio.faults().add(slow("/v1/chat/completions"));
        ollama.faults().add(slow("/api/chat"));
    }

    std::uint64_t open_connections() const
    {
        return openai.open_connections() + lmstudio.open_connections() + ollama.open_connections();
    }

    llmio::emulators::EmulatorServer openai;
    llmio::emulators::EmulatorServer lmstudio;
    llmio::emulators::EmulatorServer ollama;
};

struct Providers {
    Providers(asio::io_context& io, Emulators& emulators, std::size_t concurrency)
    {
        auto http = [&] {
            llmio::http::HttpOptions h;
            h.timeouts.connect = 10s;
            h.timeouts.first_byte = 30s;
            h.timeouts.idle = 30s;
            h.timeouts.total = 60s;
            h.pool.max_idle_per_origin = concurrency;
            h.concurrency.max_in_flight = concurrency;
            return h;
        };
        llmio::openai::Options o;
        o.base_url = emulators.openai.base_url() + "/v1";
        o.api_key = "sk-soak";
        o.http = http();
        o.retry = llmio::RetryPolicy::none();
        all.push_back(std::make_unique<llmio::openai::OpenAICompatibleProvider>(io.get_executor(), o));
        llmio::lmstudio::Options l;
        l.base_url = emulators.lmstudio.base_url();
        l.http = http();
        l.retry = llmio::RetryPolicy::none();
        all.push_back(std::make_unique<llmio::lmstudio::Provider>(io.get_executor(), l));
        llmio::ollama::Options n;
        n.base_url = emulators.ollama.base_url();
        n.http = http();
        n.retry = llmio::RetryPolicy::none();
        all.push_back(std::make_unique<llmio::ollama::OllamaProvider>(io.get_executor(), n));
    }

    std::vector<std::unique_ptr<llmio::ModelProvider>> all;
};

char const* const kModels[] = {"gpt-4o-mini", "qwen2.5-7b-instruct", "llama3.2:latest"};

llmio::ChatRequest request_for(std::size_t provider)
{
    llmio::ChatRequest r;
    r.model = kModels[provider];
    // About 40 tokens of answer: the emulators echo the prompt.
    r.messages.push_back(llmio::Message::user(
        "please repeat these words one by one so that the stream carries many small events for the "
        "soak test to cut at random points while it runs on four threads at once"));
    return r;
}

enum class Ended { completed, dropped, cancelled };

asio::awaitable<Ended> read_stream(llmio::ModelProvider& provider, llmio::ChatRequest request, Mode mode, int keep)
{
    auto stream = co_await provider.chat_stream(std::move(request));
    int chunks = 0;
    while (auto chunk = co_await stream.next()) {
        if (mode == Mode::mid_drop && ++chunks >= keep)
            co_return Ended::dropped; // the stream's destructor closes the connection
    }
    co_return Ended::completed;
}

// One stream, ended per `mode`, on the calling coroutine's strand.
asio::awaitable<void> one_stream(llmio::ModelProvider& provider, std::size_t provider_index, Mode mode, int keep,
                                 std::chrono::milliseconds delay, Counts& counts)
{
    auto ex = co_await asio::this_coro::executor;
    auto signal = std::make_shared<asio::cancellation_signal>();
    auto timer = std::make_shared<asio::steady_timer>(ex);
    if (mode == Mode::before_headers) {
        asio::post(ex, [signal] { signal->emit(asio::cancellation_type::terminal); });
    } else if (mode == Mode::mid_signal) {
        timer->expires_after(delay);
        timer->async_wait([signal](boost::system::error_code ec) {
            if (!ec)
                signal->emit(asio::cancellation_type::terminal);
        });
    }
    ++counts.per_mode[static_cast<int>(mode)];
    try {
        Ended const ended = co_await asio::co_spawn(
            ex, read_stream(provider, request_for(provider_index), mode, keep),
            asio::bind_cancellation_slot(signal->slot(), asio::use_awaitable));
        ++(ended == Ended::completed ? counts.completed : counts.dropped);
    } catch (llmio::CancelledError const&) {
        ++counts.cancelled;
    } catch (boost::system::system_error const& e) {
        // A cancellation that arrives just as a library call completes is raised by asio itself
        // at this coroutine's next co_await (throw_if_cancelled): the application's frame, not
        // the library's, so it is operation_aborted rather than CancelledError.
        if (e.code() == asio::error::operation_aborted && mode == Mode::mid_signal) {
            ++counts.cancelled_at_caller;
        } else {
            ++counts.failed;
            std::lock_guard lock(counts.failures_mutex);
            ++counts.failures[std::string(mode_names[static_cast<int>(mode)]) + " on " +
                              std::string(provider.name()) + ": " + e.what()];
        }
    } catch (std::exception const& e) {
        ++counts.failed;
        std::lock_guard lock(counts.failures_mutex);
        ++counts.failures[std::string(mode_names[static_cast<int>(mode)]) + " on " + std::string(provider.name()) +
                          ": " + typeid(e).name() + ": " + e.what()];
    }
    timer->cancel();
}

void note_peaks(Counts& counts)
{
    long const rss = status_kib("VmRSS");
    long prev = counts.peak_rss_kib.load();
    while (rss > prev && !counts.peak_rss_kib.compare_exchange_weak(prev, rss)) {
    }
    std::size_t const fds = open_fds();
    std::size_t prev_fds = counts.peak_fds.load();
    while (fds > prev_fds && !counts.peak_fds.compare_exchange_weak(prev_fds, fds)) {
    }
}

asio::awaitable<void> worker(Providers& providers, std::atomic<std::size_t>& next, std::size_t total, unsigned seed,
                             Counts& counts)
{
    std::mt19937 random(seed);
    for (std::size_t i = next++; i < total; i = next++) {
        std::size_t const p = random() % providers.all.size();
        auto const mode = static_cast<Mode>(random() % 4);
        int const keep = 1 + static_cast<int>(random() % 5);
        auto const delay = std::chrono::milliseconds(1 + random() % 20);
        co_await one_stream(*providers.all[p], p, mode, keep, delay, counts);
        if (i % 250 == 0)
            note_peaks(counts);
    }
}

// Runs `streams` streams on a fresh set of providers, then destroys them and waits until the
// emulators saw every connection closed (bounded: 30 s).
bool run_round(Emulators& emulators, Settings const& s, std::size_t streams, Counts& counts)
{
    asio::io_context io(static_cast<int>(s.threads));
    {
        Providers providers(io, emulators, s.concurrency);
        std::atomic<std::size_t> next{0};
        for (std::size_t w = 0; w < s.concurrency; ++w)
            asio::co_spawn(asio::make_strand(io), worker(providers, next, streams, s.seed + static_cast<unsigned>(w), counts),
                           asio::detached);
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < s.threads; ++t)
            threads.emplace_back([&io] { io.run(); });
        for (auto& t : threads)
            t.join();
        note_peaks(counts);
    }
    auto const until = std::chrono::steady_clock::now() + 30s;
    while (emulators.open_connections() != 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(10ms);
    return emulators.open_connections() == 0;
}

} // namespace

int main(int argc, char** argv)
{
    Settings const s = parse_args(argc, argv);
    Emulators emulators;

    // Warm-up: the allocator's per-thread arenas and the emulators' first connections.
    Counts warm;
    run_round(emulators, s, std::min<std::size_t>(500, s.streams), warm);
    malloc_trim(0);
    std::size_t const base_fds = open_fds();
    long const base_rss = status_kib("VmRSS");
    std::printf("baseline: fds %zu, rss %.1f MiB\n", base_fds, mib(base_rss));

    Counts counts;
    auto const start = std::chrono::steady_clock::now();
    bool const closed = run_round(emulators, s, s.streams, counts);
    double const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    malloc_trim(0);
    std::size_t const after_fds = open_fds();
    long const after_rss = status_kib("VmRSS");

    std::printf("streams: %zu in %.1f s on %u threads, %zu at once (seed %u)\n", s.streams, seconds, s.threads,
                s.concurrency, s.seed);
    std::printf("  modes: before_headers %zu, mid_drop %zu, mid_signal %zu, after_end %zu\n",
                counts.per_mode[0].load(), counts.per_mode[1].load(), counts.per_mode[2].load(),
                counts.per_mode[3].load());
    std::printf("  ended: completed %zu, dropped %zu, cancelled %zu (CancelledError %zu, asio at the caller's "
                "co_await %zu), failed %zu\n",
                counts.completed.load(), counts.dropped.load(), counts.cancelled.load() + counts.cancelled_at_caller.load(),
                counts.cancelled.load(), counts.cancelled_at_caller.load(), counts.failed.load());
    std::printf("peak:     fds %zu, rss %.1f MiB (VmHWM %.1f MiB)\n", counts.peak_fds.load(),
                mib(counts.peak_rss_kib.load()), mib(status_kib("VmHWM")));
    std::printf("after:    fds %zu, rss %.1f MiB\n", after_fds, mib(after_rss));

    bool ok = true;
    if (counts.failed != 0) {
        std::printf("FAIL: %zu streams failed:\n", counts.failed.load());
        for (auto const& [what, n] : counts.failures)
            std::printf("  %zu x %s\n", n, what.c_str());
        ok = false;
    }
    if (!closed) {
        std::printf("FAIL: the emulators still see %llu open connections 30 s after the providers were destroyed\n",
                    static_cast<unsigned long long>(emulators.open_connections()));
        ok = false;
    }
    if (after_fds != base_fds) {
        std::printf("FAIL: %zu file descriptors open afterwards, %zu at the baseline\n", after_fds, base_fds);
        ok = false;
    }
    if (mib(after_rss - base_rss) > s.rss_tolerance_mib) {
        std::printf("FAIL: RSS grew by %.1f MiB (tolerance %.1f MiB)\n", mib(after_rss - base_rss),
                    s.rss_tolerance_mib);
        ok = false;
    }
    std::printf("%s\n", ok ? "OK" : "FAILED");
    return ok ? 0 : 1;
}

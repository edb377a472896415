// `llmio bench-model`: N streamed chats at concurrency C against a real server, each measured
// by a RequestMeter, and the percentiles of time to first token, tokens per second and total.

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/provider_selection.hpp"

#include <llmio/error.hpp>
#include <llmio/metrics.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <ostream>

namespace llmio::cli {

namespace {

namespace asio = boost::asio;

/// What the workers share: the next request's number and every finished request's figures.
struct Run {
    ModelProvider& provider;
    ChatRequest request;
    std::size_t total = 0;
    std::size_t next = 0;
    std::size_t running = 0;
    std::vector<double> first_token_s;
    std::vector<double> tokens_per_second;
    std::vector<double> server_tokens_per_second;
    std::vector<double> total_s;
    std::size_t errors = 0;
    std::exception_ptr first_error;
    asio::steady_timer all_done;
};

double seconds(RequestRecord::Duration d) { return std::chrono::duration<double>(d).count(); }

void keep(Run& run, RequestRecord const& r)
{
    if (r.error) {
        ++run.errors;
        return;
    }
    run.total_s.push_back(seconds(r.total));
    if (r.time_to_first_token)
        run.first_token_s.push_back(seconds(*r.time_to_first_token));
    if (r.tokens_per_second)
        run.tokens_per_second.push_back(*r.tokens_per_second);
    if (r.server && r.server->tokens_per_second)
        run.server_tokens_per_second.push_back(*r.server->tokens_per_second);
}

// One streamed chat, measured as `llmio chat --stats` measures it.
asio::awaitable<void> one_request(Run& run, std::shared_ptr<Metrics> metrics)
{
    RequestMeter meter(metrics, run.provider.name(), run.request.model, Operation::chat_stream);
    CallOptions call;
    call.meter = &meter;
    RequestMeter* tokens = &meter;
    auto on_chunk = [tokens](ChatChunk const& chunk) {
        if (!chunk.content.empty() || !chunk.reasoning.empty() || !chunk.tool_calls.empty())
            tokens->token();
    };
    try {
        auto response = co_await run.provider.chat_stream(run.request, std::move(on_chunk), call);
        if (response.usage)
            meter.set_usage(*response.usage);
        if (response.stats)
            meter.set_stats(*response.stats);
        meter.succeed();
    } catch (CancelledError const&) {
        throw;
    } catch (...) {
        if (!run.first_error)
            run.first_error = std::current_exception();
        meter.fail(std::current_exception());
    }
}

asio::awaitable<void> worker(Run& run, std::shared_ptr<Metrics> metrics)
{
    // Bounded by run.total: each pass takes one request number.
    while (run.next < run.total) {
        ++run.next;
        co_await one_request(run, metrics);
    }
}

/// Nearest rank: the smallest value with at least q of the values at or below it.
double percentile(std::vector<double> sorted, double q)
{
    std::sort(sorted.begin(), sorted.end());
    auto const rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

boost::json::value summary_json(std::vector<double> const& values)
{
    if (values.empty())
        return nullptr;
    double sum = 0;
    for (double v : values)
        sum += v;
    return boost::json::object{{"p50", percentile(values, 0.5)},
                               {"p90", percentile(values, 0.9)},
                               {"p99", percentile(values, 0.99)},
                               {"mean", sum / static_cast<double>(values.size())},
                               {"count", values.size()}};
}

std::string cell(std::vector<double> const& values, double q, int decimals)
{
    if (values.empty())
        return "-";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, percentile(values, q));
    return buffer;
}

} // namespace

boost::asio::awaitable<int> cmd_bench_model(Context& ctx, BenchModelOptions options)
{
    auto selection = co_await select_with_model(ctx, options.gen.model, ModelUse::generation);
    ChatRequest request;
    request.model = selection.model;
    request.max_tokens = options.gen.max_tokens;
    request.temperature = options.gen.temperature;
    request.seed = options.gen.seed;
    request.messages.push_back(Message::user(options.prompt));

    auto const executor = co_await asio::this_coro::executor;
    Run run{*selection.provider, std::move(request), options.requests, 0, 0, {}, {}, {}, {}, 0, nullptr,
            asio::steady_timer(executor, asio::steady_timer::time_point::max())};
    MetricsOptions metrics_options;
    metrics_options.observer = [&run](RequestRecord const& r) { keep(run, r); };
    auto metrics = std::make_shared<Metrics>(std::move(metrics_options));

    auto const started = std::chrono::steady_clock::now();
    std::size_t const workers = std::min(options.concurrency, options.requests);
    std::vector<std::unique_ptr<asio::cancellation_signal>> stops;
    for (std::size_t i = 0; i < workers; ++i) {
        stops.push_back(std::make_unique<asio::cancellation_signal>());
        ++run.running;
        asio::co_spawn(executor, worker(run, metrics),
                       asio::bind_cancellation_slot(stops.back()->slot(), [&run](std::exception_ptr) {
                           if (--run.running == 0)
                               run.all_done.cancel();
                       }));
    }
    bool cancelled = false;
    // Bounded: the workers end after `requests` requests (each bounded by its timeouts) or at
    // Ctrl-C, which cancels this wait; then they are cancelled and awaited.
    while (run.running > 0) {
        auto [ec] = co_await run.all_done.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)ec;
        if (run.running > 0 && !cancelled) {
            cancelled = true;
            for (auto& stop : stops)
                stop->emit(asio::cancellation_type::terminal);
        }
    }
    if (cancelled)
        throw_error(errc::cancelled, "bench-model was interrupted");
    if (run.total_s.empty() && run.first_error)
        std::rethrow_exception(run.first_error);
    double const wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    auto& out = ctx.streams.out;
    if (options.gen.json) {
        print_json(out, boost::json::object{{"provider", selection.provider_name},
                                            {"model", selection.model},
                                            {"requests", options.requests},
                                            {"concurrency", workers},
                                            {"errors", run.errors},
                                            {"wall_s", wall},
                                            {"time_to_first_token_s", summary_json(run.first_token_s)},
                                            {"tokens_per_second", summary_json(run.tokens_per_second)},
                                            {"server_tokens_per_second", summary_json(run.server_tokens_per_second)},
                                            {"total_s", summary_json(run.total_s)}});
        co_return 0;
    }
    out << shown(selection.model) << " on " << selection.provider_name << ": " << options.requests
        << " requests, concurrency " << workers << ", " << run.errors << " errors, "
        << cell({wall}, 0.5, 2) << " s\n";
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"time to first token (s)", cell(run.first_token_s, 0.5, 3), cell(run.first_token_s, 0.9, 3),
                    cell(run.first_token_s, 0.99, 3)});
    rows.push_back({"tokens/s", cell(run.tokens_per_second, 0.5, 1), cell(run.tokens_per_second, 0.9, 1),
                    cell(run.tokens_per_second, 0.99, 1)});
    if (!run.server_tokens_per_second.empty())
        rows.push_back({"tokens/s (server)", cell(run.server_tokens_per_second, 0.5, 1),
                        cell(run.server_tokens_per_second, 0.9, 1), cell(run.server_tokens_per_second, 0.99, 1)});
    rows.push_back({"total (s)", cell(run.total_s, 0.5, 3), cell(run.total_s, 0.9, 3), cell(run.total_s, 0.99, 3)});
    print_table(out, {"", "p50", "p90", "p99"}, rows);
    out.flush();
    co_return 0;
}

} // namespace llmio::cli

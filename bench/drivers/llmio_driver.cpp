// The llmio driver: the workloads through llmio's public API, as an application would call it.
#include "harness.hpp"

#include "../canned_server/responses.hpp"

#include <llmio/chat_stream.hpp>
#include <llmio/discovery.hpp>
#include <llmio/error.hpp>
#include <llmio/metrics.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/openai/provider.hpp>
#include <llmio/router.hpp>

#include <boost/asio.hpp>

#include <exception>
#include <iostream>
#include <memory>

namespace asio = boost::asio;
using namespace llmio::bench;

namespace {

struct Work {
    Args args;
    llmio::ModelProvider* provider = nullptr;
    std::string expected;     // streamed answer
    std::size_t next = 0;     // next request to start
    std::size_t tokens = 0;   // tokens received, all workers
};

llmio::ChatRequest make_request(Args const& args, bool streaming)
{
    llmio::ChatRequest request;
    request.model = streaming && args.workload == "w4" ? "llama3.2" : "gpt-4o-mini";
    request.messages = {llmio::Message::user("Say hello.")};
    if (streaming) {
        request.max_tokens = static_cast<std::int64_t>(args.tokens);
        if (args.workload != "w4")
            request.include_usage = true;
    }
    return request;
}

asio::awaitable<void> chat_worker(Work& work)
{
    while (work.next < work.args.requests) {
        ++work.next;
        auto response = co_await work.provider->chat(make_request(work.args, false));
        if (response.content != chat_completion_content)
            fail("chat content: " + response.content);
        if (!response.usage || response.usage->total_tokens != 29)
            fail("chat usage");
    }
}

asio::awaitable<void> stream_worker(Work& work)
{
    bool const ollama = work.args.workload == "w4";
    while (work.next < work.args.requests) {
        ++work.next;
        auto stream = co_await work.provider->chat_stream(make_request(work.args, true));
        std::string content;
        std::size_t tokens = 0;
        for (;;) {
            auto chunk = co_await stream.next();
            if (!chunk)
                break;
            if (!chunk->content.empty()) {
                ++tokens;
                content += chunk->content;
            }
        }
        if (tokens != work.args.tokens || content != work.expected)
            fail("stream: " + std::to_string(tokens) + " tokens, " + std::to_string(content.size()) + " bytes");
        auto const& result = stream.result();
        if (result.content != work.expected || result.finish_reason != llmio::FinishReason::stop)
            fail("stream result");
        if (!ollama && (!result.usage || result.usage->completion_tokens != static_cast<std::int64_t>(tokens)))
            fail("stream usage");
        work.tokens += tokens;
    }
}

asio::awaitable<void> discover_all(Args args)
{
    for (std::size_t i = 0; i < args.requests; ++i) {
        llmio::DiscoveryOptions options;
        if (!args.url2.empty())
            options.defaults = {args.url, args.url2};
        auto result = co_await llmio::discover(options);
        if (args.url2.empty()) {
            if (!result.found.empty())
                fail("discover found a server where none listens: " + result.found.front().base_url);
        } else if (result.found.size() != 2 || result.found[0].kind != llmio::ServerKind::lmstudio ||
                   result.found[1].kind != llmio::ServerKind::ollama) {
            fail("discover did not find both emulators");
        }
    }
}

} // namespace

int main(int argc, char** argv)
{
    auto const args = parse_args(argc, argv);
    asio::io_context io(1);
    Measurement measurement;
    Work work;
    work.args = args;
    work.expected = expected_stream_content(args.tokens);

    // Sized for the run's concurrency, as an application that knows it would.
    llmio::http::HttpOptions http;
    http.pool.max_idle_per_origin = std::max<std::size_t>(16, args.concurrency);
    http.concurrency.max_in_flight = std::max<std::size_t>(64, args.concurrency);

    // --metrics on: every request recorded, as an application exporting Prometheus would.
    auto metrics = args.metrics ? std::make_shared<llmio::Metrics>() : nullptr;

    // One provider instance on the canned server; with --router on, two (each with its own
    // pool and circuit) as the replicas of one route, so that every request pays the router's
    // replica choice, circuit and bookkeeping, and the canned server answers the same bytes.
    auto make_provider = [&](std::string name) -> std::shared_ptr<llmio::ModelProvider> {
        if (args.workload == "w4") {
            llmio::ollama::Options options;
            options.base_url = args.url;
            options.name = std::move(name);
            options.http = http;
            options.metrics = metrics;
            return std::make_shared<llmio::ollama::OllamaProvider>(io.get_executor(), options);
        }
        llmio::openai::Options options;
        options.base_url = args.url + "/v1";
        options.api_key = "sk-bench";
        options.name = std::move(name);
        options.http = http;
        options.metrics = metrics;
        return std::make_shared<llmio::openai::OpenAICompatibleProvider>(io.get_executor(), options);
    };
    std::shared_ptr<llmio::ModelProvider> provider;
    if (args.workload != "w5" && args.router) {
        llmio::RouterOptions options;
        options.providers = {{"a", make_provider("a")}, {"b", make_provider("b")}};
        std::string const model = args.workload == "w4" ? "llama3.2" : "gpt-4o-mini";
        llmio::Route route;
        route.targets = {{{"a", "b"}, model}};
        route.auto_load = false; // the canned server manages no models
        options.routes[model] = route; // the request names the route as it named the model
        provider = std::make_shared<llmio::Router>(std::move(options));
    } else if (args.workload != "w5") {
        provider = make_provider(args.workload == "w4" ? "ollama" : "openai");
    }
    work.provider = provider.get();

    std::exception_ptr error;
    auto on_done = [&](std::exception_ptr e) {
        if (e && !error)
            error = e;
    };
    if (args.workload == "w5") {
        asio::co_spawn(io, discover_all(args), on_done);
    } else {
        for (std::size_t i = 0; i < args.concurrency; ++i)
            asio::co_spawn(io, args.workload == "w1" ? chat_worker(work) : stream_worker(work), on_done);
    }
    io.run();
    if (error) {
        try {
            std::rethrow_exception(error);
        } catch (std::exception const& e) {
            fail(e.what());
        }
    }
    measurement.report(args.requests, work.tokens);
    if (metrics && metrics->snapshot().merged().count(llmio::Count::requests) != args.requests)
        fail("metrics counted another number of requests than were made");
}

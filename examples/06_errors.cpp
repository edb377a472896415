// Example 6: typed errors and retries.
//
//   06_errors <base-url> [model]   # default model: qwen2.5-7b-instruct
//
// 1. a chat with a per-call retry policy (transient failures are retried, you see only the result);
// 2. the same without retries, so a transient failure reaches you as its typed error;
// 3. a model that does not exist: ModelNotFoundError;
// 4. a port where nothing listens: NetworkError with errc::connection_refused.
// Exits with 1 when 3 or 4 do not fail the way they should.

#include "common.hpp"

#include <llmio/lmstudio/provider.hpp>

#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <iostream>
#include <string>

namespace {

// [snippet:catch]
// Prints what a failed call tells about itself.
void report(llmio::ProviderError const& e)
{
    std::cout << llmio::kind_name(e.kind()) << " (" << e.code().message() << ")";
    if (e.http_status() != 0)
        std::cout << ", HTTP " << e.http_status();
    if (!e.server_message().empty())
        std::cout << ", server says: " << e.server_message();
    if (!e.request_id().empty())
        std::cout << ", request id " << e.request_id();
    if (!e.hint().empty())
        std::cout << "\n  hint: " << e.hint();
    std::cout << (e.retryable() ? "\n  (transient)" : "") << '\n';
}

boost::asio::awaitable<void> ask(llmio::ModelProvider& provider, llmio::ChatRequest request,
                                 llmio::CallOptions options)
{
    try {
        llmio::ChatResponse reply = co_await provider.chat(request, options);
        std::cout << "answer: " << reply.content << '\n';
    } catch (llmio::RateLimitError const& e) {
        report(e);
        if (e.retry_after())
            std::cout << "  the server asks to wait " << e.retry_after()->count() << " ms\n";
    } catch (llmio::ModelNotFoundError const& e) {
        report(e); // e.g. load the model first, or pick one from list_models()
    } catch (llmio::ProviderError const& e) {
        report(e); // every other failure: network, timeout, server, malformed response ...
    }
}
// [end-snippet]

boost::asio::awaitable<int> run(std::string base_url, std::string model)
{
    auto executor = co_await boost::asio::this_coro::executor;
    llmio::lmstudio::Options options;
    options.base_url = base_url;
    llmio::lmstudio::Provider lmstudio(executor, options);

    llmio::ChatRequest request;
    request.model = model;
    request.messages = {llmio::Message::user("Hello")};

    // [snippet:retry-policy]
    llmio::RetryPolicy patient;
    patient.max_retries = 4;                                // after the first attempt
    patient.initial_backoff = std::chrono::milliseconds(200); // then 400, 800 ... (full jitter)
    patient.max_backoff = std::chrono::seconds(5);
    patient.max_retry_after = std::chrono::seconds(30);     // a longer Retry-After fails at once

    llmio::CallOptions call;
    call.retry = patient; // this call only; llmio::lmstudio::Options::retry sets the default
    co_await ask(lmstudio, request, call);
    // [end-snippet]

    // [snippet:no-retry]
    llmio::CallOptions once;
    once.retry = llmio::RetryPolicy::none(); // the first failure is thrown
    co_await ask(lmstudio, request, once);
    // [end-snippet]

    // [snippet:by-code]
    llmio::ChatRequest unknown = request;
    unknown.model = "no-such-model";
    bool not_found = false;
    try {
        co_await lmstudio.chat(unknown);
    } catch (llmio::ProviderError const& e) {
        report(e);
        not_found = e.code() == llmio::errc::model_not_found; // or e.error(), e.kind()
    }
    // [end-snippet]
    if (!not_found)
        co_return 1;

    // Port 1 on this machine: nothing listens there.
    llmio::lmstudio::Options nowhere;
    nowhere.base_url = "http://127.0.0.1:1";
    nowhere.retry = llmio::RetryPolicy::none();
    llmio::lmstudio::Provider offline(executor, nowhere);
    bool refused = false;
    try {
        co_await offline.chat(request);
    } catch (llmio::NetworkError const& e) {
        report(e);
        refused = e.code() == llmio::errc::connection_refused;
    }
    co_return refused ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    return examples::run_main(argc, argv, "06_errors <base-url> [model]",
                              [](examples::CommandLine const& line) {
                                  return run(line.arg(0), line.arg(1, "qwen2.5-7b-instruct"));
                              });
}

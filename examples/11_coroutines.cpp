// Example 11: coroutine patterns: requests in parallel, a deadline, per-call timeouts and
// cancelling from outside.
//
//   11_coroutines <base-url> [model]   # default model: qwen2.5-7b-instruct
//
// The deadline, timeout and cancel sections print what happened (a fast server answers in time,
// a slow one does not). Exits with 1 when the parallel answers are missing or out of order.

#include "common.hpp"

#include <llmio/lmstudio/provider.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

namespace {

using namespace std::chrono_literals;

llmio::ChatRequest question(std::string const& model, std::string text)
{
    llmio::ChatRequest request;
    request.model = model;
    request.messages = {llmio::Message::user(std::move(text))};
    return request;
}

// [snippet:deadline]
// Whichever finishes first wins; the other is cancelled. A chat cancelled this way closes its
// connection (the server stops generating) and is never retried.
boost::asio::awaitable<void> chat_with_deadline(llmio::ModelProvider& provider,
                                                llmio::ChatRequest request)
{
    using namespace boost::asio::experimental::awaitable_operators;
    boost::asio::steady_timer deadline(co_await boost::asio::this_coro::executor, 2s);

    std::variant<llmio::ChatResponse, std::monostate> winner =
        co_await (provider.chat(request) || deadline.async_wait(boost::asio::use_awaitable));
    if (winner.index() == 0)
        std::cout << "deadline: answered: " << std::get<0>(winner).content << '\n';
    else
        std::cout << "deadline: no answer within 2 s, gave up\n";
}
// [end-snippet]

// [snippet:stoppable]
// A stream read to the end, or until whoever holds the signal emits it.
boost::asio::awaitable<std::string> read_stream(llmio::ModelProvider& provider,
                                                llmio::ChatRequest request)
{
    llmio::ChatStream stream = co_await provider.chat_stream(request);
    for (;;) {
        std::optional<llmio::ChatChunk> chunk = co_await stream.next();
        if (!chunk)
            break;
    }
    co_return stream.result().content;
}

boost::asio::awaitable<void> stoppable_stream(llmio::ModelProvider& provider,
                                              llmio::ChatRequest request)
{
    auto executor = co_await boost::asio::this_coro::executor;
    boost::asio::cancellation_signal stop; // e.g. behind a "Stop" button

    // Here a timer presses the button. From another thread, post the emit to `executor`.
    boost::asio::steady_timer button(executor, 2s);
    button.async_wait([&stop](boost::system::error_code ec) {
        if (!ec) // operation_aborted: the stream ended first and `stop` may be gone
            stop.emit(boost::asio::cancellation_type::terminal);
    });

    try {
        std::string text = co_await boost::asio::co_spawn(
            executor, read_stream(provider, request),
            boost::asio::bind_cancellation_slot(stop.slot(), boost::asio::use_awaitable));
        std::cout << "stoppable: finished: " << text << '\n';
    } catch (boost::system::system_error const& e) {
        // llmio::CancelledError (errc::cancelled) when the signal reached a llmio call; Asio's
        // operation_aborted when it came while the coroutine was between two co_awaits.
        if (e.code() != llmio::errc::cancelled && e.code() != boost::asio::error::operation_aborted)
            throw;
        std::cout << "stoppable: stopped\n";
    }
    button.cancel();
}
// [end-snippet]

boost::asio::awaitable<void> short_first_byte_timeout(llmio::ModelProvider& provider,
                                                      llmio::ChatRequest request)
{
    // [snippet:call-timeouts]
    llmio::CallOptions options;
    options.timeouts = llmio::http::Timeouts{}; // connect 10 s, first byte 10 min, idle 2 min
    options.timeouts->first_byte = 2s;          // the server must start answering within 2 s
    options.timeouts->total = 2min;             // and be done within 2 minutes
    try {
        llmio::ChatResponse reply = co_await provider.chat(request, options);
        std::cout << "timeouts: answered: " << reply.content << '\n';
    } catch (llmio::TimeoutError const& e) {
        // e.code(): errc::connect_timeout, first_byte_timeout, idle_timeout or total_timeout
        std::cout << "timeouts: " << e.code().message() << '\n';
    }
    // [end-snippet]
}

boost::asio::awaitable<int> run(std::string base_url, std::string model)
{
    auto executor = co_await boost::asio::this_coro::executor;
    llmio::lmstudio::Options options;
    options.base_url = base_url;
    llmio::lmstudio::Provider lmstudio(executor, options);

    co_await chat_with_deadline(lmstudio, question(model, "Write a long poem."));
    co_await stoppable_stream(lmstudio, question(model, "Write a long story."));
    co_await short_first_byte_timeout(lmstudio, question(model, "Think hard."));

    // [snippet:two]
    using namespace boost::asio::experimental::awaitable_operators;
    auto [north, south] = co_await (lmstudio.chat(question(model, "North?")) &&
                                    lmstudio.chat(question(model, "South?")));
    std::cout << north.content << " / " << south.content << '\n';
    // [end-snippet]

    // [snippet:many]
    std::vector<std::string> const texts = {"one", "two", "three", "four"};
    using ChatOperation = decltype(boost::asio::co_spawn(
        executor, lmstudio.chat(llmio::ChatRequest{}), boost::asio::deferred));
    std::vector<ChatOperation> calls;
    for (std::string const& text : texts)
        calls.push_back(
            boost::asio::co_spawn(executor, lmstudio.chat(question(model, text)), boost::asio::deferred));

    // All at once; results and errors come back in the order of `calls`.
    auto [order, errors, replies] =
        co_await boost::asio::experimental::make_parallel_group(std::move(calls))
            .async_wait(boost::asio::experimental::wait_for_all(), boost::asio::use_awaitable);
    for (std::size_t i = 0; i < replies.size(); ++i) {
        if (errors[i])
            std::cout << texts[i] << ": failed\n"; // std::rethrow_exception(errors[i]) to inspect
        else
            std::cout << texts[i] << ": " << replies[i].content << '\n';
    }
    // [end-snippet]

    bool all_answered = !north.content.empty() && !south.content.empty();
    for (std::size_t i = 0; i < replies.size(); ++i)
        all_answered = all_answered && !errors[i] && !replies[i].content.empty();
    co_return all_answered ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    return examples::run_main(argc, argv, "11_coroutines <base-url> [model]",
                              [](examples::CommandLine const& line) {
                                  return run(line.arg(0), line.arg(1, "qwen2.5-7b-instruct"));
                              });
}

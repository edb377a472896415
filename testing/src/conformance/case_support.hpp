#ifndef LLMIO_TESTING_SRC_CONFORMANCE_CASE_SUPPORT_HPP
#define LLMIO_TESTING_SRC_CONFORMANCE_CASE_SUPPORT_HPP

// What the conformance cases share: running a provider call to completion on a private
// io_context, the standard prompts and tools, and the stream checks. Private to llmio::testing.

#include <llmio/testing/conformance.hpp>
#include <llmio/testing/expect.hpp>

#include <llmio/chat.hpp>
#include <llmio/chat_stream.hpp>
#include <llmio/usage.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

namespace llmio::testing::detail {

/// Retries in the suite wait milliseconds, not seconds.
RetryPolicy fast_retries();

/// Builds the target's provider on a fresh io_context, runs `body` with it to completion and
/// returns its result (or rethrows). The provider goes before the io_context. A run that does
/// not finish within `watchdog` throws Failure, so a hung provider fails instead of hanging.
template <class T>
T run(Target const& target, RetryPolicy policy, std::function<boost::asio::awaitable<T>(ModelProvider&)> body,
      std::chrono::seconds watchdog = std::chrono::seconds(20))
{
    boost::asio::io_context io;
    auto call = [&]() -> boost::asio::awaitable<T> {
        auto provider = target.make(io.get_executor(), policy);
        co_return co_await body(*provider);
    };
    auto future = boost::asio::co_spawn(io, call(), boost::asio::use_future);
    io.run_for(watchdog);
    if (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        throw Failure(target.label + ": the call did not finish within " +
                      std::to_string(watchdog.count()) + " s");
    return future.get();
}

template <class T>
T run(Target const& target, std::function<boost::asio::awaitable<T>(ModelProvider&)> body)
{
    return run<T>(target, fast_retries(), std::move(body));
}

/// A user message asking `text`, for the target's chat model.
ChatRequest prompt(Target const& target, std::string text);

ToolDefinition weather_tool();
ToolDefinition time_tool();

struct Streamed {
    std::vector<ChatChunk> chunks;
    ChatResponse result;
    bool next_after_end_is_empty = false;
};

/// Reads a whole stream with next(), then once more past its end.
boost::asio::awaitable<Streamed> stream_all(ModelProvider& p, ChatRequest request);

/// One finish, nothing but usage after it, the deltas add up to the result.
void check_stream_invariants(Streamed const& s);

/// Present, positive, and the total is the sum.
void check_usage(std::optional<Usage> const& usage, std::string const& where);

/// The cases against a working server, and the fault-injection ones (conformance_cases()
/// lists both, in this order).
std::vector<Case> server_cases();
std::vector<Case> fault_cases();

} // namespace llmio::testing::detail

#endif

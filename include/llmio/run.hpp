#ifndef LLMIO_RUN_HPP
#define LLMIO_RUN_HPP

// Blocking on one llmio call from code that is not a coroutine yet:
//
//     boost::asio::io_context io;
//     llmio::lmstudio::Provider lmstudio(io.get_executor(), {});
//     llmio::ChatResponse reply = llmio::run(io, lmstudio.chat(request));
//
// `run` drives `io` on the calling thread until the call is done, then returns. It takes the
// io_context (rather than making its own) because the provider's sockets and timers live on
// the executor the provider was made with: only running that io_context completes the call.
// For programs that keep an I/O thread running the io_context instead, co_spawn with
// `boost::asio::use_future` (docs/coroutines.md).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace llmio {

namespace detail {

/// Throws std::logic_error when the calling thread is running `io` already (from inside a
/// coroutine or handler on `io`): waiting there would wait for itself.
void check_not_running_in(boost::asio::io_context& io);

/// Runs `io`'s handlers on this thread one at a time until `done` is true. An io_context that
/// had run out of work is restarted first. Throws std::runtime_error when `io` is stopped
/// (io_context::stop) before `done`; an exception thrown by any handler propagates.
void run_until(boost::asio::io_context& io, bool const& done);

} // namespace detail

/// Runs `operation` on `io` until it completes and returns its result, or rethrows what it
/// threw (for llmio's calls a `ProviderError` subclass, with its type intact). Other work on
/// `io` makes progress meanwhile; what is still pending when the operation is done stays
/// queued for the next `run`, `io.run()` or `io.poll()`.
///
/// Throws std::logic_error when called from a thread that is running `io` (use `co_await`
/// there), and std::runtime_error when `io` is stopped before the operation completes.
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> operation)
{
    detail::check_not_running_in(io);
    // Shared with the completion handler, which may outlive this call when `io` is stopped
    // first and run again later.
    struct Outcome {
        bool done = false;
        std::exception_ptr error;
        std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> value{};
    };
    auto outcome = std::make_shared<Outcome>();
    if constexpr (std::is_void_v<T>) {
        boost::asio::co_spawn(io, std::move(operation), [outcome](std::exception_ptr error) {
            outcome->error = std::move(error);
            outcome->done = true;
        });
    } else {
        boost::asio::co_spawn(io, std::move(operation),
                              [outcome](std::exception_ptr error, T value) {
                                  if (error)
                                      outcome->error = std::move(error);
                                  else
                                      outcome->value.emplace(std::move(value));
                                  outcome->done = true;
                              });
    }
    detail::run_until(io, outcome->done);
    if (outcome->error)
        std::rethrow_exception(outcome->error);
    if constexpr (!std::is_void_v<T>)
        return std::move(*outcome->value);
}

} // namespace llmio

#endif // LLMIO_RUN_HPP

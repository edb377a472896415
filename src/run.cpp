// llmio::run's loop, kept out of the template.

#include <llmio/run.hpp>

#include <stdexcept>

namespace llmio::detail {

void check_not_running_in(boost::asio::io_context& io)
{
    if (io.get_executor().running_in_this_thread())
        throw std::logic_error("llmio::run called from a thread that runs the same io_context: "
                               "co_await the operation instead");
}

void run_until(boost::asio::io_context& io, bool const& done)
{
    if (io.stopped())
        io.restart();
    // Bounded by the operation: the spawned coroutine keeps `io` busy until it completes, so
    // run_one returns 0 only when someone stopped `io`.
    while (!done) {
        if (io.run_one() == 0)
            throw std::runtime_error(
                "llmio::run: the io_context was stopped before the operation finished");
    }
}

} // namespace llmio::detail

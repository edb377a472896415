// Example 7: llmio from code that is not a coroutine: an I/O thread, futures, a blocking helper.
//
//   07_blocking_future <base-url> [model]   # default model: qwen2.5-7b-instruct
//
// Exits with 1 when a call fails or an answer is empty.

#include <llmio/lmstudio/provider.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <exception>
#include <future>
#include <iostream>
#include <string>
#include <thread>

// [snippet:blocking-helper]
// Runs one llmio operation on `executor` and blocks the calling thread until it is done.
// Returns its result or rethrows its exception (a llmio::ProviderError subclass).
// Never call it from a thread that runs that executor's io_context: it would wait for itself.
template <class T>
T run_blocking(boost::asio::any_io_executor executor, boost::asio::awaitable<T> operation)
{
    return boost::asio::co_spawn(executor, std::move(operation), boost::asio::use_future).get();
}
// [end-snippet]

namespace {

int use_llmio(boost::asio::io_context& io, std::string const& base_url, std::string const& model)
{
    llmio::lmstudio::Options options;
    options.base_url = base_url;
    llmio::lmstudio::Provider lmstudio(io.get_executor(), options);

    llmio::ChatRequest request;
    request.model = model;
    request.messages = {llmio::Message::user("Say hello.")};

    // [snippet:future]
    std::future<llmio::ChatResponse> pending =
        boost::asio::co_spawn(io, lmstudio.chat(request), boost::asio::use_future);
    // ... this thread is free to do other work while the I/O thread talks to the server ...
    llmio::ChatResponse reply = pending.get(); // waits; rethrows the call's error
    std::cout << "future: " << reply.content << '\n';
    // [end-snippet]

    // [snippet:blocking-call]
    std::vector<llmio::ModelInfo> models = run_blocking(io.get_executor(), lmstudio.list_models());
    std::cout << models.size() << " models\n";
    llmio::ChatResponse again = run_blocking(io.get_executor(), lmstudio.chat(request));
    std::cout << "blocking: " << again.content << '\n';
    // [end-snippet]
    return reply.content.empty() || again.content != reply.content ? 1 : 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::cerr << "usage: 07_blocking_future <base-url> [model]\n";
        return 2;
    }
    // [snippet:io-thread]
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io); // keeps run() going while there is no work
    std::thread io_thread([&io] { io.run(); });
    // [end-snippet]

    int exit_code = 1;
    try {
        exit_code = use_llmio(io, argv[1], argc > 2 ? argv[2] : "qwen2.5-7b-instruct");
    } catch (std::exception const& e) {
        std::cerr << "error: " << e.what() << '\n';
    }

    // [snippet:shutdown]
    // Providers are gone (use_llmio returned): let run() return once their I/O has wound down.
    work.reset();
    io_thread.join();
    // [end-snippet]
    return exit_code;
}

// Example 3: streaming an answer, chunk by chunk and with a callback.
//
//   03_streaming <base-url> [model]   # default model: qwen2.5-7b-instruct
//
// Exits with 1 when the streamed text does not add up to the assembled answer.

#include <llmio/lmstudio/provider.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>

#include <exception>
#include <iostream>
#include <optional>
#include <string>

namespace {

boost::asio::awaitable<int> run(std::string base_url, std::string model)
{
    llmio::lmstudio::Options options;
    options.base_url = base_url;
    llmio::lmstudio::LmStudioProvider lmstudio(co_await boost::asio::this_coro::executor, options);

    llmio::ChatRequest request;
    request.model = model;
    request.messages = {llmio::Message::user("Count from one to five.")};

    // [snippet:next]
    llmio::ChatStream stream = co_await lmstudio.chat_stream(request);
    std::string printed;
    for (;;) {
        std::optional<llmio::ChatChunk> chunk = co_await stream.next();
        if (!chunk)
            break; // the answer is complete
        std::cout << chunk->content << std::flush;
        printed += chunk->content;
    }
    llmio::ChatResponse const& answer = stream.result(); // assembled from every chunk
    std::cout << "\nfinish: " << llmio::to_string(answer.finish_reason) << '\n';
    // [end-snippet]
    if (printed != answer.content || printed.empty())
        co_return 1;

    // [snippet:callback]
    std::size_t chunks = 0;
    llmio::ChatResponse again = co_await lmstudio.chat_stream(
        request, [&chunks](llmio::ChatChunk const& chunk) {
            ++chunks;
            std::cout << chunk.content << std::flush;
        });
    std::cout << "\n" << chunks << " chunks";
    if (again.usage)
        std::cout << ", " << again.usage->completion_tokens << " tokens";
    std::cout << '\n';
    // [end-snippet]

    co_return again.content == answer.content ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::cerr << "usage: 03_streaming <base-url> [model]\n";
        return 2;
    }
    boost::asio::io_context io;
    auto exit_code = boost::asio::co_spawn(
        io, run(argv[1], argc > 2 ? argv[2] : "qwen2.5-7b-instruct"), boost::asio::use_future);
    io.run();
    try {
        return exit_code.get();
    } catch (std::exception const& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
}

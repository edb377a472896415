// Example 3: streaming an answer, chunk by chunk and with a callback.
//
//   03_streaming <base-url> [model]   # default model: qwen2.5-7b-instruct
//
// Exits with 1 when the streamed text does not add up to the assembled answer.

#include "common.hpp"

#include <llmio/lmstudio/provider.hpp>

#include <boost/asio/this_coro.hpp>

#include <iostream>
#include <optional>
#include <string>

namespace {

boost::asio::awaitable<int> run(std::string base_url, std::string model)
{
    auto executor = co_await boost::asio::this_coro::executor;
    llmio::lmstudio::Provider lmstudio(executor, {.base_url = base_url});
    llmio::ChatRequest request{.model = model,
                               .messages = {llmio::Message::user("Count from one to five.")}};

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
    return examples::run_main(argc, argv, "03_streaming <base-url> [model]",
                              [](examples::CommandLine const& line) {
                                  return run(line.arg(0), line.arg(1, "qwen2.5-7b-instruct"));
                              });
}

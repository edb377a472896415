// Example 2: a first chat with LM Studio, after listing its models.
//
//   02_chat <base-url> [model]     # e.g. 02_chat http://127.0.0.1:1234 qwen2.5-7b-instruct
//
// Without a model it picks the first loaded LLM. Exits with 1 when the server's answer is empty
// or did not finish normally.

#include "common.hpp"

#include <llmio/lmstudio.hpp>

#include <boost/asio/this_coro.hpp>

#include <iostream>
#include <string>

namespace {

boost::asio::awaitable<int> run(std::string base_url, std::string model)
{
    auto executor = co_await boost::asio::this_coro::executor;

    // [snippet:provider]
    // base_url: e.g. "http://127.0.0.1:1234"; "/v1" may be given or not.
    llmio::lmstudio::Provider lmstudio(executor, {.base_url = base_url});
    // [end-snippet]

    // [snippet:list-models]
    std::vector<llmio::ModelInfo> models = co_await lmstudio.list_models();
    for (llmio::ModelInfo const& m : models) {
        std::cout << m.id << " [" << m.type << "]" << (m.loaded ? " loaded" : "") << '\n';
        if (model.empty() && m.loaded && m.type == "llm")
            model = m.id; // the first loaded LLM
    }
    // [end-snippet]
    if (model.empty()) {
        std::cerr << "no LLM is loaded: load one or name it on the command line\n";
        co_return 1;
    }

    // [snippet:chat]
    llmio::ChatRequest request{
        .model = model,
        .messages = {llmio::Message::system("Answer in one short sentence."),
                     llmio::Message::user("What is the capital of France?")},
        .max_tokens = 256,
    };

    llmio::ChatResponse reply = co_await lmstudio.chat(request);
    std::cout << reply.model << ": " << reply.content << '\n'
              << "finish: " << llmio::to_string(reply.finish_reason) << '\n';
    if (reply.usage)
        std::cout << "tokens: " << reply.usage->prompt_tokens << " in, "
                  << reply.usage->completion_tokens << " out\n";
    // [end-snippet]

    co_return reply.content.empty() || reply.finish_reason != llmio::FinishReason::stop ? 1 : 0;
}

} // namespace

// [snippet:main]
int main(int argc, char** argv)
{
    return examples::run_main(argc, argv, "02_chat <base-url> [model]",
                              [](examples::CommandLine const& line) {
                                  return run(line.arg(0), line.arg(1));
                              });
}
// [end-snippet]

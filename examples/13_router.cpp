// Example 13: one model name served by two servers, with a fallback.
//
//   13_router <lmstudio-url> <ollama-url>
//
// The route "assistant" asks LM Studio's qwen2.5-7b-instruct first and Ollama's llama3.2 when
// LM Studio cannot answer (down, overloaded, model missing). Three questions go through it;
// each answer says which model gave it. With LM Studio down, the first question is refused
// there and answered by Ollama; the refusal opens LM Studio's circuit, so the later questions
// go to Ollama without trying LM Studio again.
// Exits with 1 when a question gets no answer.

#include "common.hpp"

#include <llmio/lmstudio/provider.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/router.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>

#include <iostream>
#include <memory>
#include <string>

namespace {

using namespace boost::asio::experimental::awaitable_operators;

boost::asio::awaitable<int> run(std::string lmstudio_url, std::string ollama_url)
{
    auto executor = co_await boost::asio::this_coro::executor;
    // [snippet:router]
    llmio::RouterOptions options;
    options.providers["workstation"] =
        std::make_shared<llmio::lmstudio::Provider>(executor, llmio::lmstudio::Options{.base_url = lmstudio_url});
    options.providers["laptop"] =
        std::make_shared<llmio::ollama::OllamaProvider>(executor, llmio::ollama::Options{.base_url = ollama_url});
    // Targets in order of preference; several providers in one target would share its load.
    options.routes["assistant"].targets = {
        {.providers = {"workstation"}, .model = "qwen2.5-7b-instruct"},
        {.providers = {"laptop"}, .model = "llama3.2"},
    };
    options.circuit.failures_to_open = 1; // one refusal and the workstation is skipped for a while
    options.health_check_interval = std::chrono::seconds(30); // and checked again by maintain()
    llmio::Router router(std::move(options));

    auto ask = [&router]() -> boost::asio::awaitable<void> {
        for (std::string question : {"Hello", "How are you?", "Goodbye"}) {
            llmio::ChatRequest request{.model = "assistant", .messages = {llmio::Message::user(question)}};
            llmio::ChatResponse answer = co_await router.chat(request);
            std::cout << answer.model << ": " << answer.content << '\n';
        }
    };
    // maintain() checks the servers beside the calls; `||` stops it once they are done.
    co_await (ask() || router.maintain());
    bool const skipped = router.circuit("workstation")->open();
    // [end-snippet]
    std::cout << "workstation circuit: " << (skipped ? "open" : "closed") << '\n';
    co_return 0;
}

} // namespace

int main(int argc, char** argv)
{
    return examples::run_main(argc, argv, "13_router <lmstudio-url> <ollama-url>", [](examples::CommandLine const& c) {
        return run(c.arg(0), c.arg(1, "http://127.0.0.1:11434"));
    });
}

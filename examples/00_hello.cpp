// Example 0: the shortest whole program: one question to LM Studio, one answer.
//
//   00_hello [base-url]     # default http://127.0.0.1:1234; asks the model qwen2.5-7b-instruct
//
// Exits with 1 and says why when the call fails (no server, unknown model ...).

// [snippet:hello]
#include <llmio/lmstudio.hpp>

#include <iostream>

int main(int argc, char** argv)
try {
    boost::asio::io_context io;
    llmio::lmstudio::Provider lmstudio(
        io.get_executor(), {.base_url = argc > 1 ? argv[1] : llmio::lmstudio::kDefaultBaseUrl});
    llmio::ChatResponse reply = llmio::run(io, lmstudio.chat({
        .model = "qwen2.5-7b-instruct",
        .messages = {llmio::Message::user("What is the capital of France?")},
    }));
    std::cout << reply.content << '\n';
} catch (std::exception const& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
}
// [end-snippet]

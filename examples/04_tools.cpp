// Example 4: tool calling. The model asks for get_weather, we run it and send the result back.
//
//   04_tools <base-url> [model]   # default model: qwen2.5-7b-instruct
//
// Exits with 1 when the model calls no tool or does not answer after the tool result.

#include "common.hpp"

#include <llmio/lmstudio/provider.hpp>

#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <iostream>
#include <string>

namespace {

// [snippet:tool-impl]
// Our "tool". Arguments arrive as JSON text written by a model: parse without throwing.
std::string get_weather(std::string const& arguments)
{
    boost::system::error_code ec;
    boost::json::value args = boost::json::parse(arguments, ec);
    boost::json::string const* city = nullptr;
    if (!ec && args.is_object())
        if (auto const* c = args.as_object().if_contains("city"))
            city = c->if_string();
    if (!city)
        return R"({"error":"expected {\"city\": string}"})";
    return boost::json::serialize(boost::json::object{{"city", *city}, {"temperature_c", 21}});
}
// [end-snippet]

boost::asio::awaitable<int> run(std::string base_url, std::string model)
{
    llmio::lmstudio::Options options;
    options.base_url = base_url;
    llmio::lmstudio::Provider lmstudio(co_await boost::asio::this_coro::executor, options);

    // [snippet:define]
    llmio::ToolDefinition weather{
        .name = "get_weather",
        .description = "The current weather in a city.",
        .parameters = {{"type", "object"},
                       {"properties", {{"city", {{"type", "string"}}}}},
                       {"required", {"city"}}},
    };

    llmio::ChatRequest request{
        .model = model,
        .messages = {llmio::Message::user("What is the weather in Paris? Use get_weather.")},
        .tools = {weather},
    };
    // [end-snippet]

    // [snippet:loop]
    llmio::ChatResponse reply = co_await lmstudio.chat(request);
    if (reply.tool_calls.empty()) {
        std::cerr << "the model answered without calling the tool: " << reply.content << '\n';
        co_return 1;
    }
    request.messages.push_back(reply.to_message()); // the assistant turn with its calls
    for (llmio::ToolCall const& call : reply.tool_calls) {
        std::cout << "call " << call.name << ' ' << call.arguments << '\n';
        std::string result = call.name == "get_weather" ? get_weather(call.arguments)
                                                        : R"({"error":"unknown tool"})";
        request.messages.push_back(llmio::Message::tool_result(call.id, result));
    }
    llmio::ChatResponse answer = co_await lmstudio.chat(request);
    std::cout << "answer: " << answer.content << '\n';
    // [end-snippet]

    co_return answer.content.empty() ? 1 : 0;
}

} // namespace

int main(int argc, char** argv)
{
    return examples::run_main(argc, argv, "04_tools <base-url> [model]",
                              [](examples::CommandLine const& line) {
                                  return run(line.arg(0), line.arg(1, "qwen2.5-7b-instruct"));
                              });
}

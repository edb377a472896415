// Example 5: structured output. The answer must match a JSON Schema; we check that it does.
//
//   05_structured_output <base-url> [model]   # default model: qwen2.5-7b-instruct
//
// Exits with 1 when the answer is not the JSON object the schema asks for.

#include "common.hpp"

#include <llmio/lmstudio/provider.hpp>

#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <iostream>
#include <string>
#include <string_view>

namespace {

boost::asio::awaitable<int> run(std::string base_url, std::string model)
{
    llmio::lmstudio::Options options;
    options.base_url = base_url;
    llmio::lmstudio::Provider lmstudio(co_await boost::asio::this_coro::executor, options);

    // [snippet:request]
    boost::json::object schema = {
        {"type", "object"},
        {"properties", {{"name", {{"type", "string"}}}, {"population", {{"type", "integer"}}}}},
        {"required", {"name", "population"}},
        {"additionalProperties", false}};

    llmio::ChatRequest request{
        .model = model,
        .messages = {llmio::Message::user("Name the largest city of Japan and its population.")},
        // LM Studio accepts json_schema (not json_object); the name is required by OpenAI.
        .response_format = llmio::ResponseFormat::json_schema("city", schema, /*strict=*/true),
    };
    // [end-snippet]

    // [snippet:read]
    llmio::ChatResponse reply = co_await lmstudio.chat(request);
    boost::system::error_code ec;
    boost::json::value city = boost::json::parse(reply.content, ec); // never throws
    auto const* fields = ec ? nullptr : city.if_object();
    auto const* name = fields ? fields->if_contains("name") : nullptr;
    auto const* population = fields ? fields->if_contains("population") : nullptr;
    if (!name || !name->is_string() || !population || !population->is_number()) {
        std::cerr << "not the requested shape: " << reply.content << '\n';
        co_return 1;
    }
    std::cout << "name: " << std::string_view(name->as_string()) << "\npopulation: " << *population
              << '\n';
    // [end-snippet]
    co_return 0;
}

} // namespace

int main(int argc, char** argv)
{
    return examples::run_main(argc, argv, "05_structured_output <base-url> [model]",
                              [](examples::CommandLine const& line) {
                                  return run(line.arg(0), line.arg(1, "qwen2.5-7b-instruct"));
                              });
}

// Example 5: structured output. The answer must match a JSON Schema; we check that it does.
//
//   05_structured_output <base-url> [model]   # default model: qwen2.5-7b-instruct
//
// Exits with 1 when the answer is not the JSON object the schema asks for.

#include <llmio/lmstudio/provider.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <exception>
#include <iostream>
#include <string>
#include <string_view>

namespace {

boost::asio::awaitable<int> run(std::string base_url, std::string model)
{
    llmio::lmstudio::Options options;
    options.base_url = base_url;
    llmio::lmstudio::LmStudioProvider lmstudio(co_await boost::asio::this_coro::executor, options);

    // [snippet:request]
    boost::json::object schema = {
        {"type", "object"},
        {"properties", {{"name", {{"type", "string"}}}, {"population", {{"type", "integer"}}}}},
        {"required", {"name", "population"}},
        {"additionalProperties", false}};

    llmio::ChatRequest request;
    request.model = model;
    request.messages = {llmio::Message::user("Name the largest city of Japan and its population.")};
    // LM Studio accepts json_schema (not json_object); the name is required by OpenAI.
    request.response_format = llmio::ResponseFormat::json_schema("city", schema, /*strict=*/true);
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
    if (argc < 2) {
        std::cerr << "usage: 05_structured_output <base-url> [model]\n";
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

// Example 10: providers by name, from configuration; "provider/model" ids.
//
//   10_registry_config <lmstudio-base-url> [model]   # default model: qwen2.5-7b-instruct
//
// Builds a registry with the three built-in factories, adds an LM Studio provider from a JSON
// configuration (completed from the environment and LLMIO_CONFIG, docs/configuration.md),
// resolves "lmstudio/<model>" and chats with it. Exits with 1 when something does not resolve
// or answer.

#include "common.hpp"

#include <llmio/lmstudio/factory.hpp>
#include <llmio/ollama/factory.hpp>
#include <llmio/openai/factory.hpp>
#include <llmio/registry.hpp>

#include <boost/asio/this_coro.hpp>

#include <iostream>
#include <string>

namespace {

boost::asio::awaitable<int> run(std::string base_url, std::string model)
{
    auto executor = co_await boost::asio::this_coro::executor;

    // [snippet:registry]
    llmio::ProviderRegistry registry;
    llmio::lmstudio::register_provider(registry); // the factory "lmstudio"
    llmio::ollama::register_provider(registry);
    llmio::openai::register_provider(registry);

    // The shape of an LLMIO_CONFIG file; keys as in docs/configuration.md.
    boost::json::object config = {
        {"default_provider", "lmstudio"},
        {"providers", {{"lmstudio", {{"base_url", base_url}, {"max_retries", 1}}}}}};
    for (std::string const& name : registry.add_from_config(executor, config))
        std::cout << "provider " << name << '\n';
    // [end-snippet]

    // [snippet:resolve]
    llmio::ResolvedModel target = registry.resolve("lmstudio/" + model);
    std::cout << "resolved to " << target.provider_name << ", model " << target.model << '\n';

    llmio::ChatRequest request{.model = target.model,
                               .messages = {llmio::Message::user("Hi!")}};
    llmio::ChatResponse reply = co_await target.provider->chat(request);
    std::cout << "answer: " << reply.content << '\n';
    // [end-snippet]

    // [snippet:list]
    llmio::ModelListing listing = co_await registry.list_models();
    for (llmio::RegistryModel const& m : listing.models)
        std::cout << m.provider << '/' << m.model.id << '\n';
    for (llmio::ProviderFailure const& f : listing.failures) // a server that is down
        std::cout << f.provider << " failed: " << f.message << '\n';
    // [end-snippet]

    // Without a known prefix the id belongs to the default provider.
    llmio::ResolvedModel const plain = registry.resolve(model);
    co_return reply.content.empty() || plain.provider != target.provider || !listing.failures.empty()
        ? 1
        : 0;
}

} // namespace

int main(int argc, char** argv)
{
    return examples::run_main(argc, argv, "10_registry_config <lmstudio-base-url> [model]",
                              [](examples::CommandLine const& line) {
                                  return run(line.arg(0), line.arg(1, "qwen2.5-7b-instruct"));
                              });
}

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

#include <chrono>
#include <iostream>
#include <string>
#include <string_view>

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

    // [snippet:code_options]
    // Options no config key expresses (logger, pool, concurrency ...) given in code: the
    // cascade (explicit config object > env > LLMIO_CONFIG) overrides only what it sets.
    llmio::openai::Options base;
    base.http.logger = [](llmio::LogLevel, std::string_view line) { std::clog << line << '\n'; };
    base.http.concurrency.max_in_flight = 4;
    base.http.timeouts.idle = std::chrono::seconds(30);
    llmio::ProviderRegistry with_code_options;
    llmio::openai::register_provider(with_code_options, llmio::Environment(), base);
    // with_code_options.create("openai", executor) logs through std::clog, 4 requests at most
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

// Example 8: finding LLM servers and telling what they are.
//
//   08_discovery                      # this machine's usual ports (1234, 11434, 8080, 8000)
//   08_discovery <url> [<url>...]     # only these
//
// Exits with 1 when nothing was found.

#include "common.hpp"

#include <llmio/discovery.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

namespace {

boost::asio::awaitable<int> run(std::vector<std::string> urls)
{
    // [snippet:discover]
    llmio::DiscoveryOptions options;
    if (!urls.empty()) {
        options.endpoints = urls;  // probed first, in this order
        options.defaults.clear();  // and nothing else
    }
    options.overall_timeout = std::chrono::seconds(3);

    llmio::DiscoveryResult result = co_await llmio::discover(options);
    for (llmio::DiscoveredServer const& server : result.found) {
        std::cout << "found " << llmio::to_string(server.kind) << " at " << server.base_url;
        if (!server.version.empty())
            std::cout << ", version " << server.version;
        if (server.model_count)
            std::cout << ", " << *server.model_count << " models";
        if (server.auth_required)
            std::cout << ", needs an API key";
        std::cout << '\n';
    }
    for (llmio::NotFound const& miss : result.not_found)
        std::cout << "nothing at " << miss.base_url << ": " << miss.reason << '\n';
    // [end-snippet]
    co_return result.found.empty() ? 1 : 0;
}

} // namespace

int main(int argc, char** argv)
{
    // InvalidRequestError for a URL that cannot be parsed: printed, exit code 1.
    return examples::exit_code_of(run(std::vector<std::string>(argv + 1, argv + argc)));
}

#include <llmio/register_discovered.hpp>

#include <llmio/registry.hpp>

#include <boost/json/object.hpp>

#include <map>
#include <memory>
#include <set>

namespace llmio {

std::string_view factory_for(ServerKind kind) noexcept
{
    switch (kind) {
        case ServerKind::lmstudio: return "lmstudio";
        case ServerKind::ollama: return "ollama";
        case ServerKind::llamacpp:
        case ServerKind::vllm:
        case ServerKind::openai: return "openai";
    }
    return "openai";
}

namespace {

// The first of `kind`, then kind-2, kind-3, ...: the first name neither registered nor
// handed out in this call. Bounded: at most taken.size() + 1 candidates can be taken.
std::string free_name(std::string_view kind, std::set<std::string, std::less<>> const& taken)
{
    std::string name(kind);
    for (std::size_t n = 2; taken.count(name) != 0 && n <= taken.size() + 2; ++n)
        name = std::string(kind) + "-" + std::to_string(n);
    return name;
}

} // namespace

std::vector<RegisteredServer> register_discovered(ProviderRegistry& registry,
                                                  boost::asio::any_io_executor executor,
                                                  DiscoveryResult const& result,
                                                  RegisterDiscoveredOptions const& options)
{
    std::set<std::string, std::less<>> taken;
    for (auto& name : registry.provider_names())
        taken.insert(std::move(name));

    std::vector<RegisteredServer> added;
    std::vector<std::shared_ptr<ModelProvider>> providers;
    added.reserve(result.found.size());
    providers.reserve(result.found.size());
    for (auto const& server : result.found) {
        RegisteredServer entry;
        entry.name = free_name(to_string(server.kind), taken);
        entry.factory = std::string(factory_for(server.kind));
        entry.server = server;
        boost::json::object config{{"base_url", server.base_url}};
        if (server.auth_required && !options.api_key.empty())
            config["api_key"] = options.api_key;
        providers.push_back(registry.create(entry.factory, executor, config));
        taken.insert(entry.name);
        added.push_back(std::move(entry));
    }
    for (std::size_t i = 0; i < added.size(); ++i)
        registry.add(added[i].name, std::move(providers[i]));
    if (options.set_default && !added.empty() && registry.default_provider().empty())
        registry.set_default_provider(added.front().name);
    return added;
}

} // namespace llmio

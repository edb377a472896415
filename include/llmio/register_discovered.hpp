#ifndef LLMIO_REGISTER_DISCOVERED_HPP
#define LLMIO_REGISTER_DISCOVERED_HPP

// Turning what `discover()` found into providers of a ProviderRegistry.
//
//     auto found = co_await llmio::discover();
//     auto added = llmio::register_discovered(registry, executor, found);
//     // added[0].name == "lmstudio", added[1].name == "ollama", ...
//
// Each server is made by the factory of its kind: LM Studio by "lmstudio", Ollama by "ollama",
// llama.cpp, vLLM and generic OpenAI-compatible servers by "openai" (with the server's base
// URL), so those factories must be registered first (lmstudio::register_provider,
// ollama::register_provider, openai::register_provider).
//
// Names: the first server of a kind gets the kind's name ("lmstudio", "ollama", "llamacpp",
// "vllm", "openai"), the next ones "<kind>-2", "<kind>-3", ... in the order discover() listed
// them (configured endpoints first). A name already in the registry is skipped the same way:
// with a configured "lmstudio" present, a discovered LM Studio becomes "lmstudio-2". Providers
// are named by kind, not by factory, so a llama.cpp server is "llamacpp", never "openai".

#include <llmio/discovery.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <string>
#include <vector>

namespace llmio {

class ProviderRegistry;

struct RegisteredServer {
    std::string name;        ///< The provider's name in the registry.
    std::string factory;     ///< "lmstudio", "ollama" or "openai".
    DiscoveredServer server; ///< What discovery reported.
};

struct RegisterDiscoveredOptions {
    /// Sent as `api_key` (a Bearer token) to servers that reported `auth_required`; empty =
    /// the factories' own configuration (environment, config file). Never logged.
    std::string api_key;
    /// Make the first registered server the registry's default provider when it has none.
    bool set_default = false;
};

/// The factory that makes providers for servers of `kind`.
std::string_view factory_for(ServerKind kind) noexcept;

/// Creates a provider for every server in `result.found` and adds it to `registry`; returns
/// what was added, in that order. All or nothing: every provider is created (config
/// `{"base_url": <url>}`, plus `api_key` per the options) before any is added, so a missing
/// factory (InvalidRequestError naming it) or a factory that throws leaves the registry as it
/// was. Thread safety: as the registry; concurrent `add`s of the same names may still make a
/// late `add` throw InvalidRequestError, after the earlier servers were added.
std::vector<RegisteredServer> register_discovered(ProviderRegistry& registry,
                                                  boost::asio::any_io_executor executor,
                                                  DiscoveryResult const& result,
                                                  RegisterDiscoveredOptions const& options = {});

} // namespace llmio

#endif // LLMIO_REGISTER_DISCOVERED_HPP

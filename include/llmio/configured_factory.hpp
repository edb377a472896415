#ifndef LLMIO_CONFIGURED_FACTORY_HPP
#define LLMIO_CONFIGURED_FACTORY_HPP

// A registry factory that builds its provider from the configuration cascade: the factory's
// config object (explicit settings, same keys as a provider section of the LLMIO_CONFIG file) >
// environment variables > the LLMIO_CONFIG file > defaults (docs/configuration.md). Each
// provider's `register_provider` is one call to this.

#include <llmio/config.hpp>
#include <llmio/registry.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>

namespace llmio {

/// Makes the provider from its resolved settings.
using ConfiguredMaker =
    std::function<std::shared_ptr<ModelProvider>(boost::asio::any_io_executor, ResolvedSettings const&)>;

/// Registers the factory `name`. Each call of the factory reads LLMIO_CONFIG through `env` anew,
/// so a changed file is seen by the next provider created. Throws what `register_factory`
/// throws; the factory throws InvalidRequestError for invalid settings (naming the key or
/// variable, never a secret).
void register_configured_factory(ProviderRegistry& registry, std::string name, Environment env,
                                 ConfiguredMaker make);

} // namespace llmio

#endif

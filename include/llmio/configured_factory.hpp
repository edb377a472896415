#ifndef LLMIO_CONFIGURED_FACTORY_HPP
#define LLMIO_CONFIGURED_FACTORY_HPP

// A registry factory that builds its provider from the configuration cascade: the factory's
// config object (explicit settings, same keys as a provider section of the LLMIO_CONFIG file) >
// environment variables > the LLMIO_CONFIG file > defaults (docs/configuration.md). Each
// provider's `register_provider` is one call to `register_provider_type`.

#include <llmio/config.hpp>
#include <llmio/registry.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>

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

/// Sets what every provider's Options has in common from `settings`: timeouts and TLS (`http`),
/// the retry policy, the model cache's TTL, and the extra headers (marked secret: they often
/// carry credentials).
template <class ProviderOptions>
void apply_common_settings(ProviderOptions& options, ResolvedSettings const& settings)
{
    options.http.timeouts = settings.timeouts();
    options.http.tls = settings.tls();
    options.retry = settings.retry_policy();
    options.model_cache_ttl = settings.model_cache_ttl.value;
    for (auto const& h : settings.headers)
        options.headers.push_back({h.name, h.value, true});
}

/// `register_configured_factory` for a provider type constructed from an executor and the
/// Options that `options_from` makes out of the resolved settings.
template <class Provider, class OptionsFrom>
void register_provider_type(ProviderRegistry& registry, std::string name, Environment env,
                            OptionsFrom options_from)
{
    register_configured_factory(
        registry, std::move(name), std::move(env),
        [options_from](boost::asio::any_io_executor executor,
                       ResolvedSettings const& settings) -> std::shared_ptr<ModelProvider> {
            return std::make_shared<Provider>(std::move(executor), options_from(settings));
        });
}

} // namespace llmio

#endif

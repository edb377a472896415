#ifndef LLMIO_CONFIGURED_FACTORY_HPP
#define LLMIO_CONFIGURED_FACTORY_HPP

// A registry factory that builds its provider from the configuration cascade: the factory's
// config object (explicit settings, same keys as a provider section of the LLMIO_CONFIG file) >
// environment variables > the LLMIO_CONFIG file > defaults (docs/configuration.md). The
// defaults are the provider Options given in code (`register_provider(registry, env, base)`):
// what the cascade sets overrides them, and what it cannot express (logger, pool, concurrency,
// limits, user agent, provider-specific options) comes from them alone. Each provider's
// `register_provider` is one call to `register_provider_type`.

#include <llmio/config.hpp>
#include <llmio/http/http_client.hpp>
#include <llmio/registry.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace llmio {

/// ASCII case-insensitive equality (header names).
bool iequals_ascii(std::string_view a, std::string_view b) noexcept;

/// Makes the provider from its resolved settings.
using ConfiguredMaker =
    std::function<std::shared_ptr<ModelProvider>(boost::asio::any_io_executor, ResolvedSettings const&)>;

/// Registers the instance factory of the kind `name` (`register_instance_factory`): it makes
/// any instance of that kind, resolving the settings of the instance's own name
/// (`resolve_settings(request.name, ...)`: its section `providers.<name>`, and its kind's
/// variables only when the name is the kind). Unless the request gives a file, each call reads
/// LLMIO_CONFIG through `env` (or the request's environment) anew, so a changed file is seen by
/// the next provider created. Throws what `register_factory` throws; the factory throws
/// InvalidRequestError for invalid settings (naming the key or variable, never a secret) and
/// for an instance whose settings give another kind.
void register_configured_factory(ProviderRegistry& registry, std::string name, Environment env,
                                 ConfiguredMaker make);

/// Sets what every provider's Options has in common from what the cascade set (explicit, env
/// or file; a setting left at its default keeps `options`' value, so options given in code,
/// e.g. through `register_provider(registry, env, base)`, are the defaults the cascade
/// overrides): timeouts and TLS (`http`), the host policy, the concurrency limit
/// (`max_in_flight`), the retry budget, the model cache's TTL, and the extra headers (marked secret: they often carry credentials; a header the
/// cascade names replaces the code's header of that name).
template <class ProviderOptions>
void apply_common_settings(ProviderOptions& options, ResolvedSettings const& settings)
{
    auto const set = [](auto const& setting) { return setting.source != SettingSource::default_value; };
    auto& http = options.http;
    if (set(settings.timeout))
        http.timeouts.total = settings.timeout.value;
    if (set(settings.connect_timeout))
        http.timeouts.connect = settings.connect_timeout.value;
    if (set(settings.first_byte_timeout))
        http.timeouts.first_byte = settings.first_byte_timeout.value;
    if (set(settings.idle_timeout))
        http.timeouts.idle = settings.idle_timeout.value;
    if (set(settings.verify_tls))
        http.tls.verify_peer = settings.verify_tls.value;
    if (set(settings.ca_file))
        http.tls.ca_file = settings.ca_file.value;
    if (set(settings.allow_hosts))
        http.host_policy.allow_hosts = settings.allow_hosts.value;
    if (set(settings.deny_link_local))
        http.host_policy.deny_link_local = settings.deny_link_local.value;
    if (set(settings.deny_private))
        http.host_policy.deny_private = settings.deny_private.value;
    if (set(settings.max_retries))
        options.retry.max_retries = settings.max_retries.value;
    if (set(settings.max_in_flight))
        http.concurrency.max_in_flight = static_cast<std::size_t>(settings.max_in_flight.value);
    if (set(settings.model_cache_ttl))
        options.model_cache_ttl = settings.model_cache_ttl.value;
    for (auto const& h : settings.headers) {
        std::erase_if(options.headers, [&](http::Header const& mine) { return iequals_ascii(mine.name, h.name); });
        options.headers.push_back({h.name, h.value, true});
    }
}

/// `register_configured_factory` for a provider type constructed from an executor and the
/// Options that `options_from(settings)` makes out of the resolved settings.
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

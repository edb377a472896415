#ifndef LLMIO_GATEWAY_SERVICES_HPP
#define LLMIO_GATEWAY_SERVICES_HPP

// What the handlers serve from: the registry (providers, routes, default provider), the
// options, the metrics and the response cache. Immutable once the gateway runs, hence safe to
// share between connections on any number of threads (the registry and Metrics lock inside).

#include <llmio/caching_provider.hpp>
#include <llmio/gateway.hpp>
#include <llmio/metrics.hpp>
#include <llmio/registry.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string_view>

namespace llmio::gateway {

class Services {
public:
    Services(ProviderRegistry& registry, GatewayOptions options, std::shared_ptr<Metrics> metrics,
             std::optional<CachingOptions> cache);

    ProviderRegistry& registry() const noexcept { return registry_; }
    GatewayOptions const& options() const noexcept { return options_; }
    /// Null when the gateway serves no metrics.
    Metrics* metrics() const noexcept { return metrics_.get(); }

    /// `registry().resolve(model)`, with the provider behind the response cache when there is
    /// one. Throws InvalidRequestError as resolve does.
    ResolvedModel resolve(std::string_view model) const;

private:
    ProviderRegistry& registry_;
    GatewayOptions options_;
    std::shared_ptr<Metrics> metrics_;
    std::optional<CachingOptions> cache_;
    // One cache in front of each provider, made at construction (read-only afterwards).
    std::map<ModelProvider const*, std::shared_ptr<CachingProvider>> cached_;
};

} // namespace llmio::gateway

#endif

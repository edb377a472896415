#include "services.hpp"

namespace llmio::gateway {

Services::Services(ProviderRegistry& registry, GatewayOptions options, std::shared_ptr<Metrics> metrics,
                   std::optional<CachingOptions> cache)
    : registry_(registry), options_(std::move(options)), metrics_(std::move(metrics)), cache_(std::move(cache))
{
    if (!cache_)
        return;
    for (auto const& name : registry_.provider_names()) {
        auto provider = registry_.get(name);
        if (provider && !cached_.contains(provider.get())) {
            auto options_for = *cache_;
            if (options_for.scope.empty())
                options_for.scope = name;
            if (!options_for.metrics)
                options_for.metrics = metrics_; // cache hits and misses on /metrics
            cached_.emplace(provider.get(), std::make_shared<CachingProvider>(provider, std::move(options_for)));
        }
    }
}

ResolvedModel Services::resolve(std::string_view model) const
{
    auto resolved = registry_.resolve(model);
    if (auto const it = cached_.find(resolved.provider.get()); it != cached_.end())
        resolved.provider = it->second;
    return resolved;
}

} // namespace llmio::gateway

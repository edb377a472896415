#include <llmio/lmstudio/factory.hpp>

#include <llmio/configured_factory.hpp>

namespace llmio::lmstudio {

Options options_from(ResolvedSettings const& settings, Options base)
{
    auto const set = [](auto const& setting) { return setting.source != SettingSource::default_value; };
    Options o = std::move(base);
    o.name = settings.provider;
    if (set(settings.base_url) || o.base_url == Options{}.base_url) // code left it alone
        o.base_url = settings.base_url.value;
    if (set(settings.api_key))
        o.api_key = settings.api_key.value;
    if (settings.include_usage.source != SettingSource::default_value)
        o.include_usage = settings.include_usage.value;
    apply_common_settings(o, settings);
    return o;
}

void register_provider(ProviderRegistry& registry, Environment env, Options base)
{
    auto make_options = [base = std::move(base)](ResolvedSettings const& settings) {
        return options_from(settings, base);
    };
    register_provider_type<Provider>(registry, "lmstudio", std::move(env), make_options);
}

} // namespace llmio::lmstudio

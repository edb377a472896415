#include <llmio/lmstudio/factory.hpp>

#include <llmio/configured_factory.hpp>

namespace llmio::lmstudio {

Options options_from(ResolvedSettings const& settings)
{
    Options o;
    o.base_url = settings.base_url.value;
    o.api_token = settings.api_key.value;
    if (settings.include_usage.source != SettingSource::default_value)
        o.include_usage = settings.include_usage.value;
    apply_common_settings(o, settings);
    return o;
}

void register_provider(ProviderRegistry& registry, Environment env)
{
    register_provider_type<LmStudioProvider>(registry, "lmstudio", std::move(env), options_from);
}

} // namespace llmio::lmstudio

#include <llmio/openai/factory.hpp>

#include <llmio/configured_factory.hpp>

namespace llmio::openai {

Options options_from(ResolvedSettings const& settings)
{
    Options o;
    o.name = settings.provider;
    o.base_url = settings.base_url.value;
    o.api_key = settings.api_key.value;
    if (settings.include_usage.source != SettingSource::default_value)
        o.include_usage = settings.include_usage.value;
    apply_common_settings(o, settings);
    return o;
}

void register_provider(ProviderRegistry& registry, Environment env)
{
    register_provider_type<OpenAICompatibleProvider>(registry, "openai", std::move(env), options_from);
}

} // namespace llmio::openai

#include <llmio/ollama/factory.hpp>

#include <llmio/configured_factory.hpp>

namespace llmio::ollama {

Options options_from(ResolvedSettings const& settings, Options base)
{
    auto const set = [](auto const& setting) { return setting.source != SettingSource::default_value; };
    Options o = std::move(base);
    o.name = settings.provider;
    // Code that set neither `base_url` nor the former `host` left the address to the settings.
    if (set(settings.base_url) || (o.base_url.empty() && o.host.empty())) {
        o.base_url = settings.base_url.value; // parsed later the way Ollama parses OLLAMA_HOST
        o.host.clear();
    }
    if (set(settings.api_key))
        o.api_key = settings.api_key.value;
    apply_common_settings(o, settings);
    return o;
}

void register_provider(ProviderRegistry& registry, Environment env, Options base)
{
    auto make_options = [base = std::move(base)](ResolvedSettings const& settings) {
        return options_from(settings, base);
    };
    register_provider_type<OllamaProvider>(registry, "ollama", std::move(env), make_options);
}

} // namespace llmio::ollama

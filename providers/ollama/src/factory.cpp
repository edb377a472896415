#include <llmio/ollama/factory.hpp>

#include <llmio/configured_factory.hpp>

namespace llmio::ollama {

Options options_from(ResolvedSettings const& settings)
{
    Options o;
    o.name = settings.provider;
    o.host = settings.base_url.value; // parsed later the way Ollama parses OLLAMA_HOST
    o.api_key = settings.api_key.value;
    apply_common_settings(o, settings);
    return o;
}

void register_provider(ProviderRegistry& registry, Environment env)
{
    register_provider_type<OllamaProvider>(registry, "ollama", std::move(env), options_from);
}

} // namespace llmio::ollama

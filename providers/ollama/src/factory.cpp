#include <llmio/ollama/factory.hpp>

namespace llmio::ollama {

Options options_from(ResolvedSettings const& settings)
{
    Options o;
    o.name = settings.provider;
    o.host = settings.base_url.value; // parsed later the way Ollama parses OLLAMA_HOST
    o.api_key = settings.api_key.value;
    o.http.timeouts = settings.timeouts();
    o.http.tls = settings.tls();
    o.retry = settings.retry_policy();
    for (auto const& h : settings.headers)
        o.headers.push_back({h.name, h.value, true});
    return o;
}

void register_provider(ProviderRegistry& registry, Environment env)
{
    registry.register_factory(
        "ollama", [env = std::move(env)](boost::asio::any_io_executor executor,
                                           boost::json::object const& config) -> std::shared_ptr<ModelProvider> {
            auto const file = ConfigFile::from_environment(env);
            auto const settings = resolve_settings("ollama", ProviderSettings::from_json(config), env,
                                                   file ? &*file : nullptr);
            return std::make_shared<OllamaProvider>(std::move(executor), options_from(settings));
        });
}

} // namespace llmio::ollama

#include <llmio/ollama/factory.hpp>

#include <llmio/configured_factory.hpp>

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
    auto make = [](boost::asio::any_io_executor executor, ResolvedSettings const& settings) {
        return std::make_shared<OllamaProvider>(std::move(executor), options_from(settings));
    };
    register_configured_factory(registry, "ollama", std::move(env), make);
}

} // namespace llmio::ollama

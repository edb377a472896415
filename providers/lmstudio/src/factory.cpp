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
        return std::make_shared<LmStudioProvider>(std::move(executor), options_from(settings));
    };
    register_configured_factory(registry, "lmstudio", std::move(env), make);
}

} // namespace llmio::lmstudio

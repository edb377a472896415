#include <llmio/configured_factory.hpp>

#include <algorithm>

namespace llmio {

bool iequals_ascii(std::string_view a, std::string_view b) noexcept
{
    auto const lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [&](char x, char y) { return lower(x) == lower(y); });
}

void register_configured_factory(ProviderRegistry& registry, std::string name, Environment env,
                                 ConfiguredMaker make)
{
    auto factory = [name, env = std::move(env), make = std::move(make)](
                       boost::asio::any_io_executor executor,
                       boost::json::object const& config) -> std::shared_ptr<ModelProvider> {
        auto const file = ConfigFile::from_environment(env);
        auto const settings =
            resolve_settings(name, ProviderSettings::from_json(config), env, file ? &*file : nullptr);
        return make(std::move(executor), settings);
    };
    registry.register_factory(std::move(name), std::move(factory));
}

} // namespace llmio

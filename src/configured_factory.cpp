#include <llmio/configured_factory.hpp>

namespace llmio {

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

#include <llmio/configured_factory.hpp>

#include "config_checks.hpp"

#include <llmio/error.hpp>

#include <algorithm>
#include <optional>

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
    auto factory = [kind = name, env = std::move(env), make = std::move(make)](
                       boost::asio::any_io_executor executor,
                       InstanceRequest const& request) -> std::shared_ptr<ModelProvider> {
        Environment const& environment = request.env ? *request.env : env;
        std::optional<ConfigFile> own_file;
        if (!request.file)
            own_file = ConfigFile::from_environment(environment);
        ConfigFile const* const file = request.file ? request.file : (own_file ? &*own_file : nullptr);
        auto given = ProviderSettings::from_json(request.config);
        auto settings = resolve_settings(request.name, given, environment, file);
        if (settings.kind.value.empty() && detail::config::known_kind(kind)) {
            // An instance nothing gives a kind ("ws" made by the lmstudio factory): this one.
            given.kind = kind;
            settings = resolve_settings(request.name, given, environment, file);
        } else if (!settings.kind.value.empty() && settings.kind.value != kind) {
            throw_error(errc::invalid_request, "provider " + request.name + " is of kind " +
                                                   settings.kind.value + " (" + settings.kind.origin +
                                                   "), not " + kind);
        }
        return make(std::move(executor), settings);
    };
    registry.register_instance_factory(std::move(name), std::move(factory));
}

} // namespace llmio

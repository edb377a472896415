// `llmio routes`: the config file's routes, their targets, and each provider instance's state as
// a health check finds it now.

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/output.hpp"
#include "cli/provider_selection.hpp"

#include <llmio/config.hpp>
#include <llmio/router.hpp>

#include <algorithm>
#include <map>
#include <ostream>

namespace llmio::cli {

namespace {

std::string joined(std::vector<std::string> const& items)
{
    std::string out;
    for (auto const& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

// Whether any provider of the route (of a target, or a candidate of a route by requirement)
// passed the check.
bool route_healthy(Route const& route, std::map<std::string, RouterProviderState const*> const& states)
{
    auto const healthy = [&](std::string const& provider) {
        auto const it = states.find(provider);
        return it != states.end() && it->second->healthy;
    };
    for (auto const& target : route.targets)
        if (std::any_of(target.providers.begin(), target.providers.end(), healthy))
            return true;
    return std::any_of(route.candidates.begin(), route.candidates.end(), healthy);
}

// "vision, min_context_length 8192", or "anything".
std::string requirements_text(ModelRequirements const& needs)
{
    std::vector<std::string> parts;
    if (needs.tools)
        parts.push_back("tools");
    if (needs.vision)
        parts.push_back("vision");
    if (needs.embeddings)
        parts.push_back("embeddings");
    if (needs.min_context_length)
        parts.push_back("min_context_length " + std::to_string(*needs.min_context_length));
    return parts.empty() ? std::string("anything") : joined(parts);
}

boost::json::value state_json(RouterProviderState const& state, std::string const& kind)
{
    boost::json::object out{{"name", state.name},
                            {"kind", kind},
                            {"healthy", state.healthy},
                            {"detail", state.detail},
                            {"latency_ms", state.latency.count()},
                            {"circuit_open", state.circuit_open}};
    if (state.loaded_models) {
        boost::json::array loaded;
        for (auto const& model : *state.loaded_models)
            loaded.push_back(boost::json::value(model));
        out["loaded_models"] = std::move(loaded);
    } else {
        out["loaded_models"] = nullptr;
    }
    return out;
}

// "healthy  3 ms; loaded: a, b" or "down  connection refused; circuit open".
std::string state_text(RouterProviderState const& state)
{
    std::string text = state.healthy ? "healthy  " + std::to_string(state.latency.count()) + " ms" : "down";
    if (!state.detail.empty())
        text += "  " + shown(state.detail);
    if (state.circuit_open)
        text += "; circuit open";
    if (state.loaded_models) {
        std::vector<std::string> models;
        for (auto const& model : *state.loaded_models)
            models.push_back(shown(model));
        text += "; loaded: " + (models.empty() ? std::string("none") : joined(models));
    }
    return text;
}

} // namespace

boost::asio::awaitable<int> cmd_routes(Context& ctx, bool json)
{
    auto const file = ConfigFile::from_environment(ctx.env);
    if (!file)
        throw CliError(ExitCode::usage, "usage", "no config file: give --config FILE or set LLMIO_CONFIG",
                       "docs/configuration.md describes the \"providers\" and \"routes\" sections");
    if (file->routes().empty())
        throw CliError(ExitCode::usage, "usage", "the config file " + file->name() + " has no routes",
                       "docs/configuration.md describes the \"routes\" section");
    auto const router = make_router(ctx, *file);
    auto const checked = co_await router->check_now();
    std::map<std::string, RouterProviderState const*> states;
    for (auto const& state : checked)
        states.emplace(state.name, &state);
    auto const kind_of = [&](std::string const& name) {
        auto const* section = file->provider(name);
        return section && section->kind ? *section->kind : name;
    };

    std::vector<std::string> unhealthy;
    for (auto const& [name, route] : file->routes())
        if (!route_healthy(route, states))
            unhealthy.push_back(name);

    auto& out = ctx.streams.out;
    if (json) {
        boost::json::array routes;
        for (auto const& [name, route] : file->routes()) {
            boost::json::array targets;
            for (auto const& target : route.targets) {
                boost::json::array providers;
                for (auto const& provider : target.providers)
                    providers.push_back(boost::json::value(provider));
                targets.push_back(boost::json::object{{"model", target.model}, {"providers", std::move(providers)}});
            }
            boost::json::value require = nullptr;
            if (route.requirements) {
                auto const& needs = *route.requirements;
                require = boost::json::object{
                    {"tools", needs.tools},
                    {"vision", needs.vision},
                    {"embeddings", needs.embeddings},
                    {"min_context_length", needs.min_context_length ? boost::json::value(*needs.min_context_length)
                                                                    : boost::json::value(nullptr)}};
            }
            boost::json::array candidates;
            for (auto const& provider : route.candidates)
                candidates.push_back(boost::json::value(provider));
            routes.push_back(boost::json::object{{"name", name},
                                                 {"healthy", route_healthy(route, states)},
                                                 {"auto_load", route.auto_load},
                                                 {"keep_warm", route.keep_warm},
                                                 {"targets", std::move(targets)},
                                                 {"require", std::move(require)},
                                                 {"providers", std::move(candidates)}});
        }
        boost::json::array providers;
        for (auto const& state : checked)
            providers.push_back(state_json(state, kind_of(state.name)));
        print_json(out, boost::json::object{{"config", file->name()},
                                            {"routes", std::move(routes)},
                                            {"providers", std::move(providers)}});
    } else {
        std::size_t width = 0;
        for (auto const& state : checked)
            width = std::max(width, state.name.size());
        for (auto const& [name, route] : file->routes()) {
            out << "route " << name;
            if (!route.auto_load || route.keep_warm)
                out << "  (" << (route.auto_load ? "auto_load" : "no auto_load")
                    << (route.keep_warm ? ", keep_warm" : "") << ")";
            out << '\n';
            auto const print_provider = [&](std::string const& provider) {
                out << "       " << provider << std::string(width > provider.size() ? width - provider.size() + 2 : 2, ' ')
                    << kind_of(provider) << "  ";
                auto const it = states.find(provider);
                out << (it == states.end() ? std::string("not checked") : state_text(*it->second)) << '\n';
            };
            for (std::size_t i = 0; i < route.targets.size(); ++i) {
                auto const& target = route.targets[i];
                out << "  " << i + 1 << ". " << shown(target.model) << '\n';
                for (auto const& provider : target.providers)
                    print_provider(provider);
            }
            if (route.requirements) {
                out << "  the best model for " << requirements_text(*route.requirements) << " of\n";
                for (auto const& provider : route.candidates)
                    print_provider(provider);
            }
        }
        out.flush();
    }
    if (unhealthy.empty())
        co_return 0;
    if (!json)
        ctx.streams.err << "llmio: unhealthy: no provider of route" << (unhealthy.size() == 1 ? " " : "s ")
                        << joined(unhealthy) << " is healthy\nhint: " << start_server_hint() << '\n'
                        << std::flush;
    co_return to_int(ExitCode::network);
}

} // namespace llmio::cli

#include "cli/provider_selection.hpp"

#include "cli/cache.hpp"
#include "cli/errors.hpp"

#include <llmio/error.hpp>
#include <llmio/lmstudio/factory.hpp>
#include <llmio/model_id.hpp>
#include <llmio/model_manager.hpp>
#include <llmio/ollama/factory.hpp>
#include <llmio/openai/factory.hpp>
#include <llmio/registry.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <ostream>

namespace llmio::cli {

namespace {

std::string trim(std::string_view text)
{
    auto const first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    auto const last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

std::string join(std::vector<std::string> const& items, std::string_view separator)
{
    std::string out;
    for (auto const& item : items) {
        if (!out.empty())
            out += separator;
        out += item;
    }
    return out;
}

void log_settings(Context const& ctx, std::string const& name, boost::json::object const& config,
                  ConfigFile const* file)
{
    if (!ctx.common.verbose)
        return;
    try {
        auto const settings = resolve_settings(name, ProviderSettings::from_json(config), ctx.env, file);
        ctx.streams.err << "llmio: provider " << name << " settings:\n"
                        << settings.describe() << std::flush;
    } catch (std::exception const&) {
        // The factory reports the same problem properly right after.
    }
}

std::vector<std::string> ids_of(std::vector<ModelInfo> const& models)
{
    std::vector<std::string> ids;
    ids.reserve(models.size());
    for (auto const& model : models)
        ids.push_back(model.id);
    return ids;
}

std::vector<ModelInfo> fit_for(std::vector<ModelInfo> models, ModelUse use)
{
    std::erase_if(models, [use](ModelInfo const& m) {
        return is_embedding_model(m) != (use == ModelUse::embedding);
    });
    return models;
}

} // namespace

DiscoveryOptions discovery_options(Context const& ctx)
{
    DiscoveryOptions options;
    if (auto const urls = ctx.raw_env("LLMIO_DISCOVERY_URLS")) {
        options.defaults.clear();
        std::string_view rest = *urls;
        // Bounded: each round consumes at least one character.
        while (!rest.empty()) {
            auto const comma = rest.find(',');
            auto const item = trim(rest.substr(0, comma));
            if (!item.empty())
                options.defaults.push_back(item);
            if (comma == std::string_view::npos)
                break;
            rest.remove_prefix(comma + 1);
        }
    }
    if (ctx.common.api_key)
        options.api_key = *ctx.common.api_key;
    if (ctx.common.verbose) {
        auto* err = &ctx.streams.err;
        options.logger = [err](LogLevel, std::string_view line) {
            *err << "llmio: discover: " << line << '\n' << std::flush;
        };
    }
    return options;
}

std::string factory_for(ServerKind kind)
{
    switch (kind) {
    case ServerKind::lmstudio: return "lmstudio";
    case ServerKind::ollama: return "ollama";
    default: return "openai";
    }
}

void register_factories(ProviderRegistry& registry, Context const& ctx, std::shared_ptr<Metrics> metrics)
{
    openai::Options openai_options;
    openai_options.metrics = metrics;
    openai::register_provider(registry, ctx.env, std::move(openai_options));
    lmstudio::Options lmstudio_options;
    lmstudio_options.metrics = metrics;
    lmstudio::register_provider(registry, ctx.env, std::move(lmstudio_options));
    ollama::Options ollama_options;
    ollama_options.metrics = std::move(metrics);
    ollama::register_provider(registry, ctx.env, std::move(ollama_options));
}

std::shared_ptr<Router> make_router(Context& ctx, ConfigFile const& file)
{
    ProviderRegistry registry;
    register_factories(registry, ctx);
    if (ctx.common.verbose)
        for (auto const& name : file.provider_names())
            log_settings(ctx, name, {}, &file);
    registry.add_from_file(ctx.executor, file, ctx.env);
    auto router = std::dynamic_pointer_cast<Router>(registry.get("router"));
    if (!router)
        throw_usage("the config file " + file.name() + " has no routes");
    if (ctx.common.verbose) {
        auto* err = &ctx.streams.err;
        router->set_logger([err](LogLevel, std::string_view line) {
            *err << "llmio: " << line << '\n' << std::flush; // "router: coder: trying ws/..."
        });
    }
    return router;
}

boost::asio::awaitable<Selection> select_provider(Context& ctx, std::string model)
{
    // A model id the library would refuse is a mistake on the command line: exit 2, and
    // nothing is sent (not even discovery probes).
    try {
        validate_model_id(model, ModelIdUse::optional);
    } catch (InvalidRequestError const& e) {
        throw CliError(ExitCode::usage, "usage", e.info().detail, e.hint());
    }
    ProviderRegistry registry;
    register_factories(registry, ctx);
    // The file (--config or LLMIO_CONFIG) names provider instances and routes.
    auto const file = ConfigFile::from_environment(ctx.env);
    bool const has_routes = file && !file->routes().empty();
    auto const known = [&](std::string const& name) {
        return registry.has_factory(name) || (file && file->provider(name)) || (has_routes && name == "router");
    };

    std::string name = ctx.common.provider;
    if (!name.empty() && !known(name)) {
        auto choices = registry.factory_names();
        if (file)
            for (auto const& instance : file->provider_names())
                if (!registry.has_factory(instance))
                    choices.push_back(instance);
        if (has_routes)
            choices.push_back("router");
        throw_usage("unknown provider '" + name + "' (choose one of: " + join(choices, ", ") + ")");
    }

    // `name/model` selects the provider only when `name` is a registered provider (or an
    // instance of the config file). With an explicit --provider, another prefix is part of the
    // model id (LM Studio serves `openai/gpt-oss-20b`).
    if (auto const slash = model.find('/'); slash != std::string::npos) {
        auto const prefix = model.substr(0, slash);
        if (known(prefix) && (name.empty() || name == prefix)) {
            name = prefix;
            model = model.substr(slash + 1);
            if (model.empty())
                throw_usage("no model id after the provider prefix '" + prefix + "/'");
        }
    } else if (name.empty() && has_routes && file->routes().contains(model)) {
        name = "router"; // a route's name is a model of the router
    }

    if (name == "router") {
        if (!ctx.common.url.empty() || ctx.common.api_key || ctx.common.timeout_s)
            throw_usage("--url, --api-key and --timeout set one provider, not the routes of " + file->name() +
                        "; give them in the config file's provider sections");
        auto router = make_router(ctx, *file);
        if (!model.empty())
            ctx.log("using route " + model + " of " + file->name());
        ctx.model_for_hints = model;
        co_return Selection{name, std::move(router), std::move(model)};
    }

    std::string base_url = ctx.common.url;
    if (name.empty()) {
        auto options = discovery_options(ctx);
        if (!base_url.empty()) {
            options.endpoints = {base_url};
            options.defaults.clear();
        }
        auto const result = co_await discover(std::move(options));
        if (result.found.empty()) {
            if (base_url.empty()) {
                std::string reasons;
                for (auto const& miss : result.not_found)
                    reasons += (reasons.empty() ? "" : "; ") + miss.base_url + ": " + miss.reason;
                throw CliError(ExitCode::network, "no server found",
                               reasons.empty() ? std::string("no candidate address to probe")
                                               : reasons,
                               start_server_hint());
            }
            // Unidentified: talk OpenAI to it and let the request report what is wrong.
            name = "openai";
        } else {
            auto const lmstudio = std::find_if(result.found.begin(), result.found.end(), [](auto const& s) {
                return s.kind == ServerKind::lmstudio;
            });
            auto const& chosen = lmstudio != result.found.end() ? *lmstudio : result.found.front();
            name = factory_for(chosen.kind);
            if (base_url.empty())
                base_url = chosen.base_url;
            ctx.log("using " + std::string(to_string(chosen.kind)) + " at " + chosen.base_url);
        }
    }

    InstanceRequest request;
    request.name = name;
    if (!base_url.empty())
        request.config["base_url"] = base_url;
    if (ctx.common.api_key)
        request.config["api_key"] = *ctx.common.api_key;
    if (ctx.common.timeout_s)
        request.config["timeout_s"] = *ctx.common.timeout_s;
    request.file = file ? &*file : nullptr;
    request.env = &ctx.env;
    // An instance of the file is made by the factory of its kind.
    auto const* section = file ? file->provider(name) : nullptr;
    std::string const kind = section && section->kind ? *section->kind : name;
    if (!registry.has_factory(kind))
        throw_usage("provider '" + name + "' of " + file->name() +
                    " has no kind; give it \"kind\": lmstudio, ollama or openai");
    log_settings(ctx, name, request.config, request.file);
    auto provider = registry.create_instance(kind, ctx.executor, request);
    ctx.model_for_hints = model;
    co_return Selection{name, std::move(provider), std::move(model)};
}

bool is_embedding_model(ModelInfo const& model)
{
    if (model.type.find("embed") != std::string::npos)
        return true;
    if (model.capabilities.embeddings.value_or(false))
        return true;
    return model.type.empty() && model.id.find("embed") != std::string::npos;
}

boost::asio::awaitable<std::string> pick_model([[maybe_unused]] Context& ctx, ModelProvider& provider, ModelUse use)
{
    std::vector<ModelInfo> candidates;
    std::vector<ModelInfo> all;
    if (auto* manager = provider.model_manager()) {
        candidates = fit_for(co_await manager->list_loaded(), use);
        if (candidates.empty())
            all = fit_for(co_await manager->list_downloaded(), use);
    } else {
        candidates = fit_for(co_await provider.list_models(), use);
        all = candidates;
    }
    if (candidates.size() == 1)
        co_return candidates.front().id;

    auto const what = use == ModelUse::embedding ? std::string("embedding model")
                                                 : std::string("model");
    if (candidates.empty()) {
        auto const choices = ids_of(all);
        throw CliError(ExitCode::model_not_found, "no model loaded",
                       "no " + what + " is loaded on the " + std::string(provider.name()) +
                           " server; pass -m MODEL" +
                           (choices.empty() ? std::string(" (the server lists none)")
                                            : " (choices: " + join(choices, ", ") + ")"),
                       "load one with `llmio load MODEL`");
    }
    auto const verb = provider.model_manager() ? "loaded" : "offered";
    throw CliError(ExitCode::usage, "usage",
                   "several " + what + "s are " + verb + "; choose one with -m MODEL (choices: " +
                       join(ids_of(candidates), ", ") + ")");
}

LocalModelManager& require_manager(Selection const& selection, std::string_view what)
{
    if (auto* manager = selection.provider->model_manager())
        return *manager;
    throw CliError(ExitCode::invalid_request, "unsupported",
                   "the " + selection.provider_name + " provider cannot " + std::string(what) +
                       " (the server does not manage local models)",
                   "use an LM Studio or Ollama server (--provider lmstudio|ollama)");
}

boost::asio::awaitable<Selection> select_with_model(Context& ctx, std::string model, ModelUse use)
{
    auto selection = co_await select_provider(ctx, std::move(model));
    if (selection.model.empty()) {
        selection.model = co_await pick_model(ctx, *selection.provider, use);
        ctx.log("using model " + selection.model);
    }
    ctx.model_for_hints = selection.model;
    apply_cache(ctx, selection);
    co_return selection;
}

} // namespace llmio::cli

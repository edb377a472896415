#include "cli/provider_selection.hpp"

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

void log_settings(Context const& ctx, std::string const& name, boost::json::object const& config)
{
    if (!ctx.common.verbose)
        return;
    try {
        auto const file = ConfigFile::from_environment(ctx.env);
        auto const settings = resolve_settings(name, ProviderSettings::from_json(config), ctx.env,
                                               file ? &*file : nullptr);
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
    openai::register_provider(registry, ctx.env);
    lmstudio::register_provider(registry, ctx.env);
    ollama::register_provider(registry, ctx.env);

    std::string name = ctx.common.provider;
    if (!name.empty() && !registry.has_factory(name))
        throw_usage("unknown provider '" + name + "' (choose one of: " +
                    join(registry.factory_names(), ", ") + ")");

    // `name/model` selects the provider only when `name` is a registered provider. With an
    // explicit --provider, another prefix is part of the model id (LM Studio serves
    // `openai/gpt-oss-20b`).
    if (auto const slash = model.find('/'); slash != std::string::npos) {
        auto const prefix = model.substr(0, slash);
        if (registry.has_factory(prefix) && (name.empty() || name == prefix)) {
            name = prefix;
            model = model.substr(slash + 1);
            if (model.empty())
                throw_usage("no model id after the provider prefix '" + prefix + "/'");
        }
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

    boost::json::object config;
    if (!base_url.empty())
        config["base_url"] = base_url;
    if (ctx.common.api_key)
        config["api_key"] = *ctx.common.api_key;
    if (ctx.common.timeout_s)
        config["timeout_s"] = *ctx.common.timeout_s;
    log_settings(ctx, name, config);
    auto provider = registry.create(name, ctx.executor, config);
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
    co_return selection;
}

} // namespace llmio::cli

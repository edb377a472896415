#ifndef LLMIO_CLI_PROVIDER_SELECTION_HPP
#define LLMIO_CLI_PROVIDER_SELECTION_HPP

// Which provider and model a command talks to: --provider, a `name/model` prefix, a route of the
// config file (the router), --url (its kind is probed), or discovery of the local servers (LM
// Studio first).

#include "cli/context.hpp"

#include <llmio/discovery.hpp>
#include <llmio/model_manager.hpp>
#include <llmio/provider.hpp>
#include <llmio/registry.hpp>
#include <llmio/router.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

namespace llmio::cli {

struct Selection {
    /// The factory ("lmstudio", "ollama" or "openai"), a provider instance of the config file,
    /// or "router" for a route.
    std::string provider_name;
    std::shared_ptr<ModelProvider> provider;
    std::string model;         ///< The model id without a provider prefix ("" = none given).
};

/// Discovery options from the context: LLMIO_DISCOVERY_URLS (comma-separated base URLs), when
/// set, replaces the default candidates (set but empty: probe nothing); --api-key is sent.
DiscoveryOptions discovery_options(Context const& ctx);

/// The factory that serves a discovered server kind.
std::string factory_for(ServerKind kind);

/// A registry with the lmstudio, ollama and openai factories, reading `ctx.env`; every
/// provider they make records its requests into `metrics` when given.
void register_factories(ProviderRegistry& registry, Context const& ctx, std::shared_ptr<Metrics> metrics = nullptr);

/// The router of the config file's routes over its provider instances (every instance is made),
/// logging every attempt and fallback on stderr with -v. Throws what
/// ProviderRegistry::add_from_file throws.
std::shared_ptr<Router> make_router(Context& ctx, ConfigFile const& file);

/// Resolves the provider for `model` (may be empty, `name/model` or a route name). Throws
/// CliError (usage, no server found) and what the factory throws.
boost::asio::awaitable<Selection> select_provider(Context& ctx, std::string model);

enum class ModelUse { generation, embedding };

/// Whether a listed model is an embedding model (by type, capability, or an id with "embed"
/// when the server gives no type).
bool is_embedding_model(ModelInfo const& model);

/// The model to use when none was given: the one loaded model fit for `use` (or, for servers
/// without model management, the one listed). Throws CliError listing the choices otherwise.
boost::asio::awaitable<std::string> pick_model(Context& ctx, ModelProvider& provider, ModelUse use);

/// `select_provider`, then `pick_model` when no model was given.
boost::asio::awaitable<Selection> select_with_model(Context& ctx, std::string model, ModelUse use);

/// The provider's model manager; throws CliError `unsupported` (exit 7) naming `what` when the
/// provider has none.
LocalModelManager& require_manager(Selection const& selection, std::string_view what);

} // namespace llmio::cli

#endif

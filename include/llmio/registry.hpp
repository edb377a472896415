#ifndef LLMIO_REGISTRY_HPP
#define LLMIO_REGISTRY_HPP

// Providers by name: factories that make them, the instances an application uses, and
// "provider/model" ids resolved to one of them.
//
//     llmio::ProviderRegistry registry;
//     llmio::openai::register_provider(registry);                 // adds the "openai" factory
//     registry.add("lmstudio", registry.create("lmstudio", ex, {{"base_url", "http://box:1234"}}));
//     auto [name, provider, model] = registry.resolve("lmstudio/qwen/qwen3-8b");
//     // name == "lmstudio", model == "qwen/qwen3-8b"
//
// From a config file with named instances and routes (docs/configuration.md):
//
//     registry.add_from_file(ex, llmio::ConfigFile::load("llmio.json"), llmio::Environment());
//     auto coder = registry.resolve("coder"); // a route: the router "router", model "coder"
//
// The application owns the registry (there is no global one). Thread safety: every member may
// be called concurrently; providers are shared (std::shared_ptr), so removing one does not end
// operations already running on it.

#include <llmio/config.hpp>
#include <llmio/error.hpp>
#include <llmio/models.hpp>
#include <llmio/provider.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace llmio {

class Router;

/// Makes a provider on `executor`. `config` holds this provider's settings with the keys of a
/// config-file provider section (docs/configuration.md), at the precedence of explicit options:
/// the factory completes them from the environment, the LLMIO_CONFIG file and the defaults
/// (resolve_settings in config.hpp). Throws InvalidRequestError for unusable settings.
using ProviderFactory = std::function<std::shared_ptr<ModelProvider>(
    boost::asio::any_io_executor executor, boost::json::object const& config)>;

/// One named instance of a provider kind, as `ProviderRegistry::create_instance` asks an
/// InstanceFactory for it.
struct InstanceRequest {
    /// The instance's name: the provider's name, and its section `providers.<name>` in the file.
    std::string name;
    /// Explicit settings, keys as in a config-file provider section.
    boost::json::object config;
    /// The config file to read; null: the factory's own (the file LLMIO_CONFIG names).
    ConfigFile const* file = nullptr;
    /// The environment to read; null: the factory's own.
    Environment const* env = nullptr;
};

/// Makes a named instance of its provider kind (the configured factories of the lmstudio,
/// ollama and openai components are such factories: `register_provider`).
using InstanceFactory = std::function<std::shared_ptr<ModelProvider>(
    boost::asio::any_io_executor executor, InstanceRequest const& request)>;

/// A model id resolved to the provider that serves it.
struct ResolvedModel {
    std::string provider_name;
    std::shared_ptr<ModelProvider> provider;
    std::string model; ///< The id to send to that provider.
};

/// One model of one provider in a combined listing.
struct RegistryModel {
    std::string provider;
    ModelInfo model;
};

/// A provider that could not list its models.
struct ProviderFailure {
    std::string provider;
    std::string message; ///< The error's what().
    errc code;           ///< The ProviderError's code; errc::server_error for any other exception.
    std::exception_ptr error; ///< The exception itself, to rethrow or inspect.
};

/// Models across providers, beside the providers that failed: a server that is down never
/// hides the others.
struct ModelListing {
    std::vector<RegistryModel> models;       ///< By provider name, then in each server's order.
    std::vector<ProviderFailure> failures;   ///< By provider name.
};

class ProviderRegistry {
public:
    ProviderRegistry();
    ~ProviderRegistry();
    ProviderRegistry(ProviderRegistry const&) = delete;
    ProviderRegistry& operator=(ProviderRegistry const&) = delete;

    // --- Factories ------------------------------------------------------------------------

    /// Registers `factory` as `name`. Throws InvalidRequestError for a name already registered,
    /// an invalid name (see `add`) or an empty factory.
    void register_factory(std::string name, ProviderFactory factory);
    /// Registers `factory` as the kind `kind`: it makes instances of any name
    /// (`create_instance`), and `create(kind, ...)` makes the instance named `kind`. Throws as
    /// `register_factory` does.
    void register_instance_factory(std::string kind, InstanceFactory factory);
    bool has_factory(std::string_view name) const;
    /// Sorted.
    std::vector<std::string> factory_names() const;

    /// Makes a provider with the factory `factory_name`; the registry does not keep it (see
    /// `add`). Throws InvalidRequestError naming the registered factories when there is no such
    /// factory or when the factory returns no provider; and whatever the factory throws.
    std::shared_ptr<ModelProvider> create(std::string_view factory_name,
                                          boost::asio::any_io_executor executor,
                                          boost::json::object const& config = {}) const;

    /// Makes the instance `request.name` of the kind `kind` (e.g. "ws" of kind "lmstudio",
    /// whose settings are the section `providers.ws`); the registry does not keep it. A factory
    /// registered with `register_factory` makes only the instance named like it, from explicit
    /// settings (no `file` nor `env`). Throws InvalidRequestError as `create` does, and for an
    /// instance whose settings give another kind.
    std::shared_ptr<ModelProvider> create_instance(std::string_view kind,
                                                   boost::asio::any_io_executor executor,
                                                   InstanceRequest const& request) const;
    /// Same, with explicit settings only.
    std::shared_ptr<ModelProvider> create_instance(std::string_view kind, std::string name,
                                                   boost::asio::any_io_executor executor,
                                                   boost::json::object const& config = {}) const;

    // --- Instances ------------------------------------------------------------------------

    /// Makes `provider` reachable as `name` (a provider may be added under several names).
    /// Names are 1..64 characters of `A-Z a-z 0-9 . _ -`, matched case-sensitively; never a
    /// `/`, which separates a name from a model id. Throws InvalidRequestError for an invalid or
    /// taken name, or a null provider.
    void add(std::string name, std::shared_ptr<ModelProvider> provider);

    /// Creates and adds providers from a JSON configuration:
    ///     {"default_provider": "lmstudio", "providers": {"lmstudio": {...}, "ws": {"kind": "lmstudio", ...}}}
    /// Each key of "providers" names the instance, and the factory too unless its object has a
    /// "kind"; its object is the factory's `config` (explicit precedence). "default_provider", when present, becomes the
    /// default and must be one of the providers then registered. All or nothing: on any error
    /// (InvalidRequestError naming the key, or what a factory throws) nothing is added.
    /// Returns the names added, sorted.
    std::vector<std::string> add_from_config(boost::asio::any_io_executor executor,
                                             boost::json::object const& config);

    /// Creates and adds every provider instance of `file` under its name (section
    /// `providers.<name>`, made by the factory of its kind, reading `file` and `env`), and,
    /// when the file has routes, one Router serving them over those instances, added as
    /// "router" with `add_router` (RouterOptions from the file's "routes" and "router"
    /// sections). The file's `default_provider`, when set, becomes the default and must name a
    /// provider then registered. All or nothing: on any error (InvalidRequestError naming the
    /// file and key, or what a factory or the Router throws) nothing is added. Returns the
    /// names added, sorted.
    std::vector<std::string> add_from_file(boost::asio::any_io_executor executor, ConfigFile const& file,
                                           Environment const& env);

    /// Adds `router` as the provider `name` (as `add`) and makes each of its routes resolve to
    /// it without a prefix: `resolve("coder")` is {name, router, "coder"}. Throws
    /// InvalidRequestError when `name` or a route name is taken (by a provider or another
    /// router's route); then nothing is added.
    void add_router(std::string name, std::shared_ptr<Router> router);
    /// The route names `resolve` knows, sorted.
    std::vector<std::string> route_names() const;

    /// Removes the name; returns whether it was registered. Clears the default if it was it,
    /// and forgets the routes of a router added as `name`.
    bool remove(std::string_view name);

    /// The provider added as `name`, or nullptr.
    std::shared_ptr<ModelProvider> get(std::string_view name) const;
    /// Sorted.
    std::vector<std::string> provider_names() const;

    /// The provider for ids without a registered provider prefix. Empty = none. It need not be
    /// registered yet; `resolve` checks.
    void set_default_provider(std::string name);
    std::string default_provider() const;

    /// Splits at the first '/' only: when the part before it is a registered provider name, it
    /// selects that provider and the rest is the model id (`lmstudio/qwen/qwen3-8b` ->
    /// lmstudio, `qwen/qwen3-8b`). Otherwise an id that is a route name (`add_router`) selects
    /// that route's router with the id as the model (`coder` -> router, `coder`), and any other
    /// text is a model id for the default provider (`qwen/qwen3-8b` -> default,
    /// `qwen/qwen3-8b`); without a default, a registry holding a single provider and no route
    /// uses that provider.
    /// Throws InvalidRequestError for an empty id, a provider prefix with nothing after it, an
    /// unregistered default, or no match and no default among several providers (the message
    /// lists the registered names).
    ResolvedModel resolve(std::string_view id) const;

    /// Lists the models of every registered provider (each instance once, under its first name
    /// in sorted order), all providers concurrently on the caller's executor. Per-provider
    /// failures are returned, not thrown.
    /// Cancellation: cancelling the awaiting coroutine cancels every listing and throws
    /// CancelledError.
    boost::asio::awaitable<ModelListing> list_models() const;

private:
    struct Factory {
        ProviderFactory plain;    ///< register_factory
        InstanceFactory instance; ///< register_instance_factory
    };
    void register_any(std::string name, Factory factory);
    Factory factory(std::string_view name) const;

    mutable std::shared_mutex mutex_;
    std::map<std::string, Factory, std::less<>> factories_;
    std::map<std::string, std::shared_ptr<ModelProvider>, std::less<>> providers_;
    /// Route name -> the name of the router (in providers_) serving it.
    std::map<std::string, std::string, std::less<>> routes_;
    std::string default_provider_;
};

} // namespace llmio

#endif // LLMIO_REGISTRY_HPP

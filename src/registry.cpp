#include <llmio/registry.hpp>

#include <llmio/router.hpp>

#include "detail/message_text.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <mutex>
#include <set>
#include <utility>

namespace llmio {

namespace asio = boost::asio;
using detail::message_text::joined;
using detail::message_text::quoted;

namespace {

constexpr std::size_t kMaxNameLength = 64;

bool valid_name(std::string_view name) noexcept
{
    if (name.empty() || name.size() > kMaxNameLength)
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

void check_name(std::string_view what, std::string_view name)
{
    if (!valid_name(name))
        throw_error(errc::invalid_request,
                    std::string(what) + " name " + quoted(name) +
                        " is invalid: use 1 to 64 characters of A-Z a-z 0-9 . _ -");
}

template <class Map>
std::vector<std::string> keys_of(Map const& map)
{
    std::vector<std::string> keys;
    keys.reserve(map.size());
    for (auto const& entry : map)
        keys.push_back(entry.first);
    return keys;
}

ProviderFailure failure_of(std::string provider, std::exception_ptr error)
{
    ProviderFailure failure{std::move(provider), {}, errc::server_error, error};
    try {
        std::rethrow_exception(error);
    } catch (ProviderError const& e) {
        failure.message = e.what();
        failure.code = e.error();
    } catch (std::exception const& e) {
        failure.message = std::string("unexpected exception from the provider: ") + e.what();
    } catch (...) {
        failure.message = "unexpected exception from the provider";
    }
    return failure;
}

} // namespace

ProviderRegistry::ProviderRegistry() = default;
ProviderRegistry::~ProviderRegistry() = default;

void ProviderRegistry::register_any(std::string name, Factory factory)
{
    check_name("factory", name);
    if (!factory.plain && !factory.instance)
        throw_error(errc::invalid_request, "factory " + quoted(name) + " is empty");
    std::lock_guard lock(mutex_);
    if (factories_.contains(name))
        throw_error(errc::invalid_request, "a factory named " + quoted(name) + " is already registered");
    factories_.emplace(std::move(name), std::move(factory));
}

void ProviderRegistry::register_factory(std::string name, ProviderFactory factory)
{
    register_any(std::move(name), Factory{std::move(factory), {}});
}

void ProviderRegistry::register_instance_factory(std::string kind, InstanceFactory factory)
{
    register_any(std::move(kind), Factory{{}, std::move(factory)});
}

ProviderRegistry::Factory ProviderRegistry::factory(std::string_view name) const
{
    std::shared_lock lock(mutex_);
    auto const it = factories_.find(name);
    if (it == factories_.end())
        throw_error(errc::invalid_request, "no provider factory named " + quoted(name) +
                                               " (registered factories: " +
                                               joined(keys_of(factories_)) + ")");
    return it->second;
}

bool ProviderRegistry::has_factory(std::string_view name) const
{
    std::shared_lock lock(mutex_);
    return factories_.find(name) != factories_.end();
}

std::vector<std::string> ProviderRegistry::factory_names() const
{
    std::shared_lock lock(mutex_);
    return keys_of(factories_);
}

std::shared_ptr<ModelProvider> ProviderRegistry::create(std::string_view factory_name,
                                                        asio::any_io_executor executor,
                                                        boost::json::object const& config) const
{
    InstanceRequest request;
    request.name = std::string(factory_name);
    request.config = config;
    return create_instance(factory_name, std::move(executor), request);
}

std::shared_ptr<ModelProvider> ProviderRegistry::create_instance(std::string_view kind, std::string name,
                                                                 asio::any_io_executor executor,
                                                                 boost::json::object const& config) const
{
    InstanceRequest request;
    request.name = std::move(name);
    request.config = config;
    return create_instance(kind, std::move(executor), request);
}

std::shared_ptr<ModelProvider> ProviderRegistry::create_instance(std::string_view kind,
                                                                 asio::any_io_executor executor,
                                                                 InstanceRequest const& request) const
{
    auto const made = factory(kind);
    check_name("provider", request.name);
    // Called without the lock: a factory may use the registry.
    std::shared_ptr<ModelProvider> provider;
    if (made.instance) {
        provider = made.instance(std::move(executor), request);
    } else {
        if (request.name != kind || request.file || request.env)
            throw_error(errc::invalid_request,
                        "provider factory " + quoted(kind) + " makes only the instance " + quoted(kind) +
                            " from explicit settings, not " + quoted(request.name) +
                            (request.file ? " from a config file" : "") +
                            " (register it with register_instance_factory)");
        provider = made.plain(std::move(executor), request.config);
    }
    if (!provider)
        throw_error(errc::invalid_request, "provider factory " + quoted(kind) + " returned no provider");
    return provider;
}

void ProviderRegistry::add(std::string name, std::shared_ptr<ModelProvider> provider)
{
    check_name("provider", name);
    if (!provider)
        throw_error(errc::invalid_request, "provider " + quoted(name) + " is null");
    std::lock_guard lock(mutex_);
    if (providers_.contains(name))
        throw_error(errc::invalid_request, "a provider named " + quoted(name) + " is already registered");
    if (routes_.contains(name))
        throw_error(errc::invalid_request, quoted(name) + " is the name of a route");
    providers_.emplace(std::move(name), std::move(provider));
}

std::vector<std::string> ProviderRegistry::add_from_config(asio::any_io_executor executor,
                                                           boost::json::object const& config)
{
    for (auto const& entry : config)
        if (entry.key() != "default_provider" && entry.key() != "providers")
            throw_error(errc::invalid_request,
                        "unknown key " + quoted(entry.key()) +
                            " in the provider configuration (known keys: default_provider, providers)");

    std::string default_name;
    if (auto const* value = config.if_contains("default_provider")) {
        auto const* text = value->if_string();
        if (!text)
            throw_error(errc::invalid_request, "default_provider must be a string");
        default_name.assign(text->begin(), text->end());
    }

    // Create every provider first, then add them all under one lock: all or nothing.
    std::vector<std::pair<std::string, std::shared_ptr<ModelProvider>>> created;
    if (auto const* value = config.if_contains("providers")) {
        auto const* providers = value->if_object();
        if (!providers)
            throw_error(errc::invalid_request, "providers must be an object");
        for (auto const& entry : *providers) {
            std::string name(entry.key());
            check_name("provider", name);
            auto const* section = entry.value().if_object();
            if (!section)
                throw_error(errc::invalid_request, "providers." + name + " must be an object");
            std::string kind = name;
            if (auto const* given = section->if_contains("kind")) {
                auto const* text = given->if_string();
                if (!text)
                    throw_error(errc::invalid_request, "providers." + name + ".kind must be a string");
                kind.assign(text->begin(), text->end());
            }
            created.emplace_back(name, create_instance(kind, name, executor, *section));
        }
    }

    std::lock_guard lock(mutex_);
    for (auto const& [name, provider] : created)
        if (providers_.contains(name))
            throw_error(errc::invalid_request,
                        "a provider named " + quoted(name) + " is already registered");
    if (!default_name.empty()) {
        bool const known = providers_.contains(default_name) ||
                           std::any_of(created.begin(), created.end(),
                                       [&](auto const& c) { return c.first == default_name; });
        if (!known) {
            auto names = keys_of(providers_);
            for (auto const& c : created)
                names.push_back(c.first);
            std::sort(names.begin(), names.end());
            throw_error(errc::invalid_request, "default_provider " + quoted(default_name) +
                                                   " is not a configured provider (providers: " +
                                                   joined(names) + ")");
        }
    }
    std::vector<std::string> added;
    for (auto& [name, provider] : created) {
        added.push_back(name);
        providers_.emplace(std::move(name), std::move(provider));
    }
    if (!default_name.empty())
        default_provider_ = std::move(default_name);
    std::sort(added.begin(), added.end());
    return added;
}

std::vector<std::string> ProviderRegistry::add_from_file(asio::any_io_executor executor, ConfigFile const& file,
                                                         Environment const& env)
{
    std::string const where = "config file " + quoted(file.name(), 256);
    // Create everything first, then add it all under one lock: all or nothing.
    std::vector<std::pair<std::string, std::shared_ptr<ModelProvider>>> created;
    for (auto const& name : file.provider_names()) {
        auto const& section = *file.provider(name);
        std::string const kind = section.kind ? *section.kind : name;
        if (!has_factory(kind)) {
            std::string kinds;
            for (auto const k : provider_kinds())
                kinds += (kinds.empty() ? "" : ", ") + std::string(k);
            if (section.kind)
                throw_error(errc::invalid_request, where + ": providers." + name + ": no provider factory for kind " +
                                                       quoted(kind) + " (registered factories: " +
                                                       joined(factory_names()) + ")");
            throw_error(errc::invalid_request, where + ": providers." + name +
                                                   " has no kind and no provider factory has its name; "
                                                   "give it \"kind\": one of " + kinds);
        }
        InstanceRequest request;
        request.name = name;
        request.file = &file;
        request.env = &env;
        created.emplace_back(name, create_instance(kind, executor, request));
    }

    std::shared_ptr<Router> router;
    if (!file.routes().empty()) {
        RouterOptions options;
        for (auto const& [name, provider] : created)
            options.providers.emplace(name, provider);
        options.routes = file.routes();
        apply_router_settings(options, file.router());
        router = std::make_shared<Router>(std::move(options));
    }
    std::string const router_name = "router";

    std::lock_guard lock(mutex_);
    auto const taken = [&](std::string const& name) {
        return providers_.contains(name) || routes_.contains(name);
    };
    for (auto const& [name, provider] : created)
        if (taken(name))
            throw_error(errc::invalid_request, where + ": a provider named " + quoted(name) + " is already registered");
    if (router) {
        if (taken(router_name))
            throw_error(errc::invalid_request,
                        where + ": a provider named " + quoted(router_name) + " is already registered");
        for (auto const& [route, unused] : router->routes())
            if (taken(route))
                throw_error(errc::invalid_request,
                            where + ": route " + quoted(route) + " has the name of a registered provider or route");
    }
    std::string const& default_name = file.default_provider();
    if (!default_name.empty()) {
        bool const known = providers_.contains(default_name) || (router && default_name == router_name) ||
                           std::any_of(created.begin(), created.end(),
                                       [&](auto const& c) { return c.first == default_name; });
        if (!known) {
            auto names = keys_of(providers_);
            for (auto const& c : created)
                names.push_back(c.first);
            if (router)
                names.push_back(router_name);
            std::sort(names.begin(), names.end());
            throw_error(errc::invalid_request, where + ": default_provider " + quoted(default_name) +
                                                   " is not a configured provider (providers: " +
                                                   joined(names) + ")");
        }
    }

    std::vector<std::string> added;
    for (auto& [name, provider] : created) {
        added.push_back(name);
        providers_.emplace(std::move(name), std::move(provider));
    }
    if (router) {
        for (auto const& [route, unused] : router->routes())
            routes_.emplace(route, router_name);
        added.push_back(router_name);
        providers_.emplace(router_name, std::move(router));
    }
    if (!default_name.empty())
        default_provider_ = default_name;
    std::sort(added.begin(), added.end());
    return added;
}

void ProviderRegistry::add_router(std::string name, std::shared_ptr<Router> router)
{
    check_name("provider", name);
    if (!router)
        throw_error(errc::invalid_request, "router " + quoted(name) + " is null");
    std::lock_guard lock(mutex_);
    if (providers_.contains(name) || routes_.contains(name))
        throw_error(errc::invalid_request, "a provider named " + quoted(name) + " is already registered");
    for (auto const& [route, unused] : router->routes())
        if (providers_.contains(route) || routes_.contains(route) || route == name)
            throw_error(errc::invalid_request,
                        "route " + quoted(route) + " of router " + quoted(name) +
                            " has the name of a registered provider or route");
    for (auto const& [route, unused] : router->routes())
        routes_.emplace(route, name);
    providers_.emplace(std::move(name), std::move(router));
}

std::vector<std::string> ProviderRegistry::route_names() const
{
    std::shared_lock lock(mutex_);
    return keys_of(routes_);
}

bool ProviderRegistry::remove(std::string_view name)
{
    std::lock_guard lock(mutex_);
    auto const it = providers_.find(name);
    if (it == providers_.end())
        return false;
    providers_.erase(it);
    std::erase_if(routes_, [&](auto const& route) { return route.second == name; });
    if (default_provider_ == name)
        default_provider_.clear();
    return true;
}

std::shared_ptr<ModelProvider> ProviderRegistry::get(std::string_view name) const
{
    std::shared_lock lock(mutex_);
    auto const it = providers_.find(name);
    return it == providers_.end() ? nullptr : it->second;
}

std::vector<std::string> ProviderRegistry::provider_names() const
{
    std::shared_lock lock(mutex_);
    return keys_of(providers_);
}

void ProviderRegistry::set_default_provider(std::string name)
{
    if (!name.empty())
        check_name("provider", name);
    std::lock_guard lock(mutex_);
    default_provider_ = std::move(name);
}

std::string ProviderRegistry::default_provider() const
{
    std::shared_lock lock(mutex_);
    return default_provider_;
}

ResolvedModel ProviderRegistry::resolve(std::string_view id) const
{
    if (id.empty())
        throw_error(errc::invalid_request, "empty model id");
    std::shared_lock lock(mutex_);
    auto const slash = id.find('/');
    if (slash != std::string_view::npos) {
        auto const prefix = id.substr(0, slash);
        auto const it = providers_.find(prefix);
        if (it != providers_.end()) {
            auto const model = id.substr(slash + 1);
            if (model.empty())
                throw_error(errc::invalid_request, "model id " + quoted(id) + " names provider " +
                                                       it->first + " but no model");
            return {it->first, it->second, std::string(model)};
        }
    }
    if (auto const route = routes_.find(id); route != routes_.end())
        if (auto const router = providers_.find(route->second); router != providers_.end())
            return {router->first, router->second, std::string(id)};
    // One provider, no route and no default: it is the default (a config with only LM Studio
    // in it takes bare model names).
    if (default_provider_.empty() && providers_.size() == 1 && routes_.empty()) {
        auto const& [name, provider] = *providers_.begin();
        return {name, provider, std::string(id)};
    }
    if (default_provider_.empty())
        throw_error(errc::invalid_request,
                    "model id " + quoted(id) +
                        " does not start with a registered provider name and no default provider "
                        "is set (registered: " +
                        joined(keys_of(providers_)) + ")");
    auto const it = providers_.find(default_provider_);
    if (it == providers_.end())
        throw_error(errc::invalid_request, "default provider " + quoted(default_provider_) +
                                               " is not registered (registered: " +
                                               joined(keys_of(providers_)) + ")");
    return {it->first, it->second, std::string(id)};
}

asio::awaitable<ModelListing> ProviderRegistry::list_models() const
{
    // Each instance once, under its first name in sorted order.
    std::vector<std::pair<std::string, std::shared_ptr<ModelProvider>>> providers;
    {
        std::shared_lock lock(mutex_);
        std::set<ModelProvider const*> seen;
        for (auto const& [name, provider] : providers_)
            if (seen.insert(provider.get()).second)
                providers.emplace_back(name, provider);
    }

    ModelListing listing;
    auto const cancellation = co_await asio::this_coro::cancellation_state;
    auto const cancelled = [&] { return cancellation.cancelled() != asio::cancellation_type::none; };
    if (cancelled())
        throw_error(errc::cancelled, "cancelled before listing the models");
    if (providers.empty())
        co_return listing;

    auto const executor = co_await asio::this_coro::executor;
    using Listing = decltype(asio::co_spawn(executor, providers.front().second->list_models(),
                                            asio::deferred));
    std::vector<Listing> operations;
    operations.reserve(providers.size());
    for (auto const& entry : providers)
        operations.push_back(asio::co_spawn(executor, entry.second->list_models(), asio::deferred));

    // The group forwards our cancellation to every listing. `providers` keeps them alive.
    auto [order, errors, results] =
        co_await asio::experimental::make_parallel_group(std::move(operations))
            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    (void)order;
    if (cancelled())
        throw_error(errc::cancelled, "cancelled while listing the models");

    for (std::size_t i = 0; i < providers.size(); ++i) {
        if (errors[i]) {
            listing.failures.push_back(failure_of(providers[i].first, errors[i]));
            continue;
        }
        for (auto& model : results[i])
            listing.models.push_back({providers[i].first, std::move(model)});
    }
    co_return listing;
}

} // namespace llmio

#include <llmio/registry.hpp>

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

void ProviderRegistry::register_factory(std::string name, ProviderFactory factory)
{
    check_name("factory", name);
    if (!factory)
        throw_error(errc::invalid_request, "factory " + quoted(name) + " is empty");
    std::lock_guard lock(mutex_);
    if (factories_.contains(name))
        throw_error(errc::invalid_request, "a factory named " + quoted(name) + " is already registered");
    factories_.emplace(std::move(name), std::move(factory));
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
    ProviderFactory factory;
    {
        std::shared_lock lock(mutex_);
        auto const it = factories_.find(factory_name);
        if (it == factories_.end())
            throw_error(errc::invalid_request, "no provider factory named " + quoted(factory_name) +
                                                   " (registered factories: " +
                                                   joined(keys_of(factories_)) + ")");
        factory = it->second;
    }
    // Called without the lock: a factory may use the registry.
    auto provider = factory(std::move(executor), config);
    if (!provider)
        throw_error(errc::invalid_request,
                    "provider factory " + quoted(factory_name) + " returned no provider");
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
            created.emplace_back(name, create(name, executor, *section));
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

bool ProviderRegistry::remove(std::string_view name)
{
    std::lock_guard lock(mutex_);
    auto const it = providers_.find(name);
    if (it == providers_.end())
        return false;
    providers_.erase(it);
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

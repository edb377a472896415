#include "router_local_models.hpp"

#include <llmio/error.hpp>

namespace llmio::detail {

namespace asio = boost::asio;

namespace {

// Ollama answers to `llama3` for `llama3:latest`; the loaded list names the tag.
std::string tagged(std::string_view id)
{
    std::string key(id);
    if (key.find(':') == std::string::npos)
        key += ":latest";
    return key;
}

} // namespace

RouterLocalModels::RouterLocalModels(LocalModelManager& manager, std::chrono::milliseconds ttl,
                                     ModelCache::Clock clock)
    : manager_(manager),
      loaded_([&manager]() { return manager.list_loaded(); },
              ModelCache::Options{.ttl = ttl, .clock = std::move(clock), .key = tagged})
{
}

std::optional<bool> RouterLocalModels::known_loaded(std::string_view model) const
{
    if (!loaded_.fresh())
        return std::nullopt;
    return loaded_.peek(model).has_value();
}

asio::awaitable<bool> RouterLocalModels::loaded(std::string model)
{
    auto const found = co_await loaded_.find(std::move(model));
    co_return found.has_value();
}

asio::awaitable<std::vector<std::string>> RouterLocalModels::refresh()
{
    loaded_.invalidate();
    auto const models = co_await loaded_.models();
    std::vector<std::string> ids;
    for (auto const& m : models)
        ids.push_back(m.id);
    co_return ids;
}

asio::awaitable<void> RouterLocalModels::load(std::string model)
{
    co_await load_once(std::move(model), false);
}

asio::awaitable<void> RouterLocalModels::load_to_keep(std::string model)
{
    co_await load_once(std::move(model), true);
}

asio::awaitable<void> RouterLocalModels::load_once(std::string model, bool keep)
{
    ModelCache* flight = nullptr;
    {
        std::lock_guard lock(loads_mutex_);
        auto& slot = loads_[(keep ? "keep:" : "call:") + model];
        if (!slot) {
            auto fetch = [this, model, keep]() -> asio::awaitable<std::vector<ModelInfo>> {
                LoadOptions options;
                if (keep)
                    options.ttl = std::chrono::hours(24);
                bool without_limit = false;
                try {
                    co_await manager_.load(model, options);
                } catch (ProviderError const& e) {
                    // LM Studio takes no idle limit on a load: its loads stay until unloaded.
                    if (!keep || e.error() != errc::unsupported)
                        throw;
                    without_limit = true;
                }
                if (without_limit) {
                    LoadOptions plain;
                    co_await manager_.load(model, plain);
                }
                loaded_.invalidate();
                co_return std::vector<ModelInfo>{};
            };
            slot = std::make_unique<ModelCache>(std::move(fetch), ModelCache::Options{.ttl = {}, .clock = {}, .key = {}});
        }
        flight = slot.get();
    }
    // Map entries are never erased, so the cache outlives this wait.
    co_await flight->models();
}

} // namespace llmio::detail

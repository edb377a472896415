// GET /v1/models.

#include "openai_endpoints.hpp"

#include "services.hpp"

#include <llmio/router.hpp>

#include <boost/json/serialize.hpp>

namespace llmio::gateway {

namespace json = boost::json;

boost::asio::awaitable<void> openai_models(Exchange& exchange)
{
    auto& registry = exchange.services().registry();
    json::array data;
    // Routes first: they are what this gateway adds, and what clients should prefer.
    for (auto const& route : registry.route_names())
        data.push_back(json::object{{"id", route}, {"object", "model"}, {"created", 0}, {"owned_by", "llmio"}});
    // A provider that cannot list its models is left out; /health says why. A router's models
    // are its routes, listed above.
    auto const listing = co_await registry.list_models();
    std::string router_seen;
    for (auto const& [provider, model] : listing.models) {
        if (provider == router_seen || std::dynamic_pointer_cast<Router>(registry.get(provider))) {
            router_seen = provider;
            continue;
        }
        data.push_back(json::object{{"id", provider + "/" + model.id},
                                    {"object", "model"},
                                    {"created", 0},
                                    {"owned_by", model.owned_by.empty() ? provider : model.owned_by}});
    }
    auto const body = json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
    co_await exchange.reply(Status::ok, "application/json", body);
}

} // namespace llmio::gateway

// GET /v1/models and GET /v1/models/{model}.

#include "openai_endpoints.hpp"

#include "api_error.hpp"
#include "services.hpp"

#include <llmio/router.hpp>

#include <boost/json/serialize.hpp>
#include <boost/url/pct_string_view.hpp>

#include <algorithm>

namespace llmio::gateway {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object model_object(std::string id, std::string_view owned_by)
{
    return json::object{{"id", std::move(id)}, {"object", "model"}, {"created", 0}, {"owned_by", owned_by}};
}

// Routes first: they are what this gateway adds, and what clients should prefer. Then each
// provider's models; a provider that cannot list its models is left out (/health says why),
// and a router's models are its routes, listed already.
asio::awaitable<json::array> listed_models(ProviderRegistry& registry)
{
    json::array data;
    for (auto const& route : registry.route_names())
        data.push_back(model_object(route, "llmio"));
    auto const listing = co_await registry.list_models();
    std::string router_seen;
    for (auto const& [provider, model] : listing.models) {
        if (provider == router_seen || std::dynamic_pointer_cast<Router>(registry.get(provider))) {
            router_seen = provider;
            continue;
        }
        data.push_back(model_object(provider + "/" + model.id, model.owned_by.empty() ? provider : model.owned_by));
    }
    co_return data;
}

} // namespace

boost::asio::awaitable<void> openai_models(Exchange& exchange)
{
    auto data = co_await listed_models(exchange.services().registry());
    auto const body = json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
    co_await exchange.reply(Status::ok, "application/json", body);
}

boost::asio::awaitable<void> openai_model(Exchange& exchange)
{
    auto const encoded = exchange.path().substr(kModelPathPrefix.size());
    auto const checked = boost::urls::make_pct_string_view(encoded);
    if (!checked)
        throw_invalid("the model id in the path is not validly percent-encoded", "model");
    std::string const id = checked->decode();
    auto const data = co_await listed_models(exchange.services().registry());
    auto const found = std::find_if(data.begin(), data.end(), [&](json::value const& m) {
        return m.as_object().at("id").as_string() == id;
    });
    if (found == data.end()) {
        ApiError error;
        error.status = Status::not_found;
        error.type = "invalid_request_error";
        error.code = "model_not_found";
        error.param = "model";
        error.message = "The model '" + id + "' does not exist.";
        co_await reply_error(exchange, error);
        co_return;
    }
    auto const body = json::serialize(*found);
    co_await exchange.reply(Status::ok, "application/json", body);
}

} // namespace llmio::gateway

#include "ops_endpoints.hpp"

#include "api_error.hpp"
#include "services.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <variant>

namespace llmio::gateway {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// A health check may not hold /health longer than this: a server that does not answer by
// then counts as down.
constexpr std::chrono::seconds kHealthTimeout{2};

asio::awaitable<HealthStatus> check(std::shared_ptr<ModelProvider> provider)
{
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(co_await asio::this_coro::executor, kHealthTimeout);
    auto result = co_await (provider->health() || timer.async_wait(asio::use_awaitable));
    if (auto* status = std::get_if<0>(&result))
        co_return std::move(*status);
    HealthStatus timed_out;
    timed_out.detail = "no answer within 2 s";
    timed_out.latency = kHealthTimeout;
    co_return timed_out;
}

} // namespace

asio::awaitable<void> serve_health(Exchange& exchange)
{
    auto& registry = exchange.services().registry();
    auto const names = registry.provider_names();
    auto const executor = co_await asio::this_coro::executor;
    using Check = decltype(asio::co_spawn(executor, check(nullptr), asio::deferred));
    std::vector<Check> checks;
    for (auto const& name : names)
        checks.push_back(asio::co_spawn(executor, check(registry.get(name)), asio::deferred));
    json::array providers;
    bool any_healthy = false;
    if (!checks.empty()) {
        auto [order, errors, states] = co_await asio::experimental::make_parallel_group(std::move(checks))
                                           .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
        (void)order;
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (errors[i])
                std::rethrow_exception(errors[i]); // a cancellation: the client left
            any_healthy = any_healthy || states[i].ok;
            providers.push_back(json::object{{"name", names[i]},
                                             {"healthy", states[i].ok},
                                             {"detail", states[i].detail},
                                             {"latency_ms", states[i].latency.count()}});
        }
    }
    auto const body = json::serialize(json::object{{"status", any_healthy ? "ok" : "unavailable"},
                                                   {"providers", std::move(providers)}});
    co_await exchange.reply(any_healthy ? Status::ok : Status::service_unavailable, "application/json", body);
}

asio::awaitable<void> serve_metrics(Exchange& exchange)
{
    auto* metrics = exchange.services().metrics();
    if (!metrics) {
        ApiError error = invalid_request("this gateway keeps no metrics");
        error.status = Status::not_found;
        co_await reply_error(exchange, error);
        co_return;
    }
    auto const page = metrics->to_prometheus();
    co_await exchange.reply(Status::ok, "text/plain; version=0.0.4", page);
}

} // namespace llmio::gateway

#ifndef LLMIO_GATEWAY_OPS_ENDPOINTS_HPP
#define LLMIO_GATEWAY_OPS_ENDPOINTS_HPP

// Endpoints for operators: health and metrics.

#include "exchange.hpp"

#include <boost/asio/awaitable.hpp>

namespace llmio::gateway {

/// GET /health: each provider instance and whether it is healthy; 200 if any is, else 503.
boost::asio::awaitable<void> serve_health(Exchange& exchange);
/// GET /metrics: the Prometheus text of the gateway's Metrics (404 when it has none).
boost::asio::awaitable<void> serve_metrics(Exchange& exchange);

} // namespace llmio::gateway

#endif

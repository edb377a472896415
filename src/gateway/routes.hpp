#ifndef LLMIO_GATEWAY_ROUTES_HPP
#define LLMIO_GATEWAY_ROUTES_HPP

#include "route_table.hpp"
#include "services.hpp"

namespace llmio::gateway {

/// Every endpoint and middleware of the gateway, in one place.
void register_routes(RouteTable& table, Services& services);

} // namespace llmio::gateway

#endif

#ifndef LLMIO_GATEWAY_WEB_ACCESS_HPP
#define LLMIO_GATEWAY_WEB_ACCESS_HPP

// What stands in front of every endpoint for web apps and access control (docs/gateway.md):
// CORS (a preflight is answered before any key is asked for: browsers send it without one),
// then the client key, then the key's rate limits; and the playground's page.

#include "route_table.hpp"
#include "services.hpp"

namespace llmio::gateway {

/// Adds the CORS, key and rate-limit middleware (in that order) and the playground's routes,
/// built from services.options(). Throws InvalidRequestError for a bad origin or key list.
void add_web_access(RouteTable& table, Services const& services);

} // namespace llmio::gateway

#endif

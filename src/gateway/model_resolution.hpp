#ifndef LLMIO_GATEWAY_MODEL_RESOLUTION_HPP
#define LLMIO_GATEWAY_MODEL_RESOLUTION_HPP

#include "services.hpp"

#include <string_view>

namespace llmio::gateway {

/// The provider and model a request's `model` names (a route, `provider/model`, or a bare model
/// for the default provider). A name nothing serves is a 404 model_not_found ApiException.
ResolvedModel resolve_model(Services const& services, std::string_view model);

} // namespace llmio::gateway

#endif

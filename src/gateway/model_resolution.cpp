#include "model_resolution.hpp"

#include "api_error.hpp"

namespace llmio::gateway {

ResolvedModel resolve_model(Services const& services, std::string_view model)
{
    try {
        return services.resolve(model);
    } catch (InvalidRequestError const& e) {
        ApiError error;
        error.status = Status::not_found;
        error.type = "invalid_request_error";
        error.code = "model_not_found";
        error.param = "model";
        error.message = "the model '" + std::string(model) + "' does not exist: " +
                        (e.info().detail.empty() ? std::string(e.what()) : e.info().detail);
        throw ApiException(std::move(error));
    }
}

} // namespace llmio::gateway

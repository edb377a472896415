// load_client_keys (gateway.hpp): the keys a serve section names, from the environment or a file.

#include "access.hpp"

#include <llmio/error.hpp>
#include <llmio/gateway.hpp>

namespace llmio::gateway {

std::vector<ClientKey> load_client_keys(ServeConfig const& config, Environment const& env)
{
    if (config.api_keys_file)
        return keys_from_file(*config.api_keys_file, "serve.api_keys_file");
    if (!config.api_keys_env)
        return {};
    auto const where = "serve.api_keys_env (" + *config.api_keys_env + ")";
    auto const value = env.get(*config.api_keys_env);
    if (!value)
        throw_error(errc::invalid_request, where + ": the variable is not set or is empty");
    return keys_from_list(*value, where);
}

} // namespace llmio::gateway

#ifndef LLMIO_SRC_SERVE_ACCESS_CONFIG_HPP
#define LLMIO_SRC_SERVE_ACCESS_CONFIG_HPP

// The serve section's web and access keys (docs/configuration.md, "The gateway"):
//
//     "serve": {"cors_origins": ["http://localhost:5173"],
//               "api_keys_env": "LLMIO_GATEWAY_KEYS",          // or "api_keys_file": "keys.txt"
//               "rate_limits": {"requests_per_minute": 60, "tokens_per_minute": 100000}}
//
// The origins' form is checked where they are used (the gateway's CORS policy).

#include <llmio/serve_config.hpp>

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace llmio::detail {

/// Reads `serve.<key>` into `config` when it is one of cors_origins, api_keys_env,
/// api_keys_file and rate_limits; false for another key. Throws InvalidRequestError
/// "<where>: serve.<key>..." for a bad value, and when both api_keys_env and api_keys_file are
/// given.
bool read_serve_access_key(ServeConfig& config, std::string_view key, boost::json::value const& value,
                           std::string const& where);

} // namespace llmio::detail

#endif

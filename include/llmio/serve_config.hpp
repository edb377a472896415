#ifndef LLMIO_SERVE_CONFIG_HPP
#define LLMIO_SERVE_CONFIG_HPP

// The config file's "serve" section: the settings of `llmio serve` (docs/gateway.md), every
// part optional; the command line wins over it.
//
//     "serve": {"host": "0.0.0.0", "port": 4000, "threads": 2, "drain_s": 10,
//               "limits": {"body_mb": 16, "header_kb": 16, "connections": 1024,
//                          "connections_per_client": 256, "request_timeout_s": 30,
//                          "idle_timeout_s": 60}}
//
// ConfigFile checks the section when it reads the file; this reads it for `llmio serve`.

#include <llmio/config.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmio {

struct ServeConfig {
    std::optional<std::string> host;
    std::optional<unsigned short> port;
    std::optional<std::size_t> threads;
    std::optional<std::chrono::milliseconds> drain;
    std::optional<std::size_t> body_bytes;
    std::optional<std::size_t> header_bytes;
    std::optional<std::size_t> connections;
    std::optional<std::size_t> connections_per_client;
    std::optional<std::chrono::milliseconds> request_timeout;
    std::optional<std::chrono::milliseconds> idle_timeout;
    // Web apps and access control (docs/gateway.md):
    std::vector<std::string> cors_origins;
    std::optional<std::string> api_keys_env;  ///< the *name* of the variable holding the keys
    std::optional<std::string> api_keys_file; ///< one key per line
    std::optional<std::uint64_t> requests_per_minute; ///< rate_limits, per key
    std::optional<std::uint64_t> tokens_per_minute;
};

/// Reads a "serve" section. Throws InvalidRequestError naming `where` and the key at fault.
ServeConfig parse_serve_section(boost::json::value const& section, std::string const& where);
/// The "serve" section of the file LLMIO_CONFIG names in `env`; all unset without a file or a
/// section. Throws what ConfigFile::from_environment throws.
ServeConfig serve_config_from_environment(Environment const& env);

} // namespace llmio

#endif // LLMIO_SERVE_CONFIG_HPP

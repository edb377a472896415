#ifndef LLMIO_CLI_CONTEXT_HPP
#define LLMIO_CLI_CONTEXT_HPP

// What every command gets: the streams, the options shared by all commands, and the executor.

#include "cli/run.hpp"

#include <llmio/config.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <optional>
#include <string>

namespace llmio::cli {

/// Options every command accepts, before or after the command name.
struct CommonOptions {
    std::string provider;             ///< --provider; "" = from the model prefix or discovery.
    std::string config;               ///< --config; "" = LLMIO_CONFIG (Context::env answers it).
    std::string url;                  ///< --url
    std::optional<std::string> api_key; ///< --api-key
    std::optional<double> timeout_s;  ///< --timeout (total per request).
    bool verbose = false;             ///< -v
    std::string cache;                ///< --cache off|deterministic|always; "" = off.
    std::string cache_path;           ///< --cache-path; "" = under XDG_CACHE_HOME or HOME.
    std::string cache_redis;          ///< --cache-redis URL; "" = the config file's cache.redis.url.
};

struct Context {
    Streams& streams;
    CommonOptions common;
    boost::asio::any_io_executor executor;
    /// The environment, where LLMIO_CONFIG is --config when given.
    Environment env;
    /// The model a command works with, for hints in error messages.
    std::string model_for_hints;
    /// The command when its errors need their own hints ("pull"), else empty.
    std::string command_for_hints;

    /// A raw variable: nullopt when unset, "" when set empty.
    std::optional<std::string> raw_env(std::string const& name) const;
    /// -v output on stderr (never secrets).
    void log(std::string const& line) const;
};

} // namespace llmio::cli

#endif

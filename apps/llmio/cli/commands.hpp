#ifndef LLMIO_CLI_COMMANDS_HPP
#define LLMIO_CLI_COMMANDS_HPP

// One coroutine per command; each returns the exit code or throws (errors.hpp prints it).
// The option structs are filled by the parser (run.cpp); docs/cli.md documents them.

#include "cli/context.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmio::cli {

struct DiscoverOptions {
    bool json = false;
    int timeout_ms = 2000;
};

struct ModelsOptions {
    bool loaded = false;
    bool downloaded = false;
    bool json = false;
};

struct GenerationOptions {
    std::string model;
    std::optional<std::int64_t> max_tokens;
    std::optional<double> temperature;
    std::optional<std::int64_t> seed;
    bool json = false;
};

struct ChatOptions {
    GenerationOptions gen;
    std::string system;
    bool no_stream = false;
    bool stats = false; ///< Print what the answer cost on stderr after it.
    std::string tools_file;
    std::string tool_choice;
    std::string json_schema_file;
    std::optional<std::string> prompt;
};

struct BenchModelOptions {
    GenerationOptions gen;
    std::size_t requests = 10;
    std::size_t concurrency = 1;
    std::string prompt = "Write one sentence about the sea.";
};

struct CompleteOptions {
    GenerationOptions gen;
    bool no_stream = false;
    std::string prompt;
};

struct EmbedOptions {
    std::string model;
    bool json = false;
    std::vector<std::string> texts;
};

struct LoadCommandOptions {
    std::string model;
    std::optional<std::int64_t> context_length;
};

struct EmulateOptions {
    std::string as;
    std::optional<int> port;   ///< Unset: the real server's usual port; 0: ephemeral.
    std::string host = "127.0.0.1";
};

/// Unset: the config file's "serve" section, else the default (docs/gateway.md).
struct ServeOptions {
    std::optional<std::string> host;      ///< Default 127.0.0.1.
    std::optional<unsigned short> port;   ///< Default 4000; 0: any free port (the first stdout line names it).
    std::optional<std::size_t> threads;   ///< Default 1.
    std::optional<double> drain_s;        ///< After a signal: how long open requests may go on (default 10).
    std::vector<std::string> cors_origins; ///< --cors-origin, added to serve.cors_origins.
    bool insecure_no_auth = false;         ///< Listen beyond loopback without client keys.
};

boost::asio::awaitable<int> cmd_discover(Context& ctx, DiscoverOptions options);
boost::asio::awaitable<int> cmd_models(Context& ctx, ModelsOptions options);
boost::asio::awaitable<int> cmd_chat(Context& ctx, ChatOptions options);
boost::asio::awaitable<int> cmd_complete(Context& ctx, CompleteOptions options);
boost::asio::awaitable<int> cmd_embed(Context& ctx, EmbedOptions options);
boost::asio::awaitable<int> cmd_load(Context& ctx, LoadCommandOptions options);
boost::asio::awaitable<int> cmd_unload(Context& ctx, std::string model);
boost::asio::awaitable<int> cmd_pull(Context& ctx, std::string model);
boost::asio::awaitable<int> cmd_info(Context& ctx, bool json);
boost::asio::awaitable<int> cmd_ps(Context& ctx, bool json);
boost::asio::awaitable<int> cmd_bench_model(Context& ctx, BenchModelOptions options);
boost::asio::awaitable<int> cmd_health(Context& ctx, bool json);
boost::asio::awaitable<int> cmd_routes(Context& ctx, bool json);
boost::asio::awaitable<int> cmd_emulate(Context& ctx, EmulateOptions options);
boost::asio::awaitable<int> cmd_serve(Context& ctx, ServeOptions options);
/// `action`: "stats" or "clear".
boost::asio::awaitable<int> cmd_cache(Context& ctx, std::string action, bool json);

} // namespace llmio::cli

#endif

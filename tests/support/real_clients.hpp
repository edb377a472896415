#ifndef LLMIO_TESTS_SUPPORT_REAL_CLIENTS_HPP
#define LLMIO_TESTS_SUPPORT_REAL_CLIENTS_HPP

// Real clients nobody here wrote (openai-node and ollama-js from bench/node) against the
// `llmio serve` binary (LLMIO_CLI_PATH). Needs node and npm (CI machines have them).

#include "support/subprocess.hpp"

#include <filesystem>
#include <string>

namespace llmio::test {

/// The source tree's root.
std::filesystem::path source_root();

/// bench/node with its node_modules: `npm ci` runs first when `package` is not installed.
std::filesystem::path node_peers(char const* package);

/// `llmio serve --config FILE --port 0` over a config file holding `config_text`, started:
/// `base_url` is what its first line says it listens on (empty when it did not start).
struct ServeProcess {
    explicit ServeProcess(std::string const& config_text);

    std::filesystem::path config; // removed once the gateway has read it
    Subprocess process;
    std::string base_url;
};

/// Runs `node tests/data/gateway/<script> <bench/node> <base_url>` and returns its first line
/// of output; fails the test when it does not exit 0 within 30 s.
std::string run_node_client(char const* script, char const* package, std::string const& base_url);

} // namespace llmio::test

#endif

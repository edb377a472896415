#ifndef LLMIO_TESTS_SUPPORT_CLI_RUNNER_HPP
#define LLMIO_TESTS_SUPPORT_CLI_RUNNER_HPP

// Runs `llmio` commands in-process with scripted stdin and a fixed environment: discovery
// probes nothing unless the test names addresses (LLMIO_DISCOVERY_URLS), and no variable of
// this machine leaks in.

#include "cli/run.hpp"

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace llmio::test {

struct CliResult {
    int code = -1;
    std::string out;
    std::string err;
};

struct CliInput {
    std::map<std::string, std::string> env{{"LLMIO_DISCOVERY_URLS", ""}};
    std::string stdin_text;
    bool stdin_is_terminal = false;
    bool stderr_is_terminal = false;
};

inline CliResult run_cli(std::vector<std::string> const& args, CliInput input = {})
{
    std::vector<char const*> argv{"llmio"};
    for (auto const& arg : args)
        argv.push_back(arg.c_str());
    std::istringstream in(input.stdin_text);
    std::ostringstream out;
    std::ostringstream err;
    cli::Streams streams{in, out, err, input.stdin_is_terminal, input.stderr_is_terminal, {}};
    streams.getenv = [env = input.env](std::string const& name) -> std::optional<std::string> {
        auto const it = env.find(name);
        if (it == env.end())
            return std::nullopt;
        return it->second;
    };
    CliResult result;
    result.code = cli::run(argv, streams);
    result.out = out.str();
    result.err = err.str();
    return result;
}

} // namespace llmio::test

#endif

#include "cli/context.hpp"

#include <ostream>

namespace llmio::cli {

std::optional<std::string> Context::raw_env(std::string const& name) const
{
    return streams.getenv ? streams.getenv(name) : std::nullopt;
}

void Context::log(std::string const& line) const
{
    if (common.verbose)
        streams.err << "llmio: " << line << '\n' << std::flush;
}

} // namespace llmio::cli

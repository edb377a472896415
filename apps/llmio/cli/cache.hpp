#ifndef LLMIO_CLI_CACHE_HPP
#define LLMIO_CLI_CACHE_HPP

// The response cache of the generating commands (--cache MODE, --cache-path FILE).

#include "cli/context.hpp"
#include "cli/provider_selection.hpp"

#include <string>

namespace llmio::cli {

/// --cache-path, else $XDG_CACHE_HOME/llmio/responses.sqlite, else
/// $HOME/.cache/llmio/responses.sqlite. Throws CliError (usage) when none can be had.
std::string cache_path(Context const& ctx);

/// With --cache deterministic|always, wraps the selection's provider in a CachingProvider
/// over memory in front of the SQLite file at cache_path(), in front of Redis when
/// --cache-redis or the config file's cache.redis.url names one.
void apply_cache(Context& ctx, Selection& selection);

} // namespace llmio::cli

#endif

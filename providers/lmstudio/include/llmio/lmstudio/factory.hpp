#ifndef LLMIO_LMSTUDIO_FACTORY_HPP
#define LLMIO_LMSTUDIO_FACTORY_HPP

// Building the LM Studio provider from configuration: explicit options > environment
// (LMSTUDIO_BASE_URL or LMSTUDIO_ENDPOINT, LMSTUDIO_TIMEOUT, LM_API_TOKEN or LMSTUDIO_API_TOKEN,
// LLMIO_*) > the LLMIO_CONFIG file > defaults (docs/configuration.md).

#include <llmio/config.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/registry.hpp>

namespace llmio::lmstudio {

/// Options from resolved settings (see docs/configuration.md).
/// `base` holds the options given in code: the settings the cascade sets (explicit, env or
/// file) override its fields; the rest (logger, pool, concurrency, limits ...) is kept.
Options options_from(ResolvedSettings const& settings, Options base = {});

/// Registers the factory `lmstudio`: its config object holds explicit settings (same keys as a
/// provider section of the config file), completed from `env` and the LLMIO_CONFIG file.
void register_provider(ProviderRegistry& registry, Environment env = Environment(), Options base = {});

} // namespace llmio::lmstudio

#endif

#ifndef LLMIO_OLLAMA_FACTORY_HPP
#define LLMIO_OLLAMA_FACTORY_HPP

// Building the Ollama provider from configuration: explicit options > environment (OLLAMA_HOST,
// read as Ollama reads it; OLLAMA_API_KEY; LLMIO_*) > the LLMIO_CONFIG file > defaults
// (docs/configuration.md).

#include <llmio/config.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/registry.hpp>

namespace llmio::ollama {

/// Options from resolved settings (see docs/configuration.md).
/// `base` holds the options given in code: the settings the cascade sets (explicit, env or
/// file) override its fields; the rest (logger, pool, concurrency, limits ...) is kept.
Options options_from(ResolvedSettings const& settings, Options base = {});

/// Registers the factory `ollama`: its config object holds explicit settings (same keys as a
/// provider section of the config file), completed from `env` and the LLMIO_CONFIG file.
void register_provider(ProviderRegistry& registry, Environment env = Environment(), Options base = {});

} // namespace llmio::ollama

#endif

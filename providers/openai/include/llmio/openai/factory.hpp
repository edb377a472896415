#ifndef LLMIO_OPENAI_FACTORY_HPP
#define LLMIO_OPENAI_FACTORY_HPP

// Building the OpenAI-compatible provider from configuration: explicit options > environment
// (OPENAI_API_KEY, OPENAI_BASE_URL, LLMIO_*) > the LLMIO_CONFIG file > defaults.

#include <llmio/config.hpp>
#include <llmio/openai/provider.hpp>
#include <llmio/registry.hpp>

namespace llmio::openai {

/// Options from resolved settings (see docs/configuration.md).
/// `base` holds the options given in code: the settings the cascade sets (explicit, env or
/// file) override its fields; the rest (logger, pool, concurrency, limits ...) is kept.
Options options_from(ResolvedSettings const& settings, Options base = {});

/// Registers the factory `openai`: its config object holds explicit settings (same keys as a
/// provider section of the config file), completed from `env` and the LLMIO_CONFIG file.
void register_provider(ProviderRegistry& registry, Environment env = Environment(), Options base = {});

} // namespace llmio::openai

#endif

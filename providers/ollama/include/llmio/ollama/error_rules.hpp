#ifndef LLMIO_OLLAMA_ERROR_RULES_HPP
#define LLMIO_OLLAMA_ERROR_RULES_HPP

#include <llmio/error_mapping.hpp>

namespace llmio::ollama {

/// What Ollama means by its words beyond the status: a missing model is pulled, not loaded
/// (docs/protocols.md, Ollama).
ErrorRules error_rules() noexcept;

} // namespace llmio::ollama

#endif // LLMIO_OLLAMA_ERROR_RULES_HPP

#ifndef LLMIO_OPENAI_ERROR_RULES_HPP
#define LLMIO_OPENAI_ERROR_RULES_HPP

#include <llmio/error_mapping.hpp>

namespace llmio::openai {

/// What the servers behind an OpenAI-compatible endpoint mean by their words, beyond the
/// status: llama.cpp's request-validation failures sent as 500 (docs/protocols.md, llama.cpp),
/// its "Loading model" 503 and its context hints; Ollama's and LM Studio's `/v1` layers
/// ("try pulling it first", "No models loaded", "Unexpected endpoint or method").
ErrorRules error_rules() noexcept;

} // namespace llmio::openai

#endif // LLMIO_OPENAI_ERROR_RULES_HPP

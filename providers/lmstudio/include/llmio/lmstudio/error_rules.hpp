#ifndef LLMIO_LMSTUDIO_ERROR_RULES_HPP
#define LLMIO_LMSTUDIO_ERROR_RULES_HPP

#include <llmio/error_mapping.hpp>

namespace llmio::lmstudio {

/// What LM Studio means by its words beyond the status: "No models loaded", the in-band
/// "Unexpected endpoint or method" of a route it lacks, its context-overflow wordings
/// (docs/protocols.md, LM Studio).
ErrorRules error_rules() noexcept;

} // namespace llmio::lmstudio

#endif // LLMIO_LMSTUDIO_ERROR_RULES_HPP

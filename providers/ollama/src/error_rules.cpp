// Ollama's message rules (see error_rules.hpp).

#include <llmio/ollama/error_rules.hpp>

namespace llmio::ollama {

ErrorRules error_rules() noexcept
{
    // "model 'x' not found, try pulling it first": the generic model-not-found wording, so
    // only the advice is Ollama's.
    return ErrorRules{{}, "pull it: ollama pull {model}"};
}

} // namespace llmio::ollama

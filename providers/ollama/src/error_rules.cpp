// Ollama's message rules (see error_rules.hpp).

#include <llmio/ollama/error_rules.hpp>

#include <array>

namespace llmio::ollama {

namespace {

constexpr std::array<MessageRule, 1> kRules = {{
    // An Ollama base URL that points at LM Studio (port 1234 instead of 11434) is answered
    // 200 {"error":"Unexpected endpoint or method. (GET /api/tags)"}: a wrong route, not a
    // server fault, so it is not retried and the listing treats /api/ps as absent.
    {"Unexpected endpoint or method", errc::invalid_request,
     "check the base URL: this server does not serve Ollama's /api routes (Ollama listens on port 11434)",
     200},
}};

} // namespace

ErrorRules error_rules() noexcept
{
    // "model 'x' not found, try pulling it first": the generic model-not-found wording, so
    // only the advice is Ollama's.
    return ErrorRules{kRules, "pull it: ollama pull {model}"};
}

} // namespace llmio::ollama

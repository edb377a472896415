// LM Studio's message rules (see error_rules.hpp).

#include <llmio/lmstudio/error_rules.hpp>

#include <array>

namespace llmio::lmstudio {

namespace {

constexpr std::array<MessageRule, 4> kRules = {{
    {"No models loaded", errc::model_not_found, "load one with `lms load <model>` or `llmio load <model>`", 0},
    // A route LM Studio lacks is answered 200 {"error":"Unexpected endpoint or method. (GET /foo)"}.
    {"Unexpected endpoint or method", errc::invalid_request,
     "check the base URL and route (LM Studio serves the OpenAI API under /v1)", 200},
    // "Trying to keep the first N tokens when context the overflows", "... does not currently
    // support mid-generation context overflow".
    {"trying to keep the first", errc::context_length_exceeded, "", 0},
    {"context overflow", errc::context_length_exceeded, "", 0},
}};

} // namespace

ErrorRules error_rules() noexcept
{
    return ErrorRules{kRules, {}};
}

} // namespace llmio::lmstudio

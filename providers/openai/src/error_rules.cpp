// The message rules of OpenAI-compatible servers (see error_rules.hpp).

#include <llmio/openai/error_rules.hpp>

#include <array>

namespace llmio::openai {

namespace {

// llama.cpp b4747 answers request-validation failures with 500 and type server_error (captures
// 27, 30, 31, 33, 34, 40, 41, 64, 65 in tests/data/captures/llama-server). Retrying cannot
// help, so they are the user's mistake or a feature the server lacks.
constexpr std::array<MessageRule, 16> kRules = {{
    {"[json.exception.", errc::invalid_request, "the request body is not valid JSON of the expected shape", 500},
    {"Failed to parse messages", errc::invalid_request, "", 500},
    {"\" is required", errc::invalid_request, "", 500},
    {"Unsupported param: ", errc::unsupported, "", 500},
    {"Only one completion choice is allowed", errc::unsupported, "send n = 1", 500},
    {"tools param requires --jinja flag", errc::unsupported, "start llama-server with --jinja", 500},
    {"Cannot use tools with stream", errc::unsupported,
     "this llama-server build cannot stream tool calls: update it or do not stream tool requests", 500},
    // llama.cpp while it loads the model (docs/protocols.md, Discovery).
    {"Loading model", errc::server_error, "the server is still loading the model", 503},
    // llama.cpp's context errors, with what helps each.
    {"context shift is disabled", errc::context_length_exceeded,
     "the context filled during generation: lower max_tokens, start llama-server with a larger "
     "--ctx-size, or enable --context-shift", 0},
    {"input is too large to process", errc::context_length_exceeded,
     "shorten the input or start llama-server with a larger --ubatch-size/--batch-size", 0},
    {"exceeds the available context size", errc::context_length_exceeded, "", 0},
    // Ollama's /v1 layer.
    {"try pulling it first", errc::model_not_found, "pull it: ollama pull {model}", 0},
    // LM Studio's /v1 layer.
    {"No models loaded", errc::model_not_found, "load one with `lms load <model>` or `llmio load <model>`", 0},
    {"Unexpected endpoint or method", errc::invalid_request,
     "check the base URL and route (LM Studio serves the OpenAI API under /v1)", 200},
    {"trying to keep the first", errc::context_length_exceeded, "", 0},
    {"context overflow", errc::context_length_exceeded, "", 0},
}};

} // namespace

ErrorRules error_rules() noexcept
{
    return ErrorRules{kRules, {}};
}

} // namespace llmio::openai

#ifndef LLMIO_DISCOVERY_HPP
#define LLMIO_DISCOVERY_HPP

// Finding local LLM servers. Each candidate base URL is probed with cheap GETs and identified
// by what it answers (docs/protocols.md, Discovery), never by its port: LM Studio by
// `/lmstudio-greeting`, Ollama by `GET /`, llama.cpp by `/health` + its model cards, vLLM by its
// model cards, anything else speaking `/v1/models` as a generic OpenAI-compatible server.

#include <llmio/logger.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio {

enum class ServerKind { lmstudio, ollama, llamacpp, vllm, openai };

/// "lmstudio", "ollama", "llamacpp", "vllm", "openai".
std::string_view to_string(ServerKind kind) noexcept;

struct DiscoveredServer {
    ServerKind kind;
    std::string base_url;   ///< Normalised, without an API prefix.
    std::string version;    ///< When the server tells.
    bool auth_required = false;
    std::optional<std::size_t> model_count;
};

struct NotFound {
    std::string base_url;
    std::string reason;     ///< "connection refused", "timed out", "not an LLM server: ..." ...
};

struct DiscoveryResult {
    std::vector<DiscoveredServer> found;   ///< In candidate order: configured, then defaults.
    std::vector<NotFound> not_found;
};

struct DiscoveryOptions {
    /// Probed first, in this order (e.g. from configuration or environment).
    std::vector<std::string> endpoints;
    /// Then these: LM Studio, Ollama, llama.cpp, vLLM on this machine.
    std::vector<std::string> defaults = {"http://127.0.0.1:1234", "http://127.0.0.1:11434",
                                         "http://127.0.0.1:8080", "http://127.0.0.1:8000"};
    std::chrono::milliseconds connect_timeout{300};
    /// One deadline for everything; probes still running then are reported as timed out.
    std::chrono::milliseconds overall_timeout{2000};
    /// Sent as a Bearer token, so servers that require one can still be counted. Never logged.
    std::string api_key;
    Logger logger;
};

/// Probes every candidate concurrently and reports what answered and why the rest did not.
/// Never throws for an unreachable or unknown server (that is a NotFound entry); throws
/// CancelledError when the awaiting coroutine is cancelled, and InvalidRequestError for a
/// candidate URL that cannot be parsed.
boost::asio::awaitable<DiscoveryResult> discover(DiscoveryOptions options = {});

namespace fingerprint {

/// Sans-io classification of single probe answers (exposed for tests and fuzzing).
bool is_lmstudio_greeting(unsigned status, std::string_view body);
bool is_ollama_root(unsigned status, std::string_view body);
/// llama.cpp's /health: 200 {"status":"ok"} or 503 {"error":{... "type":"unavailable_error"}}.
bool is_llamacpp_health(unsigned status, std::string_view body);

struct ModelsAnswer {
    bool openai_shaped = false;       ///< {"object":"list","data":[...]} (or {"data":[...]}).
    bool auth_required = false;       ///< 401/403.
    std::size_t model_count = 0;
    std::optional<ServerKind> owner;  ///< From `owned_by`: llamacpp, vllm, organization_owner.
};
ModelsAnswer read_models_answer(unsigned status, std::string_view body);

} // namespace fingerprint

} // namespace llmio

#endif

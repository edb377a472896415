#ifndef LLMIO_TESTING_EMULATORS_OPENAI_EMULATOR_HPP
#define LLMIO_TESTING_EMULATORS_OPENAI_EMULATOR_HPP

// The OpenAI-compatible `/v1` dialect, in two flavours:
//  - openai:   OpenAI's own shapes (docs/protocols.md, OpenAI and compatible servers): role
//              chunk first, `usage` chunk with `choices: []` only under
//              `stream_options.include_usage`, string error
//              codes, x-request-id header, 404 model_not_found for unknown models.
//  - llamacpp: llama-server b4747 as the captures show: no role chunk, usage and timings on
//              the finish chunk, integer error codes, `Server: llama.cpp`, any model name
//              accepted, /health, /models, OPTIONS preflight, `meta` in /v1/models, errors
//              like captures 30, 31, 40, 41, 43, 54, 55, 60/61, 66, 67.
// Replies come from reply_generator.hpp (see the rules there).
//
// Routes: GET /v1/models, GET /v1/models/{model}, POST /v1/chat/completions,
// POST /v1/completions, POST /v1/embeddings; llamacpp adds GET /health, /v1/health, /models,
// and 501 answers for /slots and /metrics (disabled by default in llama-server).

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/faults.hpp>
#include <llmio/testing/emulators/router.hpp>

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmio::emulators {

enum class OpenAiFlavour { openai, llamacpp };

/// Where a reasoning model's thinking goes.
enum class ReasoningStyle {
    off,               ///< No reasoning text at all.
    reasoning_content, ///< `message.reasoning_content` / `delta.reasoning_content`.
};

struct EmulatedModel {
    std::string id;
    std::string owned_by; ///< Empty: "system" (openai) or "llamacpp".
};

struct OpenAiEmulatorConfig {
    OpenAiFlavour flavour = OpenAiFlavour::openai;
    /// Served models; the first one answers llama.cpp requests without `model`.
    std::vector<EmulatedModel> models;
    /// When set, requests need `Authorization: Bearer <key>` (llama.cpp: except /health and
    /// /v1/models, as captures 58/59 show).
    std::optional<std::string> api_key;
    /// Prompts with more words than this get the context-length error; 0 = unlimited.
    std::size_t context_length = 0;
    std::size_t embedding_dimensions = 64;
    ReasoningStyle reasoning = ReasoningStyle::reasoning_content;
    /// Models that reason, besides every model whose id contains "reason".
    std::vector<std::string> reasoning_models;
    std::int64_t created = 1700000000; ///< `created` of every response and model.
    std::chrono::milliseconds token_delay{0}; ///< Delay before each stream event.
    ToolDeltaQuirks tool_quirks; ///< Applied to every streamed tool call (faults add theirs).
    /// llama-server b4747 answers stream + tools with 500 "Cannot use tools with stream"
    /// (capture 27); false streams tool calls in llama.cpp chunk shape instead.
    bool llamacpp_rejects_streamed_tools = true;

    /// Defaults of each flavour: models gpt-4o-mini + text-embedding-3-small (openai) or
    /// tiny-llama (llamacpp).
    static OpenAiEmulatorConfig openai();
    static OpenAiEmulatorConfig llamacpp();
};

class OpenAiEmulator : public Dialect {
public:
    explicit OpenAiEmulator(OpenAiEmulatorConfig config = OpenAiEmulatorConfig::openai());

    Headers base_headers() const override;
    boost::asio::awaitable<void> handle(Request& request, ResponseWriter& writer) override;
    std::string framework_error_body(int status, std::string_view message) const override;

    OpenAiEmulatorConfig const& config() const noexcept { return config_; }

    /// llama.cpp while loading its model: /health and every route answer 503 (capture 00).
    void set_loading(bool loading) noexcept { loading_ = loading; }

    bool is_reasoning_model(std::string_view model) const;

private:
    struct Parsed;

    boost::asio::awaitable<void> models(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> model(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> health(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> chat(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> completions(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> embeddings(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> preflight(Request& request, ResponseWriter& writer);

    bool llama() const noexcept { return config_.flavour == OpenAiFlavour::llamacpp; }
    std::string error_body(int status, std::string_view message, std::string_view type,
                           std::optional<std::string_view> param = std::nullopt,
                           std::optional<std::string_view> code = std::nullopt) const;
    boost::asio::awaitable<void> send_error(ResponseWriter& writer, int status, std::string_view message,
                                            std::string_view type,
                                            std::optional<std::string_view> param = std::nullopt,
                                            std::optional<std::string_view> code = std::nullopt);
    boost::asio::awaitable<void> send_json(ResponseWriter& writer, Request const& request, int status,
                                           std::string const& body);
    /// Runs the checks every generation route shares; false when an error was sent.
    boost::asio::awaitable<bool> admit(Request& request, ResponseWriter& writer, Parsed& parsed);
    bool known_model(std::string_view id) const;
    Headers response_headers(Request const& request) const;

    OpenAiEmulatorConfig config_;
    Router router_;
    std::atomic<bool> loading_{false};
};

} // namespace llmio::emulators

#endif // LLMIO_TESTING_EMULATORS_OPENAI_EMULATOR_HPP

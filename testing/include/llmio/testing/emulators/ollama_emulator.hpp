#ifndef LLMIO_TESTING_EMULATORS_OLLAMA_EMULATOR_HPP
#define LLMIO_TESTING_EMULATORS_OLLAMA_EMULATOR_HPP

// Ollama's native API (docs/protocols.md, Ollama): GET/HEAD / ("Ollama is running"),
// /api/version, /api/tags, /api/ps, POST /api/show, /api/chat, /api/generate, /api/embed,
// /api/pull (streamed progress), DELETE /api/delete. Streams are NDJSON ending with a
// `done: true` line; `stream` defaults to true; errors are `{"error":"..."}` with Ollama's
// messages and statuses. Loading: a chat with no messages or a generate with no prompt loads
// the model (`done_reason: "load"`), with `keep_alive: 0` unloads it (`"unload"`); every
// generation loads its model and sets its expiry from `keep_alive` (default 5m).
// Replies come from reply_generator.hpp; faults from the shared FaultSet (NDJSON forms).

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/router.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace llmio::emulators {

struct OllamaModel {
    std::string name;                      ///< "llama3.2:latest".
    std::vector<std::string> capabilities; ///< "completion", "tools", "thinking", "vision", "embedding".
    std::string family = "llama";
    std::int64_t size = 2019393189;
    std::int64_t context_length = 131072;  ///< `<family>.context_length` in /api/show.
};

struct OllamaEmulatorConfig {
    /// Models on disk. Default: llama3.2:latest (completion, tools), qwen3:latest (+ thinking),
    /// llava:latest (completion, vision), all-minilm:latest (embedding).
    std::vector<OllamaModel> models;
    /// Models /api/pull can fetch (default: tinyllama:latest); others fail with Ollama's error.
    std::vector<OllamaModel> registry;
    std::string version = "0.12.3";
    std::optional<std::string> api_key; ///< When set, requests need `Authorization: Bearer <key>`.
    std::size_t embedding_dimensions = 64;
    std::chrono::milliseconds token_delay{0};
    std::chrono::milliseconds pull_delay{0}; ///< Before each pull progress line.
    /// `/api/tags` entries carry `capabilities` (not what Ollama's ListModelResponse has; for
    /// clients that must cope with servers adding it).
    bool tags_capabilities = false;

    static OllamaEmulatorConfig defaults();
};

class OllamaEmulator : public Dialect {
public:
    explicit OllamaEmulator(OllamaEmulatorConfig config = OllamaEmulatorConfig::defaults());

    boost::asio::awaitable<void> handle(Request& request, ResponseWriter& writer) override;
    std::string framework_error_body(int status, std::string_view message) const override;

    /// Names of the models loaded now.
    std::vector<std::string> loaded() const;
    /// Names of the models on disk now.
    std::vector<std::string> downloaded() const;

private:
    struct Loaded {
        std::string name;
        std::int64_t expires_in_s = 300; ///< Negative: forever.
    };

    boost::asio::awaitable<void> chat(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> generate(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> embed(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> pull(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> remove(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> show(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> tags(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> ps(Request& request, ResponseWriter& writer);

    boost::asio::awaitable<void> send_error(ResponseWriter& writer, int status, std::string_view message);
    /// Parses the body and checks auth and the model; nullopt when an error was sent.
    boost::asio::awaitable<std::optional<boost::json::object>> admit(Request& request, ResponseWriter& writer,
                                                                     OllamaModel* model);
    /// Applies `keep_alive` to `model` (load, refresh or unload); false when the value is bad.
    bool apply_keep_alive(boost::json::object const& body, std::string const& model, bool& unloaded,
                          bool& was_loaded, std::string& error);
    std::optional<OllamaModel> find(std::string_view name) const;

    OllamaEmulatorConfig config_;
    Router router_;
    mutable std::mutex mutex_;
    std::vector<OllamaModel> models_; // on disk
    std::vector<Loaded> loaded_;
};

} // namespace llmio::emulators

#endif // LLMIO_TESTING_EMULATORS_OLLAMA_EMULATOR_HPP

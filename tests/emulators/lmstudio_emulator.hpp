#ifndef LLMIO_TESTS_EMULATORS_LMSTUDIO_EMULATOR_HPP
#define LLMIO_TESTS_EMULATORS_LMSTUDIO_EMULATOR_HPP

// LM Studio's HTTP server (protocols.md section 1), for tests and `llmio emulate`.
//
// - GET /lmstudio-greeting -> {"lmstudio":true,"version":...} (no token needed). Only the
//   `lmstudio` flag is confirmed (what lms and the SDKs check); `version` is this emulator's.
// - /v1: chat, completions and embeddings are answered by an OpenAiEmulator in openai flavour
//   (same replies, tool calls, streams and faults), after LM Studio's own checks: a model that
//   is downloaded but not loaded is JIT-loaded (after `jit_load_delay`) or, with JIT off,
//   answered 404 "No models loaded. Please load a model ..."; a prompt longer (in words) than
//   the loaded context length gets HTTP 200 + {"error":"Trying to keep the first N tokens when
//   context the overflows. ..."} (lmstudio-bug-tracker#2322/#546: status 200, LM Studio's own
//   words; sent as JSON even for a streamed request, as the overflow is found before
//   generation starts). GET /v1/models lists `owned_by: organization_owner` without
//   `created` (every downloaded model with JIT on, loaded ones with JIT off).
// - /api/v0/models[/{id}] (versions v0 and v1) with state loaded/not-loaded, type, publisher,
//   arch, quantization, compatibility_type, max_context_length, loaded_context_length,
//   capabilities ["tool_use"].
// - /api/v1/models, /models/load, /models/unload, /models/download and
//   /models/download/status/{job_id} (version v1 only). A download job advances
//   `total_size / download_polls` bytes per status poll, then the model is on disk.
// - Every unknown route or wrong method: HTTP 200 {"error":"Unexpected endpoint or method.
//   (GET /foo)"}; every response has `X-Powered-By: Express`.
// Not emulated: /api/v0/chat|completions|embeddings, /api/v1/chat, /v1/responses.

#include "emulators/emulator_server.hpp"
#include "emulators/openai_emulator.hpp"
#include "emulators/router.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace llmio::emulators {

/// Which native API the emulated server has.
enum class LmStudioVersion {
    openai_only, ///< Before 0.3.6: /v1 only.
    v0,          ///< 0.3.6 .. 0.3.x: /api/v0 and /v1.
    v1,          ///< 0.4+: /api/v1, /api/v0 and /v1.
};

struct LmStudioModel {
    std::string key;          ///< The model id ("qwen2.5-7b-instruct").
    std::string display_name;
    std::string type = "llm"; ///< "llm", "vlm" or "embeddings" (v0 words).
    std::string publisher = "lmstudio-community";
    std::string arch = "qwen2";
    std::string quantization = "Q4_K_M";
    double bits_per_weight = 4.0;
    std::string format = "gguf";
    std::int64_t size_bytes = 4683073952;
    std::int64_t max_context_length = 32768;
    bool tool_use = true;
    bool vision = false;
    bool reasoning = false;
    /// Loaded with this context length; unset = on disk only.
    std::optional<std::int64_t> loaded_context_length;
};

struct LmStudioEmulatorConfig {
    LmStudioVersion version = LmStudioVersion::v1;
    std::string version_string = "0.4.2";
    std::vector<LmStudioModel> models;
    /// Models `POST /api/v1/models/download` knows (not yet on disk), with their size.
    std::map<std::string, LmStudioModel> catalog;
    bool jit_loading = true;
    std::chrono::milliseconds jit_load_delay{0};
    /// Context length of a JIT load or of a load without `context_length`.
    std::int64_t default_context_length = 4096;
    /// When set, every route but the greeting needs `Authorization: Bearer <token>`.
    std::optional<std::string> api_token;
    std::size_t download_polls = 3; ///< Status polls until a download completes (>= 1).
    ToolDeltaQuirks tool_quirks;    ///< Passed to the /v1 replies.

    /// qwen2.5-7b-instruct (loaded, 4096), deepseek-r1-reasoner (reasoning, not loaded),
    /// qwen2-vl-7b-instruct (vlm, mlx, not loaded), text-embedding-nomic-embed-text-v1.5
    /// (embeddings, loaded); catalog: openai/gpt-oss-20b (12 MB, so tests stay fast).
    static LmStudioEmulatorConfig defaults();
};

class LmStudioEmulator : public Dialect {
public:
    explicit LmStudioEmulator(LmStudioEmulatorConfig config = LmStudioEmulatorConfig::defaults());

    Headers base_headers() const override;
    boost::asio::awaitable<void> handle(Request& request, ResponseWriter& writer) override;
    std::string framework_error_body(int status, std::string_view message) const override;

    /// The loaded context length of `key`, nullopt when not loaded or unknown.
    std::optional<std::int64_t> loaded_context_length(std::string const& key) const;
    bool downloaded(std::string const& key) const;
    void set_jit_loading(bool on);

    OpenAiEmulator& openai() noexcept { return *v1_; }

private:
    struct Job {
        std::string model;
        std::uint64_t total = 0;
        std::uint64_t done = 0;
    };

    boost::asio::awaitable<void> greeting(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> v1_models(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> inference(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> v0_models(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> v0_model(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> api_v1_models(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> load(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> unload(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> download(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> download_status(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> unexpected(Request& request, ResponseWriter& writer);

    bool authorised(Request const& request) const;
    LmStudioModel* find(std::string_view key);

    LmStudioEmulatorConfig config_;
    std::shared_ptr<OpenAiEmulator> v1_;
    Router router_;
    mutable std::mutex mutex_; // guards config_.models, jobs_ (tests read them from their thread)
    std::map<std::string, Job> jobs_;
    std::uint64_t next_job_ = 1;
};

} // namespace llmio::emulators

#endif // LLMIO_TESTS_EMULATORS_LMSTUDIO_EMULATOR_HPP

#ifndef LLMIO_TESTING_EMULATORS_LMSTUDIO_EMULATOR_HPP
#define LLMIO_TESTING_EMULATORS_LMSTUDIO_EMULATOR_HPP

// LM Studio's HTTP server (docs/protocols.md, LM Studio), for tests and `llmio emulate`.
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
// - /api/v0/chat/completions, /api/v0/completions, /api/v0/embeddings (versions v0 and v1):
//   the /v1 checks and answers; a non-streamed v0 chat adds `stats` (kV0Stats, stop_reason
//   eosFound or maxPredictedTokensReached), `model_info` and `runtime`; v0 streams, completions
//   and embeddings are the /v1 answers (v0 streams carry no stats, as of 0.3.8).
// - POST /api/v1/chat (version v1): `input` (string) and `system_prompt` answered like /v1
//   ("Hello! You said: <input>"; reasoning models reason), JIT load with `model_load.*`
//   events (load_progress_steps over jit_load_delay), `prompt_processing.*`, `reasoning.*`,
//   `message.*` (one delta per token) and `chat.end` with the non-streamed body as `result`;
//   unknown model: 404 / an `error` event of type model_not_found, then chat.end.
//   Stats: input_tokens, total_output_tokens, reasoning_output_tokens, tokens_per_second,
//   time_to_first_token_seconds, model_load_time_seconds (when this request loaded the model).
// Not emulated: /v1/responses, stats on v0 completions.

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/openai_emulator.hpp>
#include <llmio/testing/emulators/router.hpp>

#include <boost/json/object.hpp>

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

/// The figures every non-streamed /api/v0 chat answer reports.
struct V0Stats {
    double tokens_per_second = 51.43;
    double time_to_first_token = 0.111;
    double generation_time = 0.954;
};
inline constexpr V0Stats kV0Stats{};

struct LmStudioEmulatorConfig {
    LmStudioVersion version = LmStudioVersion::v1;
    std::string version_string = "0.4.2";
    std::vector<LmStudioModel> models;
    /// Models `POST /api/v1/models/download` knows (not yet on disk), with their size.
    std::map<std::string, LmStudioModel> catalog;
    bool jit_loading = true;
    std::chrono::milliseconds jit_load_delay{0};
    /// `model_load.progress` events of a JIT load on a streamed /api/v1/chat, spread evenly
    /// over `jit_load_delay` (0: the load is silent until `model_load.end`).
    std::size_t load_progress_steps = 4;
    /// Every `model_load.progress` reports the same value (a load that stopped advancing).
    bool load_progress_stuck = false;
    /// Prompt processing on /api/v1/chat: this long, with this many progress events.
    std::chrono::milliseconds prompt_processing_delay{0};
    std::size_t prompt_progress_steps = 2;
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
    /// A request that passed LM Studio's checks (known, loaded or JIT-loaded, fits).
    struct Admitted {
        std::string model;
        bool jit_loaded = false;
        std::chrono::milliseconds load_delay{0};
    };
    /// LM Studio's checks before an inference; answers the request itself (and returns
    /// nullopt) when one fails. Waits the JIT load delay when the model gets loaded.
    boost::asio::awaitable<std::optional<Admitted>> admit(boost::json::object const& body,
                                                          ResponseWriter& writer,
                                                          bool wait_for_load = true);
    boost::asio::awaitable<void> inference(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> v0_inference(Request& request, ResponseWriter& writer);
    boost::asio::awaitable<void> v1_chat(Request& request, ResponseWriter& writer);
    std::string v0_chat_answer(boost::json::object const& body, std::string const& model,
                               std::uint64_t sequence) const;
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

#endif // LLMIO_TESTING_EMULATORS_LMSTUDIO_EMULATOR_HPP

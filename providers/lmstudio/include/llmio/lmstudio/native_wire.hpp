#ifndef LLMIO_LMSTUDIO_NATIVE_WIRE_HPP
#define LLMIO_LMSTUDIO_NATIVE_WIRE_HPP

// LM Studio's native REST API (docs/protocols.md, LM Studio: /api/v0 and /api/v1): bodies out,
// typed results in. No I/O.
// Invalid JSON or a wrong shape throws MalformedResponseError with a bounded copy of the body.

#include <llmio/model_manager.hpp>
#include <llmio/models.hpp>

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::lmstudio {

/// Which native API a server has, found once per provider by probing.
enum class NativeApi {
    none, ///< /v1 only (before 0.3.6).
    v0,   ///< /api/v0 (0.3.6 .. 0.3.x).
    v1,   ///< /api/v1 (0.4+; /api/v0 is there too).
};

/// `GET /api/v1/models` (`{"models":[...]}`): key, display name, type ("llm", "vlm" when the
/// model has vision, "embedding"), publisher, architecture, quantization name, format, size,
/// loaded (non-empty `loaded_instances`) with the first instance's context length, and
/// capabilities (max context, tool use, vision, reasoning, embeddings).
std::vector<ModelInfo> parse_api_v1_models(std::string_view body);

/// `GET /api/v0/models` (`{"data":[...]}`): same fields from v0's words (`state`, `arch`,
/// `compatibility_type`, `loaded_context_length`, `capabilities: ["tool_use"]`); type
/// "embeddings" is reported as "embedding".
std::vector<ModelInfo> parse_api_v0_models(std::string_view body);

/// The `POST /api/v1/models/load` body (echo_load_config on, so the answer says what was used).
boost::json::object load_request_body(std::string const& model, LoadOptions const& options);
LoadResult parse_load_response(std::string_view body, std::string model);

/// A download job's state, from the start answer or a status poll.
struct DownloadState {
    std::string job_id;   ///< Empty when the model was already downloaded.
    std::string status;   ///< downloading, paused, completed, failed, already_downloaded.
    std::uint64_t downloaded_bytes = 0;
    std::optional<std::uint64_t> total_bytes;
    std::optional<double> bytes_per_second;
    boost::json::value raw;

    bool finished() const noexcept { return status == "completed" || status == "already_downloaded"; }
    bool failed() const noexcept { return status == "failed"; }
};

DownloadState parse_download_state(std::string_view body);

/// What to report for `state`: bytes, rate and the ETA from the rate and the bytes left.
DownloadProgress to_progress(DownloadState const& state);

} // namespace llmio::lmstudio

#endif

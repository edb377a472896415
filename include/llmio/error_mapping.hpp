#ifndef LLMIO_ERROR_MAPPING_HPP
#define LLMIO_ERROR_MAPPING_HPP

// From what a server answered (status, a few headers, the body) to a typed llmio error.
//
// Sans-io: plain values in, values out. Providers call `throw_http_error` for a non-2xx
// response, and also for a 2xx whose body or stream event is an error ("in-band" errors, passed
// with status 200): LM Studio's `{"error":"Unexpected endpoint or method. (GET /foo)"}`, an SSE
// `data: {"error":{...}}` event, llama.cpp's `error: {...}` SSE line (pass the JSON after
// `error: `), an Ollama NDJSON `{"error":"..."}` line.
//
// Classification, first match wins ("status" is the HTTP status; for an in-band error whose
// body carries a numeric `code` in 400..599, as llama.cpp's stream errors do, that code is used
// as the status for classification while `http_status` stays 200):
//
// | # | condition                                                        | errc                    |
// |---|------------------------------------------------------------------|-------------------------|
// | 1 | status 401/403; type authentication_error/permission_error;      | authentication_failed   |
// |   | code invalid_api_key                                             |                         |
// | 2 | status 429; type/code insufficient_quota ("quota exhausted":     | rate_limited            |
// |   | should_retry = false unless x-should-retry says otherwise);      |                         |
// |   | type rate_limit_error / code rate_limit_exceeded                 |                         |
// | R | the first of the provider's `ErrorRules::messages` that matches  | the rule's errc         |
// |   | (fragment in the message, at the rule's status if it names one)  |                         |
// | 3 | looks_like_context_length_error(message, code, type)             | context_length_exceeded |
// | 4 | looks_like_model_not_found(...) (message patterns only for       | model_not_found         |
// |   | status < 500; code model_not_found at any status)                |                         |
// | 5 | status 501; type not_supported_error                             | unsupported             |
// | 6 | status >= 500 with type invalid_request_error (llama.cpp reports | invalid_request         |
// |   | some validation errors as 500): the body is more specific         |                         |
// | 8 | status 408 (server-side request timeout; retryable)              | server_error            |
// |   | status 409 (conflict / lock timeout; retryable)                  | server_error            |
// |   | status 413 (a body-size limit, usually a proxy's)                | invalid_request         |
// |   | status 400, 404, 405, 422 and every other 4xx                    | invalid_request         |
// |   | status 5xx (503 "Loading model" included: retryable)             | server_error            |
// |   | status 3xx (a redirect the transport did not follow)             | invalid_request         |
// |   | status 2xx, in-band (e.g. "Compute error.")                      | server_error            |
// |   | any other status (0, 1xx, > 599)                                  | server_error            |
//
// `errc::unsupported` and `errc::invalid_request` both throw `InvalidRequestError`; neither is
// retryable. `server_error` is retryable (`is_retryable`), so 408/409/5xx are retried.
//
// The resulting `ErrorInfo` carries provider, http_status, server_message (verbatim, at most
// kMaxServerMessage bytes, never a whole HTML page), server_type, server_code (text, even when
// the server sent a number), request_id, raw_body (bounded by `set_raw_body`), retry_after
// (`parse_retry_after`), should_retry (`x-should-retry`), `detail` (llmio's own words) and `hint`
// (what the user can do: "check the API key ...", or the provider's rule's hint).
//
// What a particular server means by its words (llama.cpp's request-validation messages sent as
// 500, Ollama's "pull it" advice, LM Studio's "No models loaded") is not known here: each
// provider passes its own `ErrorRules` (e.g. `openai::error_rules()`), through
// `TransportOptions::error_rules`.

#include <llmio/error.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace llmio {

/// The longest server message kept in `ErrorInfo::server_message` (bytes, UTF-8 safe cut).
inline constexpr std::size_t kMaxServerMessage = 1024;

/// What a server said, from any known body shape.
struct ErrorBody {
    std::string message, type, code, param; ///< `code` as text even when numeric.
    bool recognised = false;                ///< A known JSON error shape was found.
};

/// Extracts the server's words from an error body. Never throws on any input; `message` is at
/// most kMaxServerMessage bytes, `type`/`code`/`param` at most 256 bytes each.
///
/// Shapes (recognised = true):
/// - OpenAI `{"error":{"message","type","param","code"}}` (code string|int|null, keys may be
///   missing), also LM Studio's stream variant `{"error":{"message":...},"message":...}`;
/// - Ollama / LM Studio `{"error":"text"}`;
/// - old vLLM flat `{"object":"error","message","type","param","code"}` and llama.cpp's
///   stream `error: {"code","message","type"}` payload (any object with a string `message`);
/// - FastAPI `{"detail":"text"}` or `{"detail":[{"loc":[...],"msg":"..."}, ...]}`.
/// Not recognised (recognised = false): plain text (message = the trimmed text), HTML (message =
/// the page's <title> or first text, at most 200 bytes), other JSON, empty body (message empty).
ErrorBody parse_error_body(std::string_view body);

/// One thing a server says that the status alone does not tell: when `fragment` occurs in the
/// server's message (ASCII case ignored) and the status is `status` (0: any; for an in-band
/// error the status its body carries, else 200), the error is `code`, with `hint`.
struct MessageRule {
    std::string_view fragment;
    errc code;
    /// What the user can do; "{model}" stands for the model the message quotes ("<model>" when
    /// it quotes none). Empty: the mapper's own hint for `code`.
    std::string_view hint = {};
    int status = 0;
};

/// A provider's knowledge of its server's error messages. Static data: the spans and views
/// must outlive every mapping (providers return them from a function with static arrays).
struct ErrorRules {
    /// Tried in order after the authentication and rate-limit rules; the first match wins.
    std::span<MessageRule const> messages;
    /// The hint of a model_not_found that no rule hinted ("{model}" as in MessageRule::hint).
    /// Empty: "check the model name against the server's model list".
    std::string_view model_not_found_hint;
};

/// Everything the mapper needs from one response (or one in-band error).
struct HttpErrorInput {
    std::string_view provider;       ///< "openai", "lmstudio", "ollama", ...
    int status = 0;                  ///< 200 for in-band errors (200 + error body, stream event).
    std::string_view body;
    std::string_view content_type;
    std::string_view request_id;     ///< x-request-id (or equivalent).
    std::string_view retry_after;    ///< Raw Retry-After header.
    std::string_view retry_after_ms; ///< Raw retry-after-ms header.
    std::string_view should_retry;   ///< Raw x-should-retry header.
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now(); ///< For HTTP-dates.
    ErrorRules rules;                ///< The provider's own message rules.
};

struct MappedError {
    errc code;
    ErrorInfo info;
};

/// Classifies one error response (see the table above). Never throws except std::bad_alloc.
MappedError map_http_error(HttpErrorInput const& input);

/// `map_http_error`, thrown as the matching `ProviderError` subclass.
[[noreturn]] void throw_http_error(HttpErrorInput const& input);

/// `map_http_error`, as an exception_ptr (for channels and callbacks).
std::exception_ptr make_http_error(HttpErrorInput const& input);

/// True when the server's code, type or message says the prompt did not fit the context.
/// Codes/types: context_length_exceeded, exceed_context_size_error. Messages (case-insensitive):
/// see kContextLengthPhrases in src/error_mapping.cpp (one list, each entry tested).
bool looks_like_context_length_error(std::string_view message, std::string_view code,
                                     std::string_view type);

/// True when the server says the model is unknown, not downloaded or not loaded: code
/// model_not_found, or a message such as "model 'x' not found, try pulling it first" (Ollama),
/// "The model `x` does not exist", "unknown model: x". (Other wordings, e.g. LM Studio's
/// "No models loaded", are the providers' rules.)
/// A 404 without a model-ish message (e.g. llama.cpp's "File Not Found") is not one.
bool looks_like_model_not_found(std::string_view message, std::string_view code,
                                std::string_view type);

/// The delay a server asked for. `retry_after_ms` (non-negative number of milliseconds) wins
/// when valid; else `retry_after` as non-negative (fractional) seconds or as an HTTP-date
/// (IMF-fixdate, RFC 850 or asctime; a date in the past gives 0). Garbage gives nullopt. Values
/// are capped at 366 days.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view retry_after,
                                                           std::string_view retry_after_ms,
                                                           std::chrono::system_clock::time_point now);

/// `x-should-retry`: "true" / "false" (case-insensitive, surrounding spaces ignored); anything
/// else gives nullopt.
std::optional<bool> parse_should_retry(std::string_view header);

} // namespace llmio

#endif // LLMIO_ERROR_MAPPING_HPP

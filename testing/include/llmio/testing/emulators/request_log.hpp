#ifndef LLMIO_TESTING_EMULATORS_REQUEST_LOG_HPP
#define LLMIO_TESTING_EMULATORS_REQUEST_LOG_HPP

// What an emulator received, for tests to inspect. Bounded: the oldest entries are dropped
// past `capacity`, and bodies are truncated to `max_body` bytes.

#include <llmio/testing/emulators/faults.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::emulators {

struct RecordedRequest {
    std::uint64_t sequence = 0;   ///< 1 for the first request the server received.
    std::uint64_t connection = 0; ///< 1 for the first accepted connection.
    std::string method;
    std::string target;
    /// As received, except secrets: `Authorization` keeps only its scheme ("Bearer"), and
    /// `X-Api-Key` / `Api-Key` become "<redacted>".
    Headers headers;
    std::string body;             ///< Truncated to the log's `max_body`.
    bool body_truncated = false;

    /// The first header with this name (case-insensitive), if any.
    std::optional<std::string> header(std::string_view name) const;
};

/// Replaces secrets in a header value as the log stores it.
std::string redact_header(std::string_view name, std::string_view value);

class RequestLog {
public:
    explicit RequestLog(std::size_t capacity = 256, std::size_t max_body = 64 * 1024);

    void record(RecordedRequest r);
    std::vector<RecordedRequest> entries() const;
    std::optional<RecordedRequest> last() const;
    std::size_t size() const;
    void clear();

    std::size_t max_body() const noexcept { return max_body_; }

private:
    mutable std::mutex mutex_;
    std::deque<RecordedRequest> entries_;
    std::size_t capacity_;
    std::size_t max_body_;
};

} // namespace llmio::emulators

#endif // LLMIO_TESTING_EMULATORS_REQUEST_LOG_HPP

#ifndef LLMIO_TESTING_EMULATORS_FAULTS_HPP
#define LLMIO_TESTING_EMULATORS_FAULTS_HPP

// Fault injection shared by every emulator dialect.
//
// A `Fault` describes how the next N requests to a path misbehave. Tests add faults to the
// server's `FaultSet` from their own thread while the server runs; the server takes (a copy
// of) the first matching fault when a request arrives, so each request sees one fault at most.
// One `Fault` may combine several knobs (e.g. a chunk delay and a drop after 3 events).

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmio::emulators {

/// Ordered response header list (name, value): order is kept on the wire.
using Headers = std::vector<std::pair<std::string, std::string>>;

/// How an in-band error event is written inside a 200 stream.
enum class StreamErrorForm {
    openai_data,   ///< `data: {"error":{"message":...,"type":...,"param":null,"code":...}}`
    llamacpp_line, ///< `error: {"code":500,"message":...,"type":...}` (no `data:` field)
    ndjson,        ///< `{"error":"message"}` as one NDJSON line (Ollama native)
};

/// An error event placed inside a 200 stream after `after_events` regular events.
/// SSE streams still end with their terminator (`data: [DONE]`) afterwards, as llama.cpp does;
/// NDJSON streams end right after it.
struct StreamErrorEvent {
    std::size_t after_events = 0;
    StreamErrorForm form = StreamErrorForm::openai_data;
    int code = 500;                    ///< llama.cpp integer code; OpenAI form writes it as text.
    std::string message = "Compute error.";
    std::string type = "server_error";
};

/// The tool-call delta quirks 1-7 of docs/protocols.md (OpenAI: tool-call deltas). They only
/// change how a streamed tool call is cut into deltas; the assembled calls stay the same.
/// Combinable.
struct ToolDeltaQuirks {
    bool empty_name_and_id_later = false; ///< 1: later deltas carry `"id":""` and `"name":""`.
    bool missing_index = false;           ///< 2/4: no `index` key in any tool-call delta.
    bool index_always_zero = false;       ///< 2: every parallel call uses index 0.
    bool no_id = false;                   ///< 3: no `id` key at all.
    bool empty_id = false;                ///< 3/llama.cpp: `"id":""` on the first delta.
    bool name_on_every_delta = false;     ///< 5: the full name repeated in every delta.
    bool arguments_in_first_delta = false; ///< 5: first delta has id, name and the first fragment.
    bool id_on_every_delta = false;       ///< 6: the same id (and type) resent on every delta.
    bool trailing_duplicate_arguments = false; ///< 6: one extra delta with the full arguments.
    bool whole_call_in_one_delta = false; ///< 7: id, name and all arguments in a single delta.

    bool any() const noexcept
    {
        return empty_name_and_id_later || missing_index || index_always_zero || no_id ||
               empty_id || name_on_every_delta || arguments_in_first_delta ||
               id_on_every_delta || trailing_duplicate_arguments || whole_call_in_one_delta;
    }
};

/// One fault. Unset knobs do nothing; a default-constructed fault is a no-op.
struct Fault {
    // --- Which requests: the next `count` requests whose path (target without query) equals
    // `path`; an empty path matches every request; a negative count never runs out.
    std::string path;
    int count = 1;

    // --- Before any response byte.
    bool drop_before_response = false;                ///< Close the socket without answering.
    std::chrono::milliseconds delay_before_headers{0}; ///< Sleep, then answer normally.
    bool stall_before_headers = false; ///< Never answer; wait until the client closes.

    // --- Replace the answer: status, body and headers (Content-Type defaults to JSON).
    std::optional<int> status;
    std::string body;
    Headers headers;

    // --- Body shaping (streams and plain bodies).
    std::optional<std::size_t> drop_after_bytes;  ///< Close after this many body bytes.
    std::optional<std::size_t> oversized_body;    ///< Body (or first event) of this many bytes.
    bool close_delimited = false; ///< No Content-Length, no chunking, `Connection: close`.

    // --- Streams only.
    std::chrono::milliseconds chunk_delay{0};       ///< Sleep before every stream event.
    std::optional<std::size_t> stall_after_events;  ///< Then wait until the client closes.
    std::optional<std::size_t> drop_after_events;   ///< Then close the socket abruptly.
    std::optional<std::size_t> malformed_event_at;  ///< Event #K (0-based) becomes invalid JSON.
    std::optional<StreamErrorEvent> error_event;    ///< In-band error inside the 200 stream.
    bool omit_done = false;                         ///< End the stream without its terminator.
    /// Event #K (0-based) is written again and again, without pause, until the client closes
    /// (at most 10 million times): a server that streams faster than its client reads. For
    /// dialects that write their events raw (LM Studio's native stream), the K-th raw write.
    std::optional<std::size_t> repeat_event_forever;
    ToolDeltaQuirks tool_quirks;                    ///< How streamed tool calls are cut.

    // --- Shorthands for the common cases.
    static Fault respond(int status, std::string body, Headers headers = {});
    static Fault delay(std::chrono::milliseconds d);
    static Fault drop_before_any_byte();
    static Fault drop_after(std::size_t events);
    static Fault stall_after(std::size_t events);

    /// Restricts the fault to `p` (fluent).
    Fault& on(std::string p) &;
    Fault&& on(std::string p) &&;
    /// Applies the fault to the next `n` matching requests (negative: every one).
    Fault& times(int n) &;
    Fault&& times(int n) &&;
};

/// The server's list of pending faults. Thread-safe.
class FaultSet {
public:
    /// Adds a fault after the ones already pending.
    void add(Fault f);
    /// Removes every pending fault.
    void clear();
    /// Number of faults that still have uses left.
    std::size_t pending() const;

    /// Takes one use of the first fault matching `path`; nullopt when none matches.
    std::optional<Fault> take(std::string_view path);

private:
    mutable std::mutex mutex_;
    std::vector<Fault> faults_;
};

} // namespace llmio::emulators

#endif // LLMIO_TESTING_EMULATORS_FAULTS_HPP

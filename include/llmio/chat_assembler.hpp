#ifndef LLMIO_CHAT_ASSEMBLER_HPP
#define LLMIO_CHAT_ASSEMBLER_HPP

// Builds one ChatResponse from a stream of ChatChunks, whatever the server's dialect.
// Sans-io: no executor, no I/O; every provider's stream parser feeds it.

#include <llmio/chat.hpp>

#include <cstddef>
#include <optional>
#include <vector>

namespace llmio {

/// Accumulates stream chunks into a response and normalises each chunk on the way.
///
/// Text: `content`, `reasoning` and `refusal` deltas concatenate separately. The first
/// non-empty `id` and `model` are kept; the latest `stats` win.
///
/// Finish reason: the first one wins; a later one is removed from its chunk, so consumers see
/// exactly one.
///
/// Usage: trusted only from a chunk without a choice (OpenAI's `"choices": []` trailer), from
/// the chunk that carries the finish reason, or from a chunk after it. Usage on earlier chunks
/// (e.g. Ollama's zeroed usage on every chunk) is removed from the chunk and ignored.
///
/// Tool calls: each delta is matched to a call and rewritten in place so that `index` is the
/// call's final position and `id` its final id (a missing id becomes `call_<index>`), `name`
/// is set only on the delta that revealed it, and per index the `arguments` fragments
/// concatenate to the final arguments. Matching survives the known server quirks:
/// - empty `id`/`name` in later deltas mean "no change"; a repeated identical `id` or `name`
///   is the same call;
/// - a delta for a known index that brings a different non-empty `id` or `name` starts a new
///   call (servers that send index 0 for every parallel call), as does a new header delta
///   (with id or name) whose arguments start a new object after the call's arguments are
///   already complete JSON;
/// - a missing `index` is not 0: deltas are matched by `id`, else by their position in the
///   chunk's tool-call list;
/// - indexes need not start at 0 or be contiguous;
/// - every `arguments` fragment is appended, including the first one;
/// - a trailing full copy of the arguments (as text, or double-encoded as a JSON string)
///   equal to the complete accumulated arguments is dropped.
/// Only choice 0 is assembled; chunks of other choices are left untouched.
///
/// Not thread-safe; one assembler per stream.
class ChatAssembler {
public:
    /// Upper bound on tool calls in one answer; more is reported as `body_too_large`.
    static constexpr std::size_t kMaxToolCalls = 1024;

    /// Normalises `chunk` in place (see above) and adds it to the answer.
    /// Throws `MalformedResponseError` (errc::body_too_large) beyond `kMaxToolCalls` calls.
    void apply(ChatChunk& chunk);

    /// The answer so far. Calls with empty arguments get "{}" and a warning; calls that never
    /// got a name are kept and get a warning.
    ChatResponse result() const;
    /// Like `result()`, but moves the answer out and resets the assembler.
    ChatResponse take();
    /// Starts over for a new stream.
    void reset();

    /// A finish reason has been seen.
    bool finished() const noexcept { return finished_; }
    /// A trusted usage report has been seen.
    bool saw_usage() const noexcept { return saw_usage_; }

private:
    struct Slot {
        ToolCall call;
        std::optional<int> wire_index; ///< The server's index, when it sent one.
        bool id_generated = false;     ///< `call.id` is our `call_<n>`, not the server's.
    };

    void apply_tool_call(ToolCallDelta& delta, std::size_t position);
    Slot* latest_with_wire_index(int index) noexcept;
    Slot* with_server_id(std::string const& id) noexcept;
    bool starts_new_call(Slot const& slot, ToolCallDelta const& delta) const;
    std::size_t open_slot(ToolCallDelta const& delta);

    ChatResponse response_;   // text, ids, finish reason, usage, stats
    std::vector<Slot> calls_;
    std::vector<std::size_t> unindexed_; // position in a chunk's list -> slot, for index-less deltas
    bool finished_ = false;
    bool saw_usage_ = false;
};

} // namespace llmio

#endif // LLMIO_CHAT_ASSEMBLER_HPP

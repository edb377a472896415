#ifndef LLMIO_OPENAI_CHUNK_FAST_PATH_HPP
#define LLMIO_OPENAI_CHUNK_FAST_PATH_HPP

// The per-token path of OpenAI streams: a SAX reading of the common `chat.completion.chunk`
// shape (id, model, one choice with index, a delta of content/reasoning/refusal, finish_reason)
// straight into a ChatChunk, without building a JSON DOM. Anything else (tool calls, usage,
// timings or errors that are not null, several choices, a value of an unexpected type, invalid
// JSON, a repeated key) makes it give up, and the DOM reader handles the event with its exact
// error messages.

#include <llmio/chat.hpp>

#include <boost/json/basic_parser.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace llmio::openai {

class ChunkFastPath {
public:
    ChunkFastPath();

    /// True when `data` had the common shape and `out` (assigned whole) holds the chunk; false
    /// when the DOM reader must take the event (`out` is then unspecified).
    bool parse(std::string_view data, ChatChunk& out);

    // The SAX handler; public for boost::json::basic_parser only.
    struct Handler {
        static constexpr std::size_t max_object_size = std::size_t(-1);
        static constexpr std::size_t max_array_size = std::size_t(-1);
        static constexpr std::size_t max_key_size = std::size_t(-1);
        static constexpr std::size_t max_string_size = std::size_t(-1);

        // Where a value lands. `skip` values are read and dropped (object, created, role ...);
        // `null_only` members (usage, timings, error, tool_calls, message) are fine when null,
        // and anything else in them is for the DOM reader.
        enum class Slot : std::uint8_t {
            skip, null_only, id, model, choices, index, delta, finish_reason, content,
            reasoning_content, reasoning, refusal
        };
        // The containers the shape allows; anything nested elsewhere is skipped wholesale.
        enum class Level : std::uint8_t { root, choices, choice, delta };

        bool on_document_begin(boost::system::error_code&) { return true; }
        bool on_document_end(boost::system::error_code&) { return true; }
        bool on_object_begin(boost::system::error_code& ec);
        bool on_object_end(std::size_t, boost::system::error_code& ec);
        bool on_array_begin(boost::system::error_code& ec);
        bool on_array_end(std::size_t, boost::system::error_code& ec);
        bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&);
        bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code& ec);
        bool on_string_part(boost::json::string_view s, std::size_t, boost::system::error_code& ec);
        bool on_string(boost::json::string_view s, std::size_t, boost::system::error_code& ec);
        bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
        bool on_int64(std::int64_t i, boost::json::string_view, boost::system::error_code& ec);
        bool on_uint64(std::uint64_t u, boost::json::string_view, boost::system::error_code& ec);
        bool on_double(double, boost::json::string_view, boost::system::error_code& ec);
        bool on_bool(bool, boost::system::error_code& ec);
        bool on_null(boost::system::error_code& ec);
        bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
        bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

        void start(ChatChunk& out);
        bool enter(Level level); // a container on the shape's path opens
        bool leave();            // the innermost open container closes
        bool give_up(boost::system::error_code& ec);
        bool scalar(boost::system::error_code& ec); // a non-string scalar in `slot`
        std::string* string_target();

        ChatChunk* chunk = nullptr;
        std::string reasoning_alt;   // `reasoning`, used when `reasoning_content` is absent
        std::string key;             // a key that arrived in parts
        std::array<Level, 4> levels{};
        int depth = 0;               // containers open on the shape's path
        int skipping = 0;            // containers open inside a skipped value
        std::array<unsigned, 4> seen_at{}; // slots seen per level, to refuse repeated keys
        std::size_t choices = 0;     // elements of `choices`
        Slot slot = Slot::skip;
    };

private:
    boost::json::basic_parser<Handler> parser_;
};

} // namespace llmio::openai

#endif

#ifndef LLMIO_OLLAMA_LINE_FAST_PATH_HPP
#define LLMIO_OLLAMA_LINE_FAST_PATH_HPP

// The per-token path of Ollama's `/api/chat` stream: a SAX reading of the common line
//     {"model":"m","created_at":"...","message":{"role":"assistant","content":"Hi","thinking":"..."},"done":false}
// straight into a ChatChunk, without building a JSON DOM (which cost half the CPU of a streamed
// token). Anything else (the final `done: true` line, tool calls, images, errors, any other
// key, a null or a value of another type, a repeated key, invalid JSON) makes it give up, and
// ChatLineParser's DOM reading takes the line with its exact error messages.

#include <llmio/chat.hpp>

#include <boost/json/basic_parser.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace llmio::ollama {

class LineFastPath {
public:
    LineFastPath();

    /// True when `line` had the common shape and `out` (assigned whole) holds its chunk; false
    /// when the DOM reader must take the line (`out` is then unspecified).
    bool parse(std::string_view line, ChatChunk& out);

    // The SAX handler; public for boost::json::basic_parser only.
    struct Handler {
        static constexpr std::size_t max_object_size = std::size_t(-1);
        static constexpr std::size_t max_array_size = std::size_t(-1);
        static constexpr std::size_t max_key_size = std::size_t(-1);
        static constexpr std::size_t max_string_size = std::size_t(-1);

        // Where the next value lands; `ignore` is a string that is read and dropped.
        enum class Slot : std::uint8_t { none, model, ignore, message, done, content, thinking };

        bool on_document_begin(boost::system::error_code&) { return true; }
        bool on_document_end(boost::system::error_code&) { return true; }
        bool on_object_begin(boost::system::error_code& ec);
        bool on_object_end(std::size_t, boost::system::error_code&);
        bool on_array_begin(boost::system::error_code& ec) { return give_up(ec); }
        bool on_array_end(std::size_t, boost::system::error_code& ec) { return give_up(ec); }
        bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&);
        bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code& ec);
        bool on_string_part(boost::json::string_view s, std::size_t, boost::system::error_code& ec);
        bool on_string(boost::json::string_view s, std::size_t, boost::system::error_code& ec);
        bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
        bool on_int64(std::int64_t, boost::json::string_view, boost::system::error_code& ec) { return give_up(ec); }
        bool on_uint64(std::uint64_t, boost::json::string_view, boost::system::error_code& ec) { return give_up(ec); }
        bool on_double(double, boost::json::string_view, boost::system::error_code& ec) { return give_up(ec); }
        bool on_bool(bool b, boost::system::error_code& ec);
        bool on_null(boost::system::error_code& ec) { return give_up(ec); }
        bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
        bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

        void start(ChatChunk& out);
        bool give_up(boost::system::error_code& ec);
        std::string* string_target();

        ChatChunk* chunk = nullptr;
        std::string key;      // a key that arrived in parts
        int depth = 0;        // 1: the line's object, 2: its message
        unsigned seen = 0;    // keys seen (one bit per slot), to refuse repeated keys
        bool saw_message = false;
        Slot slot = Slot::none;
    };

private:
    boost::json::basic_parser<Handler> parser_;
};

} // namespace llmio::ollama

#endif // LLMIO_OLLAMA_LINE_FAST_PATH_HPP

#ifndef LLMIO_DETAIL_ARENA_JSON_PARSER_HPP
#define LLMIO_DETAIL_ARENA_JSON_PARSER_HPP

// Parses one JSON document at a time into an arena that the next parse rewinds, so a stream's
// per-event DOM allocates nothing in steady state. The arena is made on first use (a stream
// whose events all take a fast path never pays for it) and holds a typical event's DOM; a larger
// document borrows blocks from the heap that the next parse gives back.

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string_view>

namespace llmio::detail {

class ArenaJsonParser {
public:
    ArenaJsonParser();
    ArenaJsonParser(ArenaJsonParser const&) = delete;
    ArenaJsonParser& operator=(ArenaJsonParser const&) = delete;

    /// The document in `text` (invalid UTF-8 allowed: a server may cut a character between two
    /// events), valid until the next call; sets `ec` when `text` is not one JSON document.
    boost::json::value const& parse(std::string_view text, boost::system::error_code& ec);

private:
    static constexpr std::size_t kArenaSize = 2048;
    std::unique_ptr<unsigned char[]> arena_;
    std::optional<boost::json::monotonic_resource> resource_;
    boost::json::parser parser_;
    boost::json::value value_;
};

} // namespace llmio::detail

#endif

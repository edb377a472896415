#include <llmio/detail/arena_json_parser.hpp>

namespace llmio::detail {

namespace json = boost::json;

namespace {
json::parse_options lenient_utf8()
{
    json::parse_options opts;
    opts.allow_invalid_utf8 = true;
    return opts;
}
} // namespace

ArenaJsonParser::ArenaJsonParser() : parser_(json::storage_ptr(), lenient_utf8()) {}

json::value const& ArenaJsonParser::parse(std::string_view text, boost::system::error_code& ec)
{
    // The previous document is dropped before its arena is rewound.
    value_ = nullptr;
    if (!resource_) {
        arena_ = std::make_unique_for_overwrite<unsigned char[]>(kArenaSize);
        resource_.emplace(arena_.get(), kArenaSize);
    }
    resource_->release();
    parser_.reset(json::storage_ptr(&*resource_));
    parser_.write(text.data(), text.size(), ec);
    if (!ec)
        value_ = parser_.release();
    return value_;
}

} // namespace llmio::detail

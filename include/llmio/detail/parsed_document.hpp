#ifndef LLMIO_DETAIL_PARSED_DOCUMENT_HPP
#define LLMIO_DETAIL_PARSED_DOCUMENT_HPP

// One JSON document parsed into memory of its own: a request or response body's DOM, which
// otherwise costs an allocation per string, array and object (about thirty for a chat answer),
// takes one or two. The memory is an arena shared by every value of the document (through its
// storage_ptr, so copies and moved-out parts keep it alive) and freed with the last of them.
//
// After parsing, the arena is sealed: whatever a copy of the document (or a part moved into it)
// allocates later comes from the heap and goes back to it, so copies made on several threads at
// once are safe, as they are for a value on the default resource.

#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <string_view>

namespace llmio::detail {

/// The document in `text`, or null with `ec` set when `text` is not one JSON document.
boost::json::value parse_document(std::string_view text, boost::system::error_code& ec,
                                  boost::json::parse_options const& options = {});

/// Makes `target` the value `source` was, keeping `source`'s memory. Assigning would copy the
/// document into `target`'s resource instead: Boost.JSON's assignment keeps the target's.
void adopt(boost::json::value& target, boost::json::value&& source) noexcept;

} // namespace llmio::detail

#endif

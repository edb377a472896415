#ifndef LLMIO_CLI_INPUT_FILES_HPP
#define LLMIO_CLI_INPUT_FILES_HPP

// Reading what the user hands over in files and on stdin: bounded, and a bad file is a usage
// error naming it.

#include <llmio/chat.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace llmio::cli {

/// At most this many bytes are read from a file or stdin.
inline constexpr std::size_t kMaxInputBytes = 8 * 1024 * 1024;

/// The whole stream, at most kMaxInputBytes (more is a usage error).
std::string read_all(std::istream& in, std::string const& what);

/// OpenAI-style tool definitions: a JSON array of {"type":"function","function":{...}} (or the
/// bare {"name","description","parameters"} objects).
std::vector<ToolDefinition> read_tools_file(std::string const& path);

/// A bare JSON Schema object.
boost::json::object read_schema_file(std::string const& path);

/// auto|none|required|NAME.
ToolChoice parse_tool_choice(std::string const& text);

} // namespace llmio::cli

#endif

#ifndef LLMIO_CLI_OUTPUT_HPP
#define LLMIO_CLI_OUTPUT_HPP

// Output shapes: aligned tables for people, JSON (one document per command) for scripts.

#include <llmio/chat.hpp>
#include <llmio/completion.hpp>
#include <llmio/models.hpp>
#include <llmio/usage.hpp>

#include <boost/describe/class.hpp>
#include <boost/json/value.hpp>

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::cli {

/// Prints rows under `header`, columns padded to their widest cell.
void print_table(std::ostream& out, std::vector<std::string> const& header,
                 std::vector<std::vector<std::string>> const& rows);

/// Prints `value` as one line of JSON.
void print_json(std::ostream& out, boost::json::value const& value);

// The `--json` documents of `chat` and `complete` (docs/cli.md): described structs, so
// Boost.JSON writes one key per member in this order, and null for an unset optional (`usage`
// and `stats` as a whole, and each of their fields the server did not report).

struct ChatJson {
    std::string model;
    std::string content;
    std::string reasoning;
    std::vector<ToolCall> tool_calls;
    FinishReason finish_reason = FinishReason::none;
    std::optional<Usage> usage;
    std::optional<ServerStats> stats;
};
BOOST_DESCRIBE_STRUCT(ChatJson, (),
                      (model, content, reasoning, tool_calls, finish_reason, usage, stats))

struct CompleteJson {
    std::string model;
    std::string text; ///< The first choice's.
    FinishReason finish_reason = FinishReason::none;
    std::optional<Usage> usage;
    std::optional<ServerStats> stats;
};
BOOST_DESCRIBE_STRUCT(CompleteJson, (), (model, text, finish_reason, usage, stats))

/// `llmio chat --json`.
boost::json::value chat_response_json(ChatResponse const& response);
/// `llmio complete --json`.
boost::json::value completion_json(CompletionResponse const& response);
/// `llmio models --json` entry: id, provider, loaded (when known), context_length, type.
boost::json::value model_json(ModelInfo const& model, std::string const& provider);

/// "1.5 GB", "12.0 MB", "512 B".
std::string human_bytes(double bytes);

/// A server-supplied name or status as one printable line (docs/errors.md): model ids,
/// versions, download statuses. Not for answers, whose line breaks are the content.
std::string shown(std::string_view server_text);

} // namespace llmio::cli

#endif

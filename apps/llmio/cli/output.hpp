#ifndef LLMIO_CLI_OUTPUT_HPP
#define LLMIO_CLI_OUTPUT_HPP

// Output shapes: aligned tables for people, JSON (one document per command) for scripts.

#include <llmio/chat.hpp>
#include <llmio/models.hpp>
#include <llmio/usage.hpp>

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

/// {"prompt_tokens","completion_tokens","total_tokens"} or null.
boost::json::value usage_json(std::optional<Usage> const& usage);
/// The server statistics that were reported, or null.
boost::json::value stats_json(std::optional<ServerStats> const& stats);
/// `llmio chat --json`: content, reasoning, tool_calls, finish_reason, usage, stats, model.
boost::json::value chat_response_json(ChatResponse const& response);
/// `llmio models --json` entry: id, provider, loaded (when known), context_length, type.
boost::json::value model_json(ModelInfo const& model, std::string const& provider);

/// "1.5 GB", "12.0 MB", "512 B".
std::string human_bytes(double bytes);

/// A server-supplied name or status as one printable line (docs/errors.md): model ids,
/// versions, download statuses. Not for answers, whose line breaks are the content.
std::string shown(std::string_view server_text);

} // namespace llmio::cli

#endif

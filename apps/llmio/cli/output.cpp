#include "cli/output.hpp"

#include <llmio/error_sanitize.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <ostream>

namespace llmio::cli {

std::string shown(std::string_view server_text)
{
    return escape_for_display(server_text);
}

void print_table(std::ostream& out, std::vector<std::string> const& header,
                 std::vector<std::vector<std::string>> const& raw_rows)
{
    // Cells hold server names: escaped first, so that widths match what is printed.
    std::vector<std::vector<std::string>> rows;
    rows.reserve(raw_rows.size());
    for (auto const& raw : raw_rows) {
        auto& row = rows.emplace_back();
        for (auto const& cell : raw)
            row.push_back(shown(cell));
    }
    std::vector<std::size_t> widths(header.size());
    for (std::size_t i = 0; i < header.size(); ++i)
        widths[i] = header[i].size();
    for (auto const& row : rows)
        for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = std::max(widths[i], row[i].size());
    auto const line = [&](std::vector<std::string> const& cells) {
        std::string text;
        for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
            text += cells[i];
            if (i + 1 < cells.size())
                text.append(widths[i] - cells[i].size() + 2, ' ');
        }
        out << text << '\n';
    };
    line(header);
    for (auto const& row : rows)
        line(row);
}

void print_json(std::ostream& out, boost::json::value const& value)
{
    out << boost::json::serialize(value) << '\n' << std::flush;
}

boost::json::value chat_response_json(ChatResponse const& response)
{
    return boost::json::value_from(ChatJson{response.model, response.content, response.reasoning,
                                            response.tool_calls, response.finish_reason,
                                            response.usage, response.stats});
}

boost::json::value completion_json(CompletionResponse const& response)
{
    auto const finish = response.choices.empty() ? FinishReason::none
                                                  : response.choices.front().finish_reason;
    return boost::json::value_from(
        CompleteJson{response.model, response.text(), finish, response.usage, response.stats});
}

boost::json::value model_json(ModelInfo const& model, std::string const& provider)
{
    boost::json::object out{{"id", model.id}, {"provider", provider}};
    if (model.loaded_known)
        out["loaded"] = model.loaded;
    auto const context = model.loaded && model.loaded_context_length
                             ? model.loaded_context_length
                             : model.capabilities.context_length;
    out["context_length"] = context ? boost::json::value(*context) : boost::json::value(nullptr);
    if (!model.type.empty())
        out["type"] = model.type;
    return out;
}

std::string human_bytes(double bytes)
{
    char const* units[] = {"B", "KB", "MB", "GB", "TB"};
    std::size_t unit = 0;
    while (bytes >= 1000.0 && unit + 1 < std::size(units)) {
        bytes /= 1000.0;
        ++unit;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
    return buffer;
}

} // namespace llmio::cli

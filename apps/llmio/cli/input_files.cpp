#include "cli/input_files.hpp"

#include "cli/errors.hpp"

#include <boost/json/parse.hpp>

#include <fstream>
#include <istream>

namespace llmio::cli {

namespace {

boost::json::value read_json_file(std::string const& path, std::string const& what)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        throw_usage("cannot read " + what + " file '" + path + "'");
    auto const text = read_all(file, what + " file '" + path + "'");
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec)
        throw_usage(what + " file '" + path + "' is not valid JSON: " + ec.message());
    return value;
}

ToolDefinition tool_from(boost::json::value const& entry, std::string const& path, std::size_t index)
{
    auto const where = "tools file '" + path + "', entry " + std::to_string(index);
    auto const* object = entry.if_object();
    if (!object)
        throw_usage(where + ": not an object");
    auto const* function = object;
    if (auto const* nested = object->if_contains("function")) {
        function = nested->if_object();
        if (!function)
            throw_usage(where + ": \"function\" is not an object");
    }
    ToolDefinition tool;
    auto const* name = function->if_contains("name");
    if (!name || !name->is_string() || name->get_string().empty())
        throw_usage(where + ": missing \"name\"");
    tool.name = name->get_string();
    if (auto const* description = function->if_contains("description"); description && description->is_string())
        tool.description = description->get_string();
    if (auto const* parameters = function->if_contains("parameters")) {
        if (!parameters->is_object())
            throw_usage(where + ": \"parameters\" is not an object");
        tool.parameters = parameters->get_object();
    }
    if (auto const* strict = function->if_contains("strict"); strict && strict->is_bool())
        tool.strict = strict->get_bool();
    return tool;
}

} // namespace

std::string read_all(std::istream& in, std::string const& what)
{
    std::string text;
    char buffer[8192];
    // Bounded by kMaxInputBytes.
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxInputBytes)
            throw_usage(what + " is larger than " + std::to_string(kMaxInputBytes) + " bytes");
    }
    return text;
}

std::vector<ToolDefinition> read_tools_file(std::string const& path)
{
    auto const value = read_json_file(path, "tools");
    auto const* array = value.if_array();
    if (!array)
        throw_usage("tools file '" + path + "' must hold a JSON array of tool definitions");
    std::vector<ToolDefinition> tools;
    for (std::size_t i = 0; i < array->size(); ++i)
        tools.push_back(tool_from((*array)[i], path, i));
    return tools;
}

boost::json::object read_schema_file(std::string const& path)
{
    auto value = read_json_file(path, "JSON schema");
    if (!value.is_object())
        throw_usage("JSON schema file '" + path + "' must hold a JSON object (a JSON Schema)");
    return std::move(value.get_object());
}

ToolChoice parse_tool_choice(std::string const& text)
{
    if (text == "auto")
        return ToolChoice::automatic();
    if (text == "none")
        return ToolChoice::none();
    if (text == "required")
        return ToolChoice::required();
    return ToolChoice::function(text);
}

} // namespace llmio::cli

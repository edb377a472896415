#include "config_section.hpp"

#include <boost/json/parse.hpp>

#include <fstream>
#include <iterator>

namespace llmio::detail {

std::optional<ConfigSection> config_section_from_environment(Environment const& env, std::string_view key)
{
    auto const file = ConfigFile::from_environment(env); // reads and checks it, every section too
    if (!file)
        return std::nullopt;
    std::ifstream in(*env.get("LLMIO_CONFIG"), std::ios::binary);
    std::string const text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    boost::json::parse_options options;
    options.allow_comments = true;
    options.allow_trailing_commas = true;
    auto document = boost::json::parse(text, {}, options);
    auto* section = document.as_object().if_contains(key);
    if (!section)
        return std::nullopt;
    return ConfigSection{std::move(*section), "config file \"" + file->name() + "\""};
}

} // namespace llmio::detail

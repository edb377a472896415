#ifndef LLMIO_SRC_CONFIG_SECTION_HPP
#define LLMIO_SRC_CONFIG_SECTION_HPP

// The raw top-level sections of the config file that ConfigFile checks but does not keep
// ("cache", "serve"): their readers take them from here.

#include <llmio/config.hpp>

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace llmio::detail {

struct ConfigSection {
    boost::json::value value;
    std::string where; ///< `config file "<name>"`, for messages
};

/// The section `key` of the file LLMIO_CONFIG names in `env`; nullopt without a file or a
/// section. Throws what ConfigFile::from_environment throws (the whole file is checked first).
std::optional<ConfigSection> config_section_from_environment(Environment const& env, std::string_view key);

} // namespace llmio::detail

#endif

#include "serve_access_config.hpp"

#include "config_checks.hpp"

#include <llmio/error.hpp>

namespace llmio::detail {

namespace json = boost::json;

namespace {

// Rates per minute above this are certainly a mistake (and would overflow nothing, but mean
// no limit at all).
constexpr std::int64_t kMaxRatePerMinute = 1'000'000'000;

[[noreturn]] void bad(std::string const& where, std::string const& what)
{
    throw_error(errc::invalid_request, where + ": " + what);
}

std::string non_empty_string(json::value const& value, std::string const& where, std::string const& path)
{
    auto const* s = value.if_string();
    if (!s || s->empty())
        bad(where, path + " must be a non-empty string");
    return std::string(s->data(), s->size());
}

std::uint64_t rate(json::value const& value, std::string const& where, std::string const& path)
{
    auto const n = value.is_int64() ? value.as_int64() : value.is_uint64() ? static_cast<std::int64_t>(value.as_uint64()) : -1;
    if (n < 1 || n > kMaxRatePerMinute)
        bad(where, path + " must be a whole number from 1 to 1000000000");
    return static_cast<std::uint64_t>(n);
}

} // namespace

bool read_serve_access_key(ServeConfig& config, std::string_view key, json::value const& value,
                           std::string const& where)
{
    std::string const path = "serve." + std::string(key);
    if (key == "cors_origins") {
        auto const* list = value.if_array();
        if (!list)
            bad(where, path + " must be an array of origins such as \"http://localhost:5173\"");
        std::vector<std::string> origins;
        for (auto const& item : *list)
            origins.push_back(non_empty_string(item, where, path + "[]"));
        config.cors_origins = std::move(origins);
    } else if (key == "api_keys_env") {
        auto name = non_empty_string(value, where, path);
        config::check_variable_name(where + ": " + path, name);
        config.api_keys_env = std::move(name);
    } else if (key == "api_keys_file") {
        config.api_keys_file = non_empty_string(value, where, path);
    } else if (key == "rate_limits") {
        auto const* o = value.if_object();
        if (!o)
            bad(where, path + " must be an object");
        for (auto const& entry : *o) {
            if (entry.key() == "requests_per_minute")
                config.requests_per_minute = rate(entry.value(), where, path + ".requests_per_minute");
            else if (entry.key() == "tokens_per_minute")
                config.tokens_per_minute = rate(entry.value(), where, path + ".tokens_per_minute");
            else
                bad(where, "unknown key \"" + path + "." + std::string(entry.key()) +
                               "\" (known keys: requests_per_minute, tokens_per_minute)");
        }
    } else {
        return false;
    }
    if (config.api_keys_env && config.api_keys_file)
        bad(where, "serve.api_keys_env and serve.api_keys_file are both given: use one");
    return true;
}

} // namespace llmio::detail

#include <llmio/serve_config.hpp>

#include <llmio/error.hpp>

#include "config_section.hpp"
#include "serve_access_config.hpp"

namespace llmio {

namespace json = boost::json;

namespace {

[[noreturn]] void bad(std::string const& where, std::string const& what)
{
    throw_error(errc::invalid_request, where + ": " + what);
}

// A whole number in [low, high], or the error naming `key`.
std::int64_t whole(json::value const& v, std::string const& where, std::string const& key, std::int64_t low,
                   std::int64_t high, std::string const& unit)
{
    auto const n = v.is_int64() ? v.as_int64() : v.is_uint64() ? static_cast<std::int64_t>(v.as_uint64()) : low - 1;
    if (n < low || n > high)
        bad(where, key + " must be a whole number from " + std::to_string(low) + " to " + std::to_string(high) +
                       (unit.empty() ? std::string() : " (" + unit + ")"));
    return n;
}

std::chrono::milliseconds seconds(json::value const& v, std::string const& where, std::string const& key,
                                  double low)
{
    if (!v.is_number() || v.to_number<double>() < low || v.to_number<double>() > 86'400)
        bad(where, key + " must be a number of seconds from " + (low == 0 ? std::string("0") : "0.001") +
                       " to 86400");
    return std::chrono::milliseconds(static_cast<std::int64_t>(v.to_number<double>() * 1000));
}

void parse_limits(json::value const& section, std::string const& where, ServeConfig& c)
{
    auto const* o = section.if_object();
    if (!o)
        bad(where, "serve.limits must be an object");
    for (auto const& entry : *o) {
        std::string const key(entry.key());
        auto const path = "serve.limits." + key;
        auto const& v = entry.value();
        if (key == "body_mb")
            c.body_bytes = static_cast<std::size_t>(whole(v, where, path, 1, 4096, "megabytes")) << 20;
        else if (key == "header_kb")
            c.header_bytes = static_cast<std::size_t>(whole(v, where, path, 1, 1024, "kilobytes")) << 10;
        else if (key == "connections")
            c.connections = static_cast<std::size_t>(whole(v, where, path, 1, 1'000'000, ""));
        else if (key == "connections_per_client")
            c.connections_per_client = static_cast<std::size_t>(whole(v, where, path, 1, 1'000'000, ""));
        else if (key == "request_timeout_s")
            c.request_timeout = seconds(v, where, path, 0.001);
        else if (key == "idle_timeout_s")
            c.idle_timeout = seconds(v, where, path, 0.001);
        else
            bad(where, "unknown key \"" + path +
                           "\" (known keys: body_mb, header_kb, connections, connections_per_client, "
                           "request_timeout_s, idle_timeout_s)");
    }
}

} // namespace

ServeConfig parse_serve_section(json::value const& section, std::string const& where)
{
    auto const* o = section.if_object();
    if (!o)
        bad(where, "serve must be an object");
    ServeConfig c;
    for (auto const& entry : *o) {
        std::string const key(entry.key());
        auto const& v = entry.value();
        if (key == "host") {
            auto const* s = v.if_string();
            if (!s || s->empty())
                bad(where, "serve.host must be a non-empty string (an IP address)");
            c.host = std::string(*s);
        } else if (key == "port") {
            c.port = static_cast<unsigned short>(whole(v, where, "serve.port", 0, 65535, ""));
        } else if (key == "threads") {
            c.threads = static_cast<std::size_t>(whole(v, where, "serve.threads", 1, 256, ""));
        } else if (key == "drain_s") {
            c.drain = seconds(v, where, "serve.drain_s", 0);
        } else if (key == "limits") {
            parse_limits(v, where, c);
        } else if (!detail::read_serve_access_key(c, key, v, where)) {
            bad(where, "unknown key \"serve." + key +
                           "\" (known keys: host, port, threads, drain_s, limits, cors_origins, api_keys_env, "
                           "api_keys_file, rate_limits)");
        }
    }
    return c;
}

ServeConfig serve_config_from_environment(Environment const& env)
{
    auto const section = detail::config_section_from_environment(env, "serve");
    if (!section)
        return {};
    return parse_serve_section(section->value, section->where);
}

} // namespace llmio

// Reading settings from JSON: a provider section (ProviderSettings::from_json) and the whole
// LLMIO_CONFIG file (ConfigFile).

#include <llmio/config.hpp>

#include "config_checks.hpp"
#include "detail/message_text.hpp"

#include <llmio/cache_config.hpp>
#include <llmio/serve_config.hpp>
#include <llmio/error.hpp>
#include <llmio/model_id.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <memory>
#include <system_error>

namespace llmio {

namespace json = boost::json;
namespace checks = detail::config;
using detail::message_text::quoted;

namespace {

// Names keys in messages: "<where>: <path><key>", e.g.
// `config file "/etc/llmio.json": providers.openai.timeout_s`.
struct KeyNamer {
    std::string where; // "" for explicit settings
    std::string path;  // "" or "providers.openai."

    std::string operator()(std::string_view key) const
    {
        return (where.empty() ? std::string() : where + ": ") + path + std::string(key);
    }
    std::string prefix() const { return where.empty() ? std::string() : where + ": "; }
};

// `, not <json>` for messages about non-secret values, bounded.
std::string not_value(json::value const& value)
{
    std::string text;
    if (auto const* number = value.if_double()) {
        // Shortest form ("2.5"), not serialize()'s "2.5E0".
        char buffer[32];
        auto const result = std::to_chars(buffer, buffer + sizeof buffer, *number);
        text.assign(buffer, result.ptr);
    } else {
        text = json::serialize(value);
    }
    if (text.size() > 40) {
        // In place: `substr(0, 40) + "..."` trips a false -Warray-bounds in GCC 12 at -O2.
        text.resize(40);
        text.append("...");
    }
    return ", not " + detail::message_text::printable(text);
}

// Strings are never echoed: an api_key or a header value may be a secret.
std::string string_of(json::value const& value, std::string const& name)
{
    if (auto const* text = value.if_string())
        return std::string(text->begin(), text->end());
    throw_error(errc::invalid_request, name + " must be a string");
}

std::optional<http::Duration> duration_of(json::value const& value, std::string const& name)
{
    if (value.is_number()) {
        boost::system::error_code ec;
        double const number = value.to_number<double>(ec);
        if (!ec)
            if (auto duration = checks::seconds(number))
                return duration;
    }
    checks::bad_seconds(name, not_value(value));
}

int retries_of(json::value const& value, std::string const& name)
{
    if (auto const* n = value.if_int64(); n && *n >= 0 && *n <= checks::kMaxRetries)
        return static_cast<int>(*n);
    if (auto const* n = value.if_uint64(); n && *n <= checks::kMaxRetries)
        return static_cast<int>(*n);
    checks::bad_retries(name, not_value(value));
}

bool bool_of(json::value const& value, std::string const& name)
{
    if (auto const* b = value.if_bool())
        return *b;
    throw_error(errc::invalid_request, name + " must be true or false" + not_value(value));
}

constexpr std::string_view kSettingKeys[] = {
    "kind", "base_url",   "api_key", "api_key_env",  "timeout_s",  "connect_timeout_s", "first_byte_timeout_s",
    "idle_timeout_s", "model_cache_ttl_s", "max_retries", "max_in_flight", "include_usage", "ca_file", "verify_tls",
    "allow_hosts", "deny_link_local", "deny_private", "headers",
};

constexpr std::string_view kKinds[] = {"lmstudio", "ollama", "openai"};

int in_flight_of(json::value const& value, std::string const& name)
{
    if (auto const* n = value.if_int64(); n && *n >= 1 && *n <= checks::kMaxInFlight)
        return static_cast<int>(*n);
    if (auto const* n = value.if_uint64(); n && *n >= 1 && *n <= checks::kMaxInFlight)
        return static_cast<int>(*n);
    checks::bad_in_flight(name, not_value(value));
}

ProviderSettings parse_section(json::object const& section, KeyNamer const& name)
{
    ProviderSettings settings;
    for (auto const& entry : section) {
        std::string_view const key = entry.key();
        json::value const& value = entry.value();
        std::string const full = name(key);
        if (key == "kind") {
            settings.kind = string_of(value, full);
            checks::check_kind(full, *settings.kind);
        } else if (key == "base_url") {
            settings.base_url = string_of(value, full);
            checks::check_base_url(full, *settings.base_url);
        } else if (key == "api_key") {
            settings.api_key = string_of(value, full);
            checks::check_no_controls(full, *settings.api_key);
        } else if (key == "api_key_env") {
            settings.api_key_env = string_of(value, full);
            checks::check_variable_name(full, *settings.api_key_env);
        } else if (key == "timeout_s") {
            settings.timeout = duration_of(value, full);
        } else if (key == "connect_timeout_s") {
            settings.connect_timeout = duration_of(value, full);
        } else if (key == "first_byte_timeout_s") {
            settings.first_byte_timeout = duration_of(value, full);
        } else if (key == "idle_timeout_s") {
            settings.idle_timeout = duration_of(value, full);
        } else if (key == "model_cache_ttl_s") {
            settings.model_cache_ttl = duration_of(value, full);
        } else if (key == "max_retries") {
            settings.max_retries = retries_of(value, full);
        } else if (key == "max_in_flight") {
            settings.max_in_flight = in_flight_of(value, full);
        } else if (key == "include_usage") {
            settings.include_usage = bool_of(value, full);
        } else if (key == "ca_file") {
            settings.ca_file = string_of(value, full);
            checks::check_no_controls(full, *settings.ca_file);
        } else if (key == "verify_tls") {
            settings.verify_tls = bool_of(value, full);
        } else if (key == "allow_hosts") {
            auto const* list = value.if_array();
            if (!list)
                throw_error(errc::invalid_request, full + " must be an array of strings");
            std::vector<std::string> hosts;
            for (std::size_t i = 0; i < list->size(); ++i)
                hosts.push_back(string_of((*list)[i], full + "[" + std::to_string(i) + "]"));
            http::HostPolicy policy;
            policy.allow_hosts = hosts;
            try {
                http::validate_host_policy(policy);
            } catch (ProviderError const& e) {
                throw_error(errc::invalid_request, full + ": " + e.info().detail);
            }
            settings.allow_hosts = std::move(hosts);
        } else if (key == "deny_link_local") {
            settings.deny_link_local = bool_of(value, full);
        } else if (key == "deny_private") {
            settings.deny_private = bool_of(value, full);
        } else if (key == "headers") {
            auto const* headers = value.if_object();
            if (!headers)
                throw_error(errc::invalid_request, full + " must be an object of strings");
            for (auto const& header : *headers) {
                std::string const header_name(header.key());
                auto const header_value = string_of(header.value(), full + "." + header_name);
                checks::check_header(full, header_name, header_value);
                settings.headers[header_name] = header_value;
            }
        } else {
            std::string known;
            for (auto const k : kSettingKeys)
                known += (known.empty() ? "" : ", ") + std::string(k);
            throw_error(errc::invalid_request, name.prefix() + "unknown key " +
                                                   quoted(name.path + std::string(key)) +
                                                   " (known keys: " + known + ")");
        }
    }
    if (settings.api_key && settings.api_key_env)
        throw_error(errc::invalid_request, name.prefix() + name.path + "api_key and " + name.path +
                                               "api_key_env exclude each other: give one");
    return settings;
}

bool valid_provider_name(std::string_view name) noexcept
{
    return !name.empty() && name.size() <= 64 &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
           });
}

// "known keys: a, b, c".
template <std::size_t N>
std::string known_keys(std::string_view const (&keys)[N])
{
    std::string known;
    for (auto const k : keys)
        known += (known.empty() ? "" : ", ") + std::string(k);
    return "known keys: " + known;
}

[[noreturn]] void unknown_key(std::string const& where, std::string const& path, std::string const& known)
{
    throw_error(errc::invalid_request, where + ": unknown key " + quoted(path) + " (" + known + ")");
}

// A key's value must be an object ("<where>: <path> must be an object").
json::object const& object_of(json::value const& value, std::string const& where, std::string const& path)
{
    auto const* object = value.if_object();
    if (!object)
        throw_error(errc::invalid_request, where + ": " + path + " must be an object");
    return *object;
}

constexpr std::string_view kRouteKeys[] = {"targets",   "auto_load", "keep_warm",  "require",
                                           "providers", "prefer",    "task_scores"};
constexpr std::string_view kRequireKeys[] = {"tools", "vision", "embeddings", "min_context_length"};
constexpr std::string_view kTargetKeys[] = {"providers", "model"};
constexpr std::string_view kRouterKeys[] = {"health_check_interval_s", "keep_warm_interval_s",
                                            "failures_to_open", "circuit_open_s", "circuit_max_open_s"};
constexpr int kMaxFailuresToOpen = 1000;

RouteTarget parse_target(json::value const& value, std::string const& where, std::string const& path)
{
    auto const& object = object_of(value, where, path);
    RouteTarget target;
    bool has_model = false;
    for (auto const& entry : object) {
        std::string const key(entry.key());
        std::string const full = path + "." + key;
        if (key == "providers") {
            auto const* list = entry.value().if_array();
            if (!list)
                throw_error(errc::invalid_request, where + ": " + full + " must be an array of provider names");
            for (std::size_t i = 0; i < list->size(); ++i)
                target.providers.push_back(string_of((*list)[i], where + ": " + full + "[" + std::to_string(i) + "]"));
        } else if (key == "model") {
            target.model = string_of(entry.value(), where + ": " + full);
            has_model = true;
        } else {
            unknown_key(where, full, known_keys(kTargetKeys));
        }
    }
    if (target.providers.empty())
        throw_error(errc::invalid_request, where + ": " + path + ".providers must list at least one provider");
    if (!has_model || target.model.empty())
        throw_error(errc::invalid_request, where + ": " + path + ".model must be a non-empty string");
    try {
        validate_model_id(target.model, ModelIdUse::required);
    } catch (ProviderError const& e) {
        throw_error(errc::invalid_request, where + ": " + path + ".model: " + e.info().detail);
    }
    return target;
}

ModelRequirements parse_requirements(json::value const& value, std::string const& where, std::string const& path)
{
    ModelRequirements needs;
    for (auto const& entry : object_of(value, where, path)) {
        std::string const key(entry.key());
        std::string const full = where + ": " + path + "." + key;
        if (key == "tools") {
            needs.tools = bool_of(entry.value(), full);
        } else if (key == "vision") {
            needs.vision = bool_of(entry.value(), full);
        } else if (key == "embeddings") {
            needs.embeddings = bool_of(entry.value(), full);
        } else if (key == "min_context_length") {
            auto const* n = entry.value().if_int64();
            auto const* u = entry.value().if_uint64();
            if (n && *n >= 1)
                needs.min_context_length = *n;
            else if (u && *u <= static_cast<std::uint64_t>(INT64_MAX))
                needs.min_context_length = static_cast<std::int64_t>(*u);
            else
                throw_error(errc::invalid_request, full + " must be a positive integer" + not_value(entry.value()));
        } else {
            unknown_key(where, path + "." + key, known_keys(kRequireKeys));
        }
    }
    return needs;
}

std::vector<std::string> strings_of(json::value const& value, std::string const& where, std::string const& path,
                                    std::string const& what)
{
    auto const* list = value.if_array();
    if (!list)
        throw_error(errc::invalid_request, where + ": " + path + " must be an array of " + what);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < list->size(); ++i)
        out.push_back(string_of((*list)[i], where + ": " + path + "[" + std::to_string(i) + "]"));
    return out;
}

// {"<model>": {"<task>": score, ...}, ...}
std::map<std::string, std::map<Task, double>> parse_task_scores(json::value const& value, std::string const& where,
                                                                std::string const& path)
{
    std::map<std::string, std::map<Task, double>> scores;
    for (auto const& model : object_of(value, where, path)) {
        std::string const model_id(model.key());
        auto const model_path = path + "." + model_id;
        for (auto const& task : object_of(model.value(), where, model_path)) {
            std::string const task_name(task.key());
            auto const parsed = task_from_string(task_name);
            if (!parsed)
                throw_error(errc::invalid_request, where + ": " + model_path + ": " + quoted(task_name) +
                                                       " is not a task (tasks: coding, research, creative, analysis, "
                                                       "general)");
            auto const* number = task.value().if_double();
            auto const* n = task.value().if_int64();
            if (!number && !n)
                throw_error(errc::invalid_request, where + ": " + model_path + "." + task_name + " must be a number" +
                                                       not_value(task.value()));
            scores[model_id][*parsed] = number ? *number : static_cast<double>(*n);
        }
    }
    return scores;
}

Route parse_route(json::object const& object, std::string const& where, std::string const& path)
{
    Route route;
    bool has_targets = false;
    std::vector<std::string> by_requirement; // keys only a route by requirement may give
    for (auto const& entry : object) {
        std::string const key(entry.key());
        std::string const full = path + "." + key;
        if (key == "require") {
            route.requirements = parse_requirements(entry.value(), where, full);
        } else if (key == "providers") {
            route.candidates = strings_of(entry.value(), where, full, "provider names");
            by_requirement.push_back(full);
        } else if (key == "prefer") {
            route.preferences.prefer = strings_of(entry.value(), where, full, "model ids");
            by_requirement.push_back(full);
        } else if (key == "task_scores") {
            route.preferences.task_scores = parse_task_scores(entry.value(), where, full);
            by_requirement.push_back(full);
        } else if (key == "targets") {
            auto const* list = entry.value().if_array();
            if (!list)
                throw_error(errc::invalid_request, where + ": " + full + " must be an array of targets");
            has_targets = true;
            for (std::size_t i = 0; i < list->size(); ++i)
                route.targets.push_back(parse_target((*list)[i], where, full + "[" + std::to_string(i) + "]"));
        } else if (key == "auto_load") {
            route.auto_load = bool_of(entry.value(), where + ": " + full);
        } else if (key == "keep_warm") {
            route.keep_warm = bool_of(entry.value(), where + ": " + full);
        } else {
            unknown_key(where, full, known_keys(kRouteKeys));
        }
    }
    if (route.requirements) {
        // The router chooses among the models of `providers` for each call.
        if (has_targets)
            throw_error(errc::invalid_request, where + ": " + path +
                                                   " gives both targets and require: a route names its models "
                                                   "or what it needs, not both");
        if (route.candidates.empty())
            throw_error(errc::invalid_request,
                        where + ": " + path + ".providers must list at least one provider (a route with require "
                                              "chooses among their models)");
        return route;
    }
    if (!by_requirement.empty())
        throw_error(errc::invalid_request, where + ": " + by_requirement.front() + " belongs to a route with require (" +
                                               path + ".require), a route that chooses its model");
    if (!has_targets || route.targets.empty())
        throw_error(errc::invalid_request, where + ": " + path + ".targets must list at least one target");
    return route;
}

// Seconds as milliseconds: at least 1 ms, or 0 too when `zero_allowed`.
std::chrono::milliseconds router_seconds(json::value const& value, std::string const& name, bool zero_allowed)
{
    if (value.is_number()) {
        boost::system::error_code ec;
        double const number = value.to_number<double>(ec);
        if (!ec)
            if (auto const duration = checks::seconds(number)) {
                auto const ms = std::chrono::duration_cast<std::chrono::milliseconds>(*duration);
                if (zero_allowed ? (number == 0 || ms.count() > 0) : ms.count() > 0)
                    return ms;
            }
    }
    throw_error(errc::invalid_request,
                name + (zero_allowed ? " must be a number of seconds from 0 (never) to 1000000"
                                     : " must be a number of seconds from 0.001 to 1000000") +
                    not_value(value));
}

RouterSettings parse_router(json::object const& object, std::string const& where)
{
    RouterSettings settings;
    for (auto const& entry : object) {
        std::string const key(entry.key());
        std::string const full = where + ": router." + key;
        if (key == "health_check_interval_s") {
            settings.health_check_interval = router_seconds(entry.value(), full, true);
        } else if (key == "keep_warm_interval_s") {
            settings.keep_warm_interval = router_seconds(entry.value(), full, false);
        } else if (key == "failures_to_open") {
            auto const& value = entry.value();
            if (auto const* n = value.if_int64(); n && *n >= 1 && *n <= kMaxFailuresToOpen)
                settings.failures_to_open = static_cast<int>(*n);
            else if (auto const* u = value.if_uint64(); u && *u >= 1 && *u <= kMaxFailuresToOpen)
                settings.failures_to_open = static_cast<int>(*u);
            else
                throw_error(errc::invalid_request, full + " must be an integer from 1 to " +
                                                       std::to_string(kMaxFailuresToOpen) + not_value(value));
        } else if (key == "circuit_open_s") {
            settings.open_for = router_seconds(entry.value(), full, false);
        } else if (key == "circuit_max_open_s") {
            settings.max_open_for = router_seconds(entry.value(), full, false);
        } else {
            unknown_key(where, "router." + key, known_keys(kRouterKeys));
        }
    }
    if (settings.open_for && settings.max_open_for && *settings.max_open_for < *settings.open_for)
        throw_error(errc::invalid_request,
                    where + ": router.circuit_max_open_s must not be less than router.circuit_open_s");
    return settings;
}

// Parses with positions: boost::json::parse only says what went wrong, not where.
json::value parse_with_position(std::string_view text, std::string const& where)
{
    json::parse_options options;
    options.allow_comments = true;
    options.allow_trailing_commas = true;
    json::stream_parser parser({}, options);
    boost::system::error_code ec;
    std::size_t offset = parser.write(text.data(), text.size(), ec);
    if (!ec) {
        parser.finish(ec);
        offset = text.size();
    }
    if (ec) {
        auto const before = text.substr(0, offset);
        auto const line = 1 + std::count(before.begin(), before.end(), '\n');
        auto const line_start = before.rfind('\n');
        auto const column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
        throw_error(errc::invalid_request, where + ": invalid JSON at line " + std::to_string(line) +
                                               ", column " + std::to_string(column) +
                                               " (byte offset " + std::to_string(offset) +
                                               "): " + ec.message());
    }
    return parser.release();
}

struct FileCloser {
    void operator()(std::FILE* file) const noexcept { std::fclose(file); }
};

// `named_by`: the variable that named the file, for the message, or "".
std::string read_file(std::string const& path, std::string_view named_by)
{
    auto const failure = [&](int error) {
        std::string text = "cannot read the config file " + quoted(path, 256);
        if (!named_by.empty())
            text += " named by " + std::string(named_by);
        throw_error(errc::invalid_request,
                    text + ": " + std::generic_category().message(error));
    };
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file)
        failure(errno != 0 ? errno : ENOENT);
    std::string text;
    char buffer[16384];
    // Bounded: stops once more than kMaxBytes were read.
    while (text.size() <= ConfigFile::kMaxBytes) {
        auto const n = std::fread(buffer, 1, sizeof buffer, file.get());
        text.append(buffer, n);
        if (n < sizeof buffer)
            break;
    }
    if (std::ferror(file.get()))
        failure(errno != 0 ? errno : EIO);
    if (text.size() > ConfigFile::kMaxBytes)
        throw_error(errc::invalid_request, "the config file " + quoted(path, 256) +
                                               " is larger than " +
                                               std::to_string(ConfigFile::kMaxBytes) + " bytes");
    return text;
}

} // namespace

ProviderSettings ProviderSettings::from_json(json::object const& section)
{
    return parse_section(section, KeyNamer{});
}

ConfigFile ConfigFile::parse(std::string_view text, std::string name)
{
    ConfigFile file;
    file.name_ = std::move(name);
    std::string const where = "config file " + quoted(file.name_, 256);
    auto const document = parse_with_position(text, where);
    auto const* top = document.if_object();
    if (!top)
        throw_error(errc::invalid_request, where + ": the top level must be a JSON object");
    // Routes name providers: read both before checking one against the other.
    std::vector<std::string> route_order;
    for (auto const& entry : *top) {
        if (entry.key() == "default_provider") {
            auto const* value = entry.value().if_string();
            if (!value)
                throw_error(errc::invalid_request, where + ": default_provider must be a string");
            file.default_provider_.assign(value->begin(), value->end());
        } else if (entry.key() == "providers") {
            auto const* providers = entry.value().if_object();
            if (!providers)
                throw_error(errc::invalid_request, where + ": providers must be an object");
            for (auto const& provider : *providers) {
                std::string const provider_name(provider.key());
                if (!valid_provider_name(provider_name))
                    throw_error(errc::invalid_request,
                                where + ": provider name " + quoted(provider_name) +
                                    " is invalid: use 1 to 64 characters of A-Z a-z 0-9 . _ -");
                auto const* section = provider.value().if_object();
                if (!section)
                    throw_error(errc::invalid_request,
                                where + ": providers." + provider_name + " must be an object");
                auto settings = parse_section(*section, KeyNamer{where, "providers." + provider_name + "."});
                // A section named like a kind is that kind: its kind's variables apply to it.
                if (settings.kind && checks::known_kind(provider_name) && *settings.kind != provider_name)
                    throw_error(errc::invalid_request,
                                where + ": providers." + provider_name + ".kind is " +
                                    quoted(*settings.kind) + ", but a section named like a kind must be of that kind");
                file.providers_[provider_name] = std::move(settings);
            }
        } else if (entry.key() == "routes") {
            auto const& routes = object_of(entry.value(), where, "routes");
            for (auto const& route : routes) {
                std::string const route_name(route.key());
                if (!valid_provider_name(route_name))
                    throw_error(errc::invalid_request,
                                where + ": route name " + quoted(route_name) +
                                    " is invalid: use 1 to 64 characters of A-Z a-z 0-9 . _ -");
                auto const path = "routes." + route_name;
                file.routes_[route_name] = parse_route(object_of(route.value(), where, path), where, path);
                route_order.push_back(route_name);
            }
        } else if (entry.key() == "router") {
            file.router_ = parse_router(object_of(entry.value(), where, "router"), where);
        } else if (entry.key() == "cache") {
            parse_cache_section(entry.value(), where); // checked here, read by cache_config_from_environment
        } else if (entry.key() == "serve") {
            parse_serve_section(entry.value(), where); // checked here, read by serve_config_from_environment
        } else {
            throw_error(errc::invalid_request, where + ": unknown key " + quoted(entry.key()) +
                                                   " at the top level (known keys: "
                                                   "cache, default_provider, providers, routes, router, serve)");
        }
    }

    // Routes against providers, in the file's order.
    if (!file.routes_.empty() && file.providers_.contains("router"))
        throw_error(errc::invalid_request,
                    where + ": providers.router: \"router\" names the router of the file's routes; "
                            "give the provider another name");
    auto const provider_list = [&file] {
        std::string list;
        for (auto const& entry : file.providers_)
            list += (list.empty() ? "" : ", ") + entry.first;
        return list.empty() ? std::string("none") : list;
    };
    for (auto const& route_name : route_order) {
        if (file.providers_.contains(route_name))
            throw_error(errc::invalid_request,
                        where + ": route " + quoted(route_name) +
                            " has the name of a provider of this file; routes and providers share one namespace");
        auto const& route = file.routes_.at(route_name);
        for (std::size_t p = 0; p < route.candidates.size(); ++p) {
            auto const& candidates = route.candidates;
            auto const path = "routes." + route_name + ".providers[" + std::to_string(p) + "]";
            if (!file.providers_.contains(candidates[p]))
                throw_error(errc::invalid_request, where + ": " + path + ": " + quoted(candidates[p]) +
                                                       " is not a provider of this file (providers: " +
                                                       provider_list() + ")");
            if (std::find(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(p), candidates[p]) !=
                candidates.begin() + static_cast<std::ptrdiff_t>(p))
                throw_error(errc::invalid_request, where + ": " + path + ": " + quoted(candidates[p]) + " is named twice");
        }
        for (std::size_t t = 0; t < route.targets.size(); ++t) {
            auto const& providers = route.targets[t].providers;
            for (std::size_t p = 0; p < providers.size(); ++p) {
                auto const path = "routes." + route_name + ".targets[" + std::to_string(t) + "].providers[" +
                                  std::to_string(p) + "]";
                if (!file.providers_.contains(providers[p]))
                    throw_error(errc::invalid_request, where + ": " + path + ": " + quoted(providers[p]) +
                                                           " is not a provider of this file (providers: " +
                                                           provider_list() + ")");
                if (std::find(providers.begin(), providers.begin() + static_cast<std::ptrdiff_t>(p),
                              providers[p]) != providers.begin() + static_cast<std::ptrdiff_t>(p))
                    throw_error(errc::invalid_request,
                                where + ": " + path + ": " + quoted(providers[p]) + " is named twice in one target");
            }
        }
    }
    return file;
}

ConfigFile ConfigFile::load(std::string const& path)
{
    return parse(read_file(path, ""), path);
}

std::optional<ConfigFile> ConfigFile::from_environment(Environment const& env)
{
    auto const path = env.get("LLMIO_CONFIG");
    if (!path)
        return std::nullopt;
    return parse(read_file(*path, "LLMIO_CONFIG"), *path);
}

std::vector<std::string> ConfigFile::provider_names() const
{
    std::vector<std::string> names;
    for (auto const& entry : providers_)
        names.push_back(entry.first);
    return names;
}

ProviderSettings const* ConfigFile::provider(std::string_view name) const
{
    auto const it = providers_.find(name);
    return it == providers_.end() ? nullptr : &it->second;
}

std::span<std::string_view const> provider_setting_keys() noexcept
{
    return kSettingKeys;
}

std::span<std::string_view const> provider_kinds() noexcept
{
    return kKinds;
}

} // namespace llmio

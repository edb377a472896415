// The settings cascade: explicit options > environment > config file > defaults.

#include <llmio/config.hpp>

#include "config_checks.hpp"
#include "detail/message_text.hpp"

#include <llmio/error.hpp>
#include <llmio/model_cache.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace llmio {

namespace checks = detail::config;
using detail::message_text::printable;
using detail::message_text::quoted;

namespace {

// Every variable llmio reads. For one setting, provider-specific entries come first and
// earlier entries win. docs/configuration.md lists each (a test checks).
constexpr EnvironmentVariable kVariables[] = {
    {"OPENAI_API_KEY", "openai", "api_key"},
    {"OPENAI_BASE_URL", "openai", "base_url"},
    {"OPENAI_ORG_ID", "openai", "headers.OpenAI-Organization"},
    {"OPENAI_PROJECT_ID", "openai", "headers.OpenAI-Project"},
    {"LMSTUDIO_BASE_URL", "lmstudio", "base_url"},
    {"LMSTUDIO_ENDPOINT", "lmstudio", "base_url"},
    {"LMSTUDIO_TIMEOUT", "lmstudio", "timeout_s"},
    {"LM_API_TOKEN", "lmstudio", "api_key"},
    {"LMSTUDIO_API_TOKEN", "lmstudio", "api_key"},
    {"OLLAMA_HOST", "ollama", "base_url"},
    {"OLLAMA_API_KEY", "ollama", "api_key"},
    {"LLMIO_TIMEOUT", "", "timeout_s"},
    {"LLMIO_CONNECT_TIMEOUT", "", "connect_timeout_s"},
    {"LLMIO_MAX_RETRIES", "", "max_retries"},
    {"LLMIO_MODEL_CACHE_TTL", "", "model_cache_ttl_s"},
    {"LLMIO_CA_FILE", "", "ca_file"},
    {"LLMIO_CONFIG", "", "(the config file path)"},
};

std::string_view default_base_url(std::string_view provider) noexcept
{
    if (provider == "openai")
        return "https://api.openai.com/v1";
    if (provider == "lmstudio")
        return "http://127.0.0.1:1234";
    if (provider == "ollama")
        return "http://127.0.0.1:11434";
    return {};
}

struct EnvHit {
    std::string_view name;
    std::string value;
};

// The first variable that sets `setting`: those of the kind `own` (an instance named like its
// kind; "" for any other instance) first, then the LLMIO_* ones.
std::optional<EnvHit> from_env(Environment const& env, std::string_view own, std::string_view setting)
{
    for (bool const specific : {true, false}) {
        if (specific && own.empty())
            continue;
        for (auto const& variable : kVariables)
            if (variable.setting == setting &&
                (specific ? variable.provider == own : variable.provider.empty()))
                if (auto value = env.get(variable.name))
                    return EnvHit{variable.name, std::move(*value)};
    }
    return std::nullopt;
}

std::string env_origin(std::string_view name)
{
    return "env " + std::string(name);
}

http::Duration env_seconds(EnvHit const& hit)
{
    double value = 0;
    auto const* const end = hit.value.data() + hit.value.size();
    auto const [ptr, ec] = std::from_chars(hit.value.data(), end, value);
    if (ec == std::errc{} && ptr == end)
        if (auto duration = checks::seconds(value))
            return *duration;
    checks::bad_seconds(hit.name, ", not " + quoted(hit.value, 40));
}

int env_retries(EnvHit const& hit)
{
    int value = 0;
    auto const* const end = hit.value.data() + hit.value.size();
    auto const [ptr, ec] = std::from_chars(hit.value.data(), end, value);
    if (ec == std::errc{} && ptr == end && value >= 0 && value <= checks::kMaxRetries)
        return value;
    checks::bad_retries(hit.name, ", not " + quoted(hit.value, 40));
}

// Resolves one setting through the four sources. `own` names the kind whose variables apply
// (see from_env). `from_env_value` converts (and validates) a variable's text; explicit values
// are validated by `check_explicit`.
template <class T, class FromEnv, class CheckExplicit>
Setting<T> cascade(std::string_view own, std::string_view key, std::optional<T> const& given,
                   Environment const& env, FromEnv from_env_value, CheckExplicit check_explicit,
                   std::optional<T> const* file_value, std::string const& file_where, T fallback)
{
    if (given) {
        check_explicit(*given);
        return {*given, SettingSource::explicit_option, "explicit"};
    }
    if (auto hit = from_env(env, own, key))
        return {from_env_value(*hit), SettingSource::environment, env_origin(hit->name)};
    if (file_value && *file_value)
        return {**file_value, SettingSource::config_file, file_where + std::string(key)};
    return {std::move(fallback), SettingSource::default_value, "default"};
}

bool iequal(std::string_view a, std::string_view b) noexcept
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

bool iless(std::string_view a, std::string_view b) noexcept
{
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) < lower(y);
    });
}

// Headers whose values are credentials by name.
bool secret_header(std::string_view name) noexcept
{
    for (std::string_view const word :
         {"auth", "key", "token", "secret", "cookie", "password", "session", "credential"}) {
        if (name.size() < word.size())
            continue;
        for (std::size_t i = 0; i + word.size() <= name.size(); ++i)
            if (iequal(name.substr(i, word.size()), word))
                return true;
    }
    return false;
}

// "1", "0.25", "0 (off)".
std::string format_seconds(http::Duration duration)
{
    if (duration == http::Duration::zero())
        return "0 (off)";
    char text[48];
    std::snprintf(text, sizeof text, "%.3f", std::chrono::duration<double>(duration).count());
    std::string out(text);
    while (out.back() == '0')
        out.pop_back();
    if (out.back() == '.')
        out.pop_back();
    return out;
}

// A base URL for display: userinfo (`user:pw@`) is never shown.
std::string display_url(std::string_view url)
{
    auto const scheme_end = url.find("://");
    auto const authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
    auto const authority_end = url.find('/', authority_start);
    auto const at = url.substr(0, authority_end).rfind('@');
    if (at == std::string_view::npos || at < authority_start)
        return printable(url);
    return printable(std::string(url.substr(0, authority_start)) + "…(redacted)" +
                     std::string(url.substr(at)));
}

} // namespace

std::string_view to_string(SettingSource source) noexcept
{
    switch (source) {
    case SettingSource::explicit_option: return "explicit";
    case SettingSource::environment: return "env";
    case SettingSource::config_file: return "file";
    case SettingSource::default_value: return "default";
    }
    return "default";
}

Environment::Environment()
    : lookup_([](std::string const& name) -> std::optional<std::string> {
          if (char const* value = std::getenv(name.c_str()))
              return std::string(value);
          return std::nullopt;
      })
{
}

Environment::Environment(Lookup lookup) : lookup_(std::move(lookup))
{
    if (!lookup_)
        throw_error(errc::invalid_request, "Environment needs a lookup function");
}

Environment Environment::from_map(std::map<std::string, std::string> variables)
{
    return Environment([variables = std::move(variables)](std::string const& name)
                           -> std::optional<std::string> {
        auto const it = variables.find(name);
        if (it == variables.end())
            return std::nullopt;
        return it->second;
    });
}

std::optional<std::string> Environment::get(std::string_view name) const
{
    auto value = lookup_(std::string(name));
    if (!value)
        return std::nullopt;
    auto const is_space = [](char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
    };
    auto const first = std::find_if_not(value->begin(), value->end(), is_space);
    auto const last = std::find_if_not(value->rbegin(), value->rend(), is_space).base();
    if (first >= last)
        return std::nullopt;
    return std::string(first, last);
}

ResolvedSettings resolve_settings(std::string_view provider,
                                  ProviderSettings const& given, Environment const& env,
                                  ConfigFile const* file)
{
    ProviderSettings const* const section = file ? file->provider(provider) : nullptr;
    std::string const file_where =
        file ? "file " + quoted(file->name(), 256) + ": providers." + std::string(provider) + "."
             : std::string();
    auto const in_file = [&](auto member) { return section ? &(section->*member) : nullptr; };

    auto const no_check = [](auto const&) {};
    auto const check_seconds = [](std::string_view key) {
        return [key](http::Duration d) { checks::check_duration("explicit " + std::string(key), d); };
    };
    http::Timeouts const default_timeouts;

    ResolvedSettings r;
    r.provider = std::string(provider);

    // The kind: explicit, else the file section's, else the name when it is a kind.
    if (given.kind) {
        checks::check_kind("explicit kind", *given.kind);
        r.kind = {*given.kind, SettingSource::explicit_option, "explicit"};
    } else if (section && section->kind) {
        r.kind = {*section->kind, SettingSource::config_file, file_where + "kind"};
    } else if (checks::known_kind(provider)) {
        r.kind = {std::string(provider), SettingSource::default_value, "default"};
    } else {
        r.kind = {std::string(), SettingSource::default_value, "default"};
    }
    // The kind's own variables belong to the instance named like it: "ws" and "box", two LM
    // Studio servers, must not both take LMSTUDIO_BASE_URL.
    std::string_view const own = r.kind.value == provider ? provider : std::string_view();

    r.base_url = cascade<std::string>(
        own, "base_url", given.base_url, env,
        [](EnvHit const& hit) {
            // OLLAMA_HOST has a grammar of its own (quotes, bare host names, port 11434);
            // the Ollama provider parses it.
            if (hit.name != "OLLAMA_HOST")
                checks::check_base_url(hit.name, hit.value);
            return hit.value;
        },
        [](std::string const& url) { checks::check_base_url("explicit base_url", url); },
        in_file(&ProviderSettings::base_url), file_where, std::string(default_base_url(r.kind.value)));

    // api_key_env names the variable to read, before the kind's own variables: the code or
    // the file asked for that one.
    auto const key_from = [&env](std::string const& variable, std::string const& named_by) {
        checks::check_variable_name(named_by, variable);
        auto value = env.get(variable);
        if (!value)
            throw_error(errc::invalid_request,
                        named_by + " names the environment variable " + variable + ", which is not set");
        checks::check_no_controls(variable, *value);
        return Setting<std::string>{std::move(*value), SettingSource::environment,
                                    env_origin(variable) + ", named by " + named_by};
    };
    if (!given.api_key && given.api_key_env)
        r.api_key = key_from(*given.api_key_env, "explicit api_key_env");
    else if (!given.api_key && section && section->api_key_env)
        r.api_key = key_from(*section->api_key_env, file_where + "api_key_env");
    else
        r.api_key = cascade<std::string>(
            own, "api_key", given.api_key, env,
            [](EnvHit const& hit) {
                checks::check_no_controls(hit.name, hit.value);
                return hit.value;
            },
            [](std::string const& key) { checks::check_no_controls("explicit api_key", key); },
            in_file(&ProviderSettings::api_key), file_where, std::string());

    r.timeout = cascade<http::Duration>(own, "timeout_s", given.timeout, env, env_seconds,
                                        check_seconds("timeout_s"),
                                        in_file(&ProviderSettings::timeout), file_where,
                                        default_timeouts.total);
    r.connect_timeout = cascade<http::Duration>(
        own, "connect_timeout_s", given.connect_timeout, env, env_seconds,
        check_seconds("connect_timeout_s"), in_file(&ProviderSettings::connect_timeout),
        file_where, default_timeouts.connect);
    r.first_byte_timeout = cascade<http::Duration>(
        own, "first_byte_timeout_s", given.first_byte_timeout, env, env_seconds,
        check_seconds("first_byte_timeout_s"), in_file(&ProviderSettings::first_byte_timeout),
        file_where, default_timeouts.first_byte);
    r.idle_timeout = cascade<http::Duration>(
        own, "idle_timeout_s", given.idle_timeout, env, env_seconds,
        check_seconds("idle_timeout_s"), in_file(&ProviderSettings::idle_timeout), file_where,
        default_timeouts.idle);
    r.model_cache_ttl = cascade<http::Duration>(
        own, "model_cache_ttl_s", given.model_cache_ttl, env, env_seconds,
        check_seconds("model_cache_ttl_s"), in_file(&ProviderSettings::model_cache_ttl),
        file_where, ModelCache::Options{}.ttl);

    r.max_retries = cascade<int>(
        own, "max_retries", given.max_retries, env, env_retries,
        [](int n) { checks::check_retries("explicit max_retries", n); },
        in_file(&ProviderSettings::max_retries), file_where, RetryPolicy{}.max_retries);

    // No variable sets it: a limit belongs to one server.
    r.max_in_flight = cascade<int>(
        own, "max_in_flight", given.max_in_flight, env, [](EnvHit const&) { return 0; },
        [](int n) { checks::check_in_flight("explicit max_in_flight", n); },
        in_file(&ProviderSettings::max_in_flight), file_where,
        static_cast<int>(http::ConcurrencyOptions{}.max_in_flight));

    r.include_usage = cascade<bool>(
        own, "include_usage", given.include_usage, env,
        [](EnvHit const&) { return true; }, no_check, in_file(&ProviderSettings::include_usage),
        file_where, true);

    r.ca_file = cascade<std::string>(
        own, "ca_file", given.ca_file, env,
        [](EnvHit const& hit) {
            checks::check_no_controls(hit.name, hit.value);
            return hit.value;
        },
        [](std::string const& path) { checks::check_no_controls("explicit ca_file", path); },
        in_file(&ProviderSettings::ca_file), file_where, http::TlsOptions{}.ca_file);

    r.verify_tls = cascade<bool>(
        own, "verify_tls", given.verify_tls, env, [](EnvHit const&) { return true; },
        no_check, in_file(&ProviderSettings::verify_tls), file_where,
        http::TlsOptions{}.verify_peer);

    // The host policy: code and the config file only (no environment variable sets it).
    auto const no_env = [](EnvHit const& hit) -> std::vector<std::string> {
        throw_error(errc::invalid_request, std::string(hit.name) + " cannot set allow_hosts");
    };
    r.allow_hosts = cascade<std::vector<std::string>>(
        own, "allow_hosts", given.allow_hosts, env, no_env,
        [](std::vector<std::string> const& hosts) {
            http::HostPolicy policy;
            policy.allow_hosts = hosts;
            http::validate_host_policy(policy);
        },
        in_file(&ProviderSettings::allow_hosts), file_where, http::HostPolicy{}.allow_hosts);
    r.deny_link_local = cascade<bool>(
        own, "deny_link_local", given.deny_link_local, env, [](EnvHit const&) { return true; },
        no_check, in_file(&ProviderSettings::deny_link_local), file_where, http::HostPolicy{}.deny_link_local);
    r.deny_private = cascade<bool>(
        own, "deny_private", given.deny_private, env, [](EnvHit const&) { return false; },
        no_check, in_file(&ProviderSettings::deny_private), file_where, http::HostPolicy{}.deny_private);

    // Headers, merged by name (case-insensitively); the first source to name one wins.
    auto const put = [&r](std::string const& name, std::string const& value,
                          SettingSource source, std::string origin) {
        auto const taken = std::any_of(r.headers.begin(), r.headers.end(),
                                       [&](ResolvedHeader const& h) { return iequal(h.name, name); });
        if (!taken)
            r.headers.push_back({name, value, source, std::move(origin)});
    };
    for (auto const& [name, value] : given.headers) {
        checks::check_header("explicit headers", name, value);
        put(name, value, SettingSource::explicit_option, "explicit");
    }
    constexpr std::string_view header_prefix = "headers.";
    for (auto const& variable : kVariables) {
        if (own.empty() || variable.provider != own || !variable.setting.starts_with(header_prefix))
            continue;
        if (auto value = env.get(variable.name)) {
            std::string const name(variable.setting.substr(header_prefix.size()));
            checks::check_header(variable.name, name, *value);
            put(name, *value, SettingSource::environment, env_origin(variable.name));
        }
    }
    if (section)
        for (auto const& [name, value] : section->headers)
            put(name, value, SettingSource::config_file, file_where + "headers." + name);
    std::sort(r.headers.begin(), r.headers.end(),
              [](ResolvedHeader const& a, ResolvedHeader const& b) { return iless(a.name, b.name); });
    return r;
}

http::Timeouts ResolvedSettings::timeouts() const
{
    http::Timeouts t;
    t.connect = connect_timeout.value;
    t.first_byte = first_byte_timeout.value;
    t.idle = idle_timeout.value;
    t.total = timeout.value;
    return t;
}

RetryPolicy ResolvedSettings::retry_policy() const
{
    RetryPolicy policy;
    policy.max_retries = max_retries.value;
    return policy;
}

http::TlsOptions ResolvedSettings::tls() const
{
    http::TlsOptions options;
    options.verify_peer = verify_tls.value;
    options.ca_file = ca_file.value;
    return options;
}

http::HostPolicy ResolvedSettings::host_policy() const
{
    http::HostPolicy policy;
    policy.allow_hosts = allow_hosts.value;
    policy.deny_link_local = deny_link_local.value;
    policy.deny_private = deny_private.value;
    return policy;
}

std::string ResolvedSettings::describe() const
{
    std::string out = "provider " + printable(provider) + "\n";
    auto const line = [&out](std::string_view key, std::string const& value, std::string const& origin) {
        out += "  ";
        out += key;
        out += " = ";
        out += value;
        out += "  (";
        out += printable(origin);
        out += ")\n";
    };
    auto const text_or_none = [](std::string const& text) {
        return text.empty() ? std::string("(none)") : printable(text);
    };
    line("kind", kind.value.empty() ? std::string("(none)") : printable(kind.value), kind.origin);
    line("base_url", base_url.value.empty() ? "(none)" : display_url(base_url.value), base_url.origin);
    line("api_key", redact_secret(api_key.value), api_key.origin);
    line("timeout_s", format_seconds(timeout.value), timeout.origin);
    line("connect_timeout_s", format_seconds(connect_timeout.value), connect_timeout.origin);
    line("first_byte_timeout_s", format_seconds(first_byte_timeout.value), first_byte_timeout.origin);
    line("idle_timeout_s", format_seconds(idle_timeout.value), idle_timeout.origin);
    line("model_cache_ttl_s", format_seconds(model_cache_ttl.value), model_cache_ttl.origin);
    line("max_retries", std::to_string(max_retries.value), max_retries.origin);
    line("max_in_flight", std::to_string(max_in_flight.value), max_in_flight.origin);
    line("include_usage", include_usage.value ? "true" : "false", include_usage.origin);
    line("ca_file", text_or_none(ca_file.value), ca_file.origin);
    line("verify_tls", verify_tls.value ? "true" : "false", verify_tls.origin);
    std::string hosts;
    for (auto const& host : allow_hosts.value)
        hosts += (hosts.empty() ? "" : ", ") + printable(host);
    line("allow_hosts", hosts.empty() ? "(any)" : hosts, allow_hosts.origin);
    line("deny_link_local", deny_link_local.value ? "true" : "false", deny_link_local.origin);
    line("deny_private", deny_private.value ? "true" : "false", deny_private.origin);
    for (auto const& header : headers)
        line("headers." + header.name,
             secret_header(header.name) ? redact_secret(header.value) : printable(header.value),
             header.origin);
    return out;
}

std::string redact_secret(std::string_view secret)
{
    if (secret.empty())
        return "(none)";
    if (secret.size() < 12)
        return "…(redacted)";
    return printable(secret.substr(0, 3)) + "…(redacted)";
}

std::span<EnvironmentVariable const> environment_variables() noexcept
{
    return kVariables;
}

} // namespace llmio

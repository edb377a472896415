#ifndef LLMIO_CONFIG_HPP
#define LLMIO_CONFIG_HPP

// Where a provider's settings come from: explicit options > environment variables > the JSON
// file named by LLMIO_CONFIG > documented defaults. docs/configuration.md lists every key,
// variable and default in one table.
//
//     auto const env = llmio::Environment();                      // the process environment
//     auto const file = llmio::ConfigFile::from_environment(env); // nullopt without LLMIO_CONFIG
//     llmio::ProviderSettings mine;
//     mine.connect_timeout = std::chrono::seconds(2);
//     auto const s = llmio::resolve_settings("lmstudio", mine, env, file ? &*file : nullptr);
//     // s.base_url.value, s.timeouts(), s.retry_policy(), s.tls(); s.describe() for the CLI
//
// Every resolved value records its source (explicit/env/file/default) and origin (which
// variable or file key), so a tool can explain where a value came from. Invalid values throw
// InvalidRequestError naming the variable or key (a base URL that cannot be used:
// errc::invalid_endpoint, else errc::invalid_request). Secrets (API keys, header values that
// look like credentials) never appear in error messages nor in `describe()`.

#include <llmio/http/http_options.hpp>
#include <llmio/retry.hpp>
#include <llmio/route.hpp>

#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmio {

/// Where a setting's value came from, in precedence order (first wins).
enum class SettingSource { explicit_option, environment, config_file, default_value };

/// "explicit", "env", "file", "default".
std::string_view to_string(SettingSource source) noexcept;

template <class T>
struct Setting {
    T value{};
    SettingSource source = SettingSource::default_value;
    /// Human-readable: "explicit", "env OPENAI_API_KEY",
    /// "file \"/etc/llmio.json\": providers.openai.timeout_s" or "default".
    std::string origin = "default";
};

/// Reads environment variables. The default reads the process environment with std::getenv
/// (which is not safe against a concurrent setenv); tests and applications inject a lookup.
class Environment {
public:
    using Lookup = std::function<std::optional<std::string>(std::string const& name)>;

    Environment();
    explicit Environment(Lookup lookup);
    static Environment from_map(std::map<std::string, std::string> variables);

    /// The value with surrounding whitespace trimmed; nullopt when unset, empty or blank
    /// (so `OPENAI_API_KEY= app` unsets a key, as most clients treat it).
    std::optional<std::string> get(std::string_view name) const;

private:
    Lookup lookup_;
};

/// Settings of one provider as code (explicit options) or a config file gives them; unset
/// fields fall through to the next source.
struct ProviderSettings {
    /// The provider kind: "lmstudio", "ollama" or "openai" (provider_kinds()). Unset: the
    /// provider's name when that is a kind. An instance named otherwise ("ws" of kind lmstudio)
    /// gets its kind's default base URL but not its kind's environment variables.
    std::optional<std::string> kind;
    std::optional<std::string> base_url;
    std::optional<std::string> api_key;                 ///< "" = explicitly no key.
    /// The name of the environment variable that holds the API key (read through the
    /// Environment; unset is an error). Excludes `api_key` in one section.
    std::optional<std::string> api_key_env;
    std::optional<http::Duration> timeout;              ///< Total per request; zero = off.
    std::optional<http::Duration> connect_timeout;
    std::optional<http::Duration> first_byte_timeout;
    std::optional<http::Duration> idle_timeout;
    std::optional<http::Duration> model_cache_ttl;      ///< How long a model list is trusted.
    std::optional<int> max_retries;                     ///< 0..100.
    /// Requests (and open streams) in flight at once, 1..10000
    /// (http::ConcurrencyOptions::max_in_flight).
    std::optional<int> max_in_flight;
    std::optional<bool> include_usage;
    std::optional<std::string> ca_file;
    std::optional<bool> verify_tls;
    /// The host policy (http::HostPolicy): which hosts the provider may reach.
    std::optional<std::vector<std::string>> allow_hosts;
    std::optional<bool> deny_link_local;
    std::optional<bool> deny_private;
    /// Extra request headers. Names match case-insensitively across sources.
    std::map<std::string, std::string> headers;

    /// Reads a provider section: {"base_url": "...", "timeout_s": 30, "headers": {...}}
    /// (keys in docs/configuration.md). Throws InvalidRequestError naming the key for unknown
    /// keys, wrong types and out-of-range values.
    static ProviderSettings from_json(boost::json::object const& section);
};

/// The JSON file named by LLMIO_CONFIG:
///     {"default_provider": "lmstudio",
///      "providers": {"lmstudio": {"base_url": "http://box:1234", "timeout_s": 600},
///                    "ws": {"kind": "lmstudio", "base_url": "http://ws:1234"}, ...},
///      "routes": {"coder": {"targets": [{"providers": ["ws", "lmstudio"], "model": "qwen3"}]}},
///      "router": {"failures_to_open": 2}}
/// Comments and trailing commas are allowed. Validated completely when loaded: unknown keys,
/// wrong types, and routes naming providers the file does not define are errors.
class ConfigFile {
public:
    /// At most this many bytes are read.
    static constexpr std::size_t kMaxBytes = 1024 * 1024;

    /// Parses `text`; `name` (usually the path) names the file in messages. Throws
    /// InvalidRequestError naming the file and, for malformed JSON, the line, column and byte
    /// offset of the error.
    static ConfigFile parse(std::string_view text, std::string name);
    /// Reads and parses a file. Throws InvalidRequestError when it cannot be read.
    static ConfigFile load(std::string const& path);
    /// The file LLMIO_CONFIG names; nullopt when LLMIO_CONFIG is unset. A named file that is
    /// missing or unreadable is an error, not "no file".
    static std::optional<ConfigFile> from_environment(Environment const& env);

    std::string const& name() const noexcept { return name_; }
    /// "" when the file does not set it.
    std::string const& default_provider() const noexcept { return default_provider_; }
    /// Sorted.
    std::vector<std::string> provider_names() const;
    /// The section `providers.<name>`, or nullptr.
    ProviderSettings const* provider(std::string_view name) const;
    /// The "routes" section: route name -> its targets (each naming providers of this file).
    std::map<std::string, Route> const& routes() const noexcept { return routes_; }
    /// The "router" section; all unset when the file has none.
    RouterSettings const& router() const noexcept { return router_; }

private:
    std::string name_;
    std::string default_provider_;
    std::map<std::string, ProviderSettings, std::less<>> providers_;
    std::map<std::string, Route> routes_;
    RouterSettings router_;
};

struct ResolvedHeader {
    std::string name;
    std::string value;
    SettingSource source = SettingSource::default_value;
    std::string origin;
};

/// The effective settings of one provider.
struct ResolvedSettings {
    std::string provider; ///< The instance's name.
    /// "lmstudio", "ollama", "openai", or "" for a provider of no known kind.
    Setting<std::string> kind;
    /// As given (validated, not normalised). From OLLAMA_HOST it is the raw variable (origin
    /// "env OLLAMA_HOST"), which the Ollama provider parses its own way.
    Setting<std::string> base_url;
    Setting<std::string> api_key; ///< "" = no key.
    Setting<http::Duration> timeout;
    Setting<http::Duration> connect_timeout;
    Setting<http::Duration> first_byte_timeout;
    Setting<http::Duration> idle_timeout;
    Setting<http::Duration> model_cache_ttl;
    Setting<int> max_retries;
    Setting<int> max_in_flight;
    Setting<bool> include_usage;
    Setting<std::string> ca_file;
    Setting<bool> verify_tls;
    Setting<std::vector<std::string>> allow_hosts;
    Setting<bool> deny_link_local;
    Setting<bool> deny_private;
    std::vector<ResolvedHeader> headers; ///< Sorted by name, case-insensitively.

    /// The four stage timeouts.
    http::Timeouts timeouts() const;
    /// RetryPolicy{} with `max_retries`.
    RetryPolicy retry_policy() const;
    http::TlsOptions tls() const;
    http::HostPolicy host_policy() const;
    /// One line per setting, "  key = value  (origin)", secrets redacted.
    std::string describe() const;
};

/// The cascade for the provider instance `provider` (its name; the file's section
/// `providers.<provider>`). Its kind is the explicit one, else the file section's, else the
/// name when that is a kind ("openai", "lmstudio", "ollama"). The kind sets the default base
/// URL; the kind's own variables (OPENAI_*, LMSTUDIO_*, OLLAMA_*) apply only to the instance
/// named like its kind, so that two LM Studio servers do not both take LMSTUDIO_BASE_URL. A
/// provider of no kind gets only the LLMIO_* variables and no default base URL. `file` may be
/// null.
ResolvedSettings resolve_settings(std::string_view provider,
                                  ProviderSettings const& explicit_settings,
                                  Environment const& env, ConfigFile const* file);

/// "sk-…(redacted)": at most the first 3 characters of a secret of 12 or more, "…(redacted)"
/// for a shorter one, "(none)" for an empty one.
std::string redact_secret(std::string_view secret);

/// One environment variable llmio reads.
struct EnvironmentVariable {
    std::string_view name;
    std::string_view provider; ///< "" = every provider.
    std::string_view setting;  ///< The config key it sets, e.g. "api_key", "headers.OpenAI-Project".
};

/// Every variable llmio reads, provider-specific ones before the LLMIO_* ones; earlier entries
/// win over later ones for the same setting.
std::span<EnvironmentVariable const> environment_variables() noexcept;

/// Every key of a config-file provider section.
std::span<std::string_view const> provider_setting_keys() noexcept;

/// The provider kinds a "kind" may name: "lmstudio", "ollama", "openai".
std::span<std::string_view const> provider_kinds() noexcept;

} // namespace llmio

#endif // LLMIO_CONFIG_HPP

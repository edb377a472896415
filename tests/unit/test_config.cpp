// The settings cascade: explicit > environment > config file > defaults, with sources,
// validation messages, redaction, and docs/configuration.md kept in step with the code.

#include <llmio/config.hpp>
#include <llmio/error.hpp>
#include <llmio/http/endpoint.hpp>
#include <llmio/model_cache.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>

using llmio::ConfigFile;
using llmio::Environment;
using llmio::ProviderSettings;
using llmio::SettingSource;
using llmio::resolve_settings;
using namespace std::chrono_literals;

namespace {

template <class F>
std::string error_text(F&& f)
{
    try {
        f();
    } catch (llmio::InvalidRequestError const& e) {
        return e.what();
    } catch (std::exception const& e) {
        return std::string("wrong type: ") + e.what();
    }
    return "no exception";
}

std::string read_text(std::filesystem::path const& path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A file in the temporary directory, removed at the end of the test.
struct TempFile {
    explicit TempFile(std::string const& content)
    {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               ("llmio_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + ".json");
        std::ofstream(path, std::ios::binary) << content;
    }
    ~TempFile() { std::filesystem::remove(path); }
    std::filesystem::path path;
};

ConfigFile sample_file()
{
    return ConfigFile::parse(R"({
        // comments and trailing commas are allowed
        "default_provider": "lmstudio",
        "providers": {
            "openai": {"base_url": "https://file.example/v1", "api_key": "sk-file-0123456789",
                       "timeout_s": 90, "connect_timeout_s": 3.5, "max_retries": 4,
                       "include_usage": false, "ca_file": "/etc/ssl/file.pem", "verify_tls": false,
                       "first_byte_timeout_s": 30, "idle_timeout_s": 15,
                       "headers": {"X-From-File": "file", "OpenAI-Project": "proj_file"}},
            "lmstudio": {"timeout_s": 600,},
        },
    })",
                             "/etc/llmio.json");
}

} // namespace

TEST_CASE("Defaults when nothing is set", "[config]")
{
    auto const env = Environment::from_map({});
    auto const openai = resolve_settings("openai", {}, env, nullptr);
    CHECK(openai.provider == "openai");
    CHECK(openai.base_url.value == "https://api.openai.com/v1");
    CHECK(openai.base_url.source == SettingSource::default_value);
    CHECK(openai.base_url.origin == "default");
    CHECK(openai.api_key.value.empty());
    CHECK(openai.timeout.value == llmio::http::Duration::zero());
    CHECK(openai.connect_timeout.value == 10s);
    CHECK(openai.first_byte_timeout.value == 10min);
    CHECK(openai.idle_timeout.value == 2min);
    CHECK(openai.model_cache_ttl.value == 5min);
    CHECK(openai.model_cache_ttl.value == (llmio::ModelCache::Options{}.ttl));
    CHECK(openai.max_retries.value == 2);
    CHECK(openai.include_usage.value);
    CHECK(openai.ca_file.value.empty());
    CHECK(openai.verify_tls.value);
    CHECK(openai.headers.empty());

    CHECK(resolve_settings("lmstudio", {}, env, nullptr).base_url.value == "http://127.0.0.1:1234");
    CHECK(resolve_settings("ollama", {}, env, nullptr).base_url.value == "http://127.0.0.1:11434");
    CHECK(resolve_settings("vllm", {}, env, nullptr).base_url.value.empty());

    // The conversions match the library's own defaults.
    auto const timeouts = openai.timeouts();
    llmio::http::Timeouts const library;
    CHECK(timeouts.connect == library.connect);
    CHECK(timeouts.first_byte == library.first_byte);
    CHECK(timeouts.idle == library.idle);
    CHECK(timeouts.total == library.total);
    CHECK(openai.retry_policy().max_retries == llmio::RetryPolicy{}.max_retries);
    CHECK(openai.retry_policy().initial_backoff == llmio::RetryPolicy{}.initial_backoff);
    CHECK(openai.tls().verify_peer);
    CHECK(openai.tls().ca_file.empty());
}

TEST_CASE("The file overrides defaults, the environment the file, explicit options everything",
          "[config]")
{
    auto const file = sample_file();
    CHECK(file.name() == "/etc/llmio.json");
    CHECK(file.default_provider() == "lmstudio");
    CHECK(file.provider_names() == std::vector<std::string>{"lmstudio", "openai"});
    CHECK(file.provider("ollama") == nullptr);

    // File only.
    auto const none = Environment::from_map({});
    auto s = resolve_settings("openai", {}, none, &file);
    std::string const where = "file \"/etc/llmio.json\": providers.openai.";
    CHECK(s.base_url.value == "https://file.example/v1");
    CHECK(s.base_url.source == SettingSource::config_file);
    CHECK(s.base_url.origin == where + "base_url");
    CHECK(s.api_key.value == "sk-file-0123456789");
    CHECK(s.api_key.origin == where + "api_key");
    CHECK(s.timeout.value == 90s);
    CHECK(s.connect_timeout.value == 3500ms);
    CHECK(s.connect_timeout.origin == where + "connect_timeout_s");
    CHECK(s.first_byte_timeout.value == 30s);
    CHECK(s.idle_timeout.value == 15s);
    CHECK(s.max_retries.value == 4);
    CHECK_FALSE(s.include_usage.value);
    CHECK(s.include_usage.source == SettingSource::config_file);
    CHECK(s.ca_file.value == "/etc/ssl/file.pem");
    CHECK_FALSE(s.verify_tls.value);
    REQUIRE(s.headers.size() == 2);
    CHECK(s.headers[0].name == "OpenAI-Project");
    CHECK(s.headers[0].value == "proj_file");
    CHECK(s.headers[0].origin == where + "headers.OpenAI-Project");
    CHECK(s.headers[1].name == "X-From-File");

    // The environment wins over the file.
    auto const env = Environment::from_map({
        {"OPENAI_BASE_URL", "https://env.example/v1"},
        {"OPENAI_API_KEY", "sk-env-0123456789"},
        {"OPENAI_PROJECT_ID", "proj_env"},
        {"OPENAI_ORG_ID", "org_env"},
        {"LLMIO_TIMEOUT", "120"},
        {"LLMIO_CONNECT_TIMEOUT", "0.25"},
        {"LLMIO_MAX_RETRIES", "0"},
        {"LLMIO_CA_FILE", "/env/ca.pem"},
    });
    s = resolve_settings("openai", {}, env, &file);
    CHECK(s.base_url.value == "https://env.example/v1");
    CHECK(s.base_url.source == SettingSource::environment);
    CHECK(s.base_url.origin == "env OPENAI_BASE_URL");
    CHECK(s.api_key.value == "sk-env-0123456789");
    CHECK(s.api_key.origin == "env OPENAI_API_KEY");
    CHECK(s.timeout.value == 120s);
    CHECK(s.timeout.origin == "env LLMIO_TIMEOUT");
    CHECK(s.connect_timeout.value == 250ms);
    CHECK(s.max_retries.value == 0);
    CHECK(s.max_retries.origin == "env LLMIO_MAX_RETRIES");
    CHECK(s.ca_file.value == "/env/ca.pem");
    CHECK_FALSE(s.verify_tls.value); // no variable: still from the file
    CHECK(s.first_byte_timeout.value == 30s);
    REQUIRE(s.headers.size() == 3);
    CHECK(s.headers[0].name == "OpenAI-Organization");
    CHECK(s.headers[0].value == "org_env");
    CHECK(s.headers[0].origin == "env OPENAI_ORG_ID");
    CHECK(s.headers[1].name == "OpenAI-Project");
    CHECK(s.headers[1].value == "proj_env");
    CHECK(s.headers[1].source == SettingSource::environment);
    CHECK(s.headers[2].name == "X-From-File");

    // Explicit options win over everything.
    ProviderSettings given;
    given.base_url = "http://explicit:8000/v1";
    given.api_key = "";
    given.timeout = 5s;
    given.max_retries = 7;
    given.include_usage = true;
    given.verify_tls = true;
    given.headers["openai-project"] = "proj_explicit";
    s = resolve_settings("openai", given, env, &file);
    CHECK(s.base_url.value == "http://explicit:8000/v1");
    CHECK(s.base_url.source == SettingSource::explicit_option);
    CHECK(s.base_url.origin == "explicit");
    CHECK(s.api_key.value.empty()); // explicitly no key, despite OPENAI_API_KEY
    CHECK(s.api_key.source == SettingSource::explicit_option);
    CHECK(s.timeout.value == 5s);
    CHECK(s.max_retries.value == 7);
    CHECK(s.include_usage.value);
    CHECK(s.verify_tls.value);
    CHECK(s.connect_timeout.value == 250ms); // not given: from the environment
    REQUIRE(s.headers.size() == 3);
    CHECK(s.headers[1].name == "openai-project"); // one header per name, case-insensitively
    CHECK(s.headers[1].value == "proj_explicit");
    CHECK(s.headers[1].source == SettingSource::explicit_option);

    // The conversions carry the resolved values.
    auto const t = s.timeouts();
    CHECK(t.total == 5s);
    CHECK(t.connect == 250ms);
    CHECK(t.first_byte == 30s);
    CHECK(t.idle == 15s);
    CHECK(s.retry_policy().max_retries == 7);
    CHECK(s.tls().ca_file == "/env/ca.pem");
    CHECK(s.tls().verify_peer);
}

TEST_CASE("Provider-specific variables come before LLMIO_* and in a fixed order", "[config]")
{
    auto const env = Environment::from_map({
        {"LMSTUDIO_BASE_URL", "http://studio:1234"},
        {"LMSTUDIO_ENDPOINT", "http://endpoint:1234"},
        {"LM_API_TOKEN", "sk-lm-abcdefgh:01234567890123456789"},
        {"LMSTUDIO_API_TOKEN", "sk-lm-zzzzzzzz:zzzzzzzzzzzzzzzzzzzz"},
        {"LMSTUDIO_TIMEOUT", "300"},
        {"LLMIO_TIMEOUT", "30"},
        {"OPENAI_API_KEY", "sk-not-for-lmstudio"},
    });
    auto s = resolve_settings("lmstudio", {}, env, nullptr);
    CHECK(s.base_url.value == "http://studio:1234");
    CHECK(s.api_key.value == "sk-lm-abcdefgh:01234567890123456789");
    CHECK(s.api_key.origin == "env LM_API_TOKEN");
    CHECK(s.timeout.value == 300s);
    CHECK(s.timeout.origin == "env LMSTUDIO_TIMEOUT");

    auto const fallback = Environment::from_map({
        {"LMSTUDIO_ENDPOINT", "http://endpoint:1234"},
        {"LMSTUDIO_API_TOKEN", "sk-lm-zzzzzzzz:zzzzzzzzzzzzzzzzzzzz"},
        {"LLMIO_TIMEOUT", "30"},
    });
    s = resolve_settings("lmstudio", {}, fallback, nullptr);
    CHECK(s.base_url.value == "http://endpoint:1234");
    CHECK(s.base_url.origin == "env LMSTUDIO_ENDPOINT");
    CHECK(s.api_key.origin == "env LMSTUDIO_API_TOKEN");
    CHECK(s.timeout.value == 30s);
    CHECK(s.timeout.origin == "env LLMIO_TIMEOUT");

    // Other providers' variables never apply; LLMIO_* apply to every provider.
    s = resolve_settings("ollama", {}, env, nullptr);
    CHECK(s.base_url.value == "http://127.0.0.1:11434");
    CHECK(s.api_key.value.empty());
    CHECK(s.timeout.value == 30s);
    s = resolve_settings("vllm", {}, env, nullptr);
    CHECK(s.timeout.value == 30s);
    CHECK(s.headers.empty());
}

TEST_CASE("OLLAMA_HOST is recorded as written for the Ollama provider to parse", "[config]")
{
    auto const env = Environment::from_map({
        {"OLLAMA_HOST", "  \"0.0.0.0\"  "},
        {"OLLAMA_API_KEY", "ollama-key-0123456789"},
    });
    auto const s = resolve_settings("ollama", {}, env, nullptr);
    CHECK(s.base_url.value == "\"0.0.0.0\""); // trimmed of spaces only; quotes are Ollama's
    CHECK(s.base_url.origin == "env OLLAMA_HOST");
    CHECK(s.api_key.value == "ollama-key-0123456789");
    CHECK(s.api_key.origin == "env OLLAMA_API_KEY");
}

TEST_CASE("Empty and blank variables count as unset, and values are trimmed", "[config]")
{
    auto const env = Environment::from_map({
        {"OPENAI_API_KEY", ""},
        {"OPENAI_BASE_URL", "   "},
        {"LLMIO_TIMEOUT", " 12 \n"},
    });
    CHECK_FALSE(env.get("OPENAI_API_KEY").has_value());
    CHECK_FALSE(env.get("OPENAI_BASE_URL").has_value());
    CHECK(env.get("LLMIO_TIMEOUT") == std::optional<std::string>("12"));
    auto const s = resolve_settings("openai", {}, env, nullptr);
    CHECK(s.api_key.source == SettingSource::default_value);
    CHECK(s.base_url.value == "https://api.openai.com/v1");
    CHECK(s.timeout.value == 12s);
}

TEST_CASE("The default Environment reads the process environment", "[config]")
{
    ::setenv("LLMIO_TEST_ONLY_VARIABLE", "  from the process ", 1);
    CHECK(Environment().get("LLMIO_TEST_ONLY_VARIABLE") == std::optional<std::string>("from the process"));
    ::unsetenv("LLMIO_TEST_ONLY_VARIABLE");
    CHECK_FALSE(Environment().get("LLMIO_TEST_ONLY_VARIABLE").has_value());
    CHECK(error_text([] { Environment(Environment::Lookup{}); }) ==
          "invalid request (Environment needs a lookup function)");
}

TEST_CASE("Invalid variables are errors naming the variable", "[config]")
{
    auto const resolve = [](std::string provider, std::string name, std::string value) {
        return error_text([&] {
            resolve_settings(provider, {}, Environment::from_map({{name, value}}), nullptr);
        });
    };
    std::string const seconds = "invalid request (LLMIO_TIMEOUT must be a number of seconds from 0 to 1000000, not ";
    CHECK(resolve("openai", "LLMIO_TIMEOUT", "abc") == seconds + "\"abc\")");
    CHECK(resolve("openai", "LLMIO_TIMEOUT", "30s") == seconds + "\"30s\")");
    CHECK(resolve("openai", "LLMIO_TIMEOUT", "-1") == seconds + "\"-1\")");
    CHECK(resolve("openai", "LLMIO_TIMEOUT", "inf") == seconds + "\"inf\")");
    CHECK(resolve("openai", "LLMIO_TIMEOUT", "nan") == seconds + "\"nan\")");
    CHECK(resolve("openai", "LLMIO_TIMEOUT", "1000001") == seconds + "\"1000001\")");
    CHECK(resolve("openai", "LLMIO_TIMEOUT", "1e400") == seconds + "\"1e400\")");
    CHECK(resolve("ollama", "LLMIO_MODEL_CACHE_TTL", "-5") ==
          "invalid request (LLMIO_MODEL_CACHE_TTL must be a number of seconds from 0 to 1000000, not \"-5\")");
    CHECK(resolve("lmstudio", "LMSTUDIO_TIMEOUT", "ten") ==
          "invalid request (LMSTUDIO_TIMEOUT must be a number of seconds from 0 to 1000000, not \"ten\")");
    CHECK(resolve("openai", "LLMIO_CONNECT_TIMEOUT", "1\x1b[31m") ==
          "invalid request (LLMIO_CONNECT_TIMEOUT must be a number of seconds from 0 to 1000000, "
          "not \"1\\x1B[31m\")");
    CHECK(resolve("openai", "LLMIO_MAX_RETRIES", "2.5") ==
          "invalid request (LLMIO_MAX_RETRIES must be an integer from 0 to 100, not \"2.5\")");
    CHECK(resolve("openai", "LLMIO_MAX_RETRIES", "101") ==
          "invalid request (LLMIO_MAX_RETRIES must be an integer from 0 to 100, not \"101\")");
    // Limits themselves are accepted.
    auto const edge = resolve_settings(
        "openai", {},
        Environment::from_map({{"LLMIO_TIMEOUT", "1000000"}, {"LLMIO_MAX_RETRIES", "100"},
                               {"LLMIO_CONNECT_TIMEOUT", "0"}}),
        nullptr);
    CHECK(edge.timeout.value == 1000000s);
    CHECK(edge.max_retries.value == 100);
    CHECK(edge.connect_timeout.value == llmio::http::Duration::zero());

    // Base URLs are checked with http::Endpoint, whose explanation is kept.
    std::string why;
    REQUIRE_FALSE(llmio::http::Endpoint::try_parse("ftp://host", &why));
    try {
        resolve_settings("openai", {}, Environment::from_map({{"OPENAI_BASE_URL", "ftp://host"}}), nullptr);
        FAIL("no exception");
    } catch (llmio::InvalidRequestError const& e) {
        CHECK(e.error() == llmio::errc::invalid_endpoint);
        CHECK(std::string(e.what()) ==
              "invalid endpoint (OPENAI_BASE_URL is not a usable base URL: " + why + ")");
    }
    CHECK(resolve("lmstudio", "LMSTUDIO_ENDPOINT", "http://host:99999") ==
          "invalid endpoint (LMSTUDIO_ENDPOINT is not a usable base URL: " +
              [] {
                  std::string w;
                  llmio::http::Endpoint::try_parse("http://host:99999", &w);
                  return w;
              }() +
              ")");
}

TEST_CASE("Secrets never appear in error messages", "[config]")
{
    auto const text = error_text([] {
        resolve_settings("openai", {}, Environment::from_map({{"OPENAI_API_KEY", "sk-secret\r\nX: y"}}),
                         nullptr);
    });
    CHECK(text == "invalid request (OPENAI_API_KEY contains a control character at byte 9)");
    CHECK(text.find("sk-secret") == std::string::npos);

    auto const header = error_text([] {
        ProviderSettings given;
        given.headers["Authorization"] = "Bearer sk-secret\nInjected: 1";
        resolve_settings("openai", given, Environment::from_map({}), nullptr);
    });
    CHECK(header ==
          "invalid request (the value of header Authorization in explicit headers contains a "
          "control character at byte 16)");

    auto const file = error_text([] {
        ConfigFile::parse(R"({"providers": {"openai": {"api_key": ["sk-secret"]}}})", "/c.json");
    });
    CHECK(file == "invalid request (config file \"/c.json\": providers.openai.api_key must be a string)");
    CHECK(file.find("sk-secret") == std::string::npos);
}

TEST_CASE("Explicit options are validated too", "[config]")
{
    auto const env = Environment::from_map({});
    auto const resolve = [&](ProviderSettings const& given) {
        return error_text([&] { resolve_settings("openai", given, env, nullptr); });
    };
    ProviderSettings negative;
    negative.timeout = -1s;
    CHECK(resolve(negative) ==
          "invalid request (explicit timeout_s must be a number of seconds from 0 to 1000000)");
    ProviderSettings huge;
    huge.idle_timeout = 1000001s;
    CHECK(resolve(huge) ==
          "invalid request (explicit idle_timeout_s must be a number of seconds from 0 to 1000000)");
    ProviderSettings retries;
    retries.max_retries = -1;
    CHECK(resolve(retries) == "invalid request (explicit max_retries must be an integer from 0 to 100, not -1)");
    ProviderSettings header;
    header.headers["Bad Name"] = "x";
    CHECK(resolve(header) ==
          "invalid request (header name \"Bad Name\" in explicit headers is not a valid HTTP header name)");
    ProviderSettings url;
    url.base_url = "http://user:pw@host";
    auto const url_error = resolve(url);
    CHECK(url_error.starts_with("invalid endpoint (explicit base_url is not a usable base URL: "));
    CHECK(url_error.find("pw") == std::string::npos);
}

TEST_CASE("describe() shows every value with its origin and redacts secrets", "[config]")
{
    auto const file = sample_file();
    auto const env = Environment::from_map({
        {"OPENAI_API_KEY", "sk-proj-abcdefghijklmnopqrstuvwxyz"},
        {"OPENAI_ORG_ID", "org-42"},
        {"LLMIO_CONNECT_TIMEOUT", "2.5"},
    });
    ProviderSettings given;
    given.max_retries = 1;
    given.headers["X-Api-Key"] = "very-secret-value-123";
    given.headers["X-Short-Token"] = "short";
    auto const s = resolve_settings("openai", given, env, &file);
    CHECK(s.describe() ==
          "provider openai\n"
          "  kind = openai  (default)\n"
          "  base_url = https://file.example/v1  (file \"/etc/llmio.json\": providers.openai.base_url)\n"
          "  api_key = sk-…(redacted)  (env OPENAI_API_KEY)\n"
          "  timeout_s = 90  (file \"/etc/llmio.json\": providers.openai.timeout_s)\n"
          "  connect_timeout_s = 2.5  (env LLMIO_CONNECT_TIMEOUT)\n"
          "  first_byte_timeout_s = 30  (file \"/etc/llmio.json\": providers.openai.first_byte_timeout_s)\n"
          "  idle_timeout_s = 15  (file \"/etc/llmio.json\": providers.openai.idle_timeout_s)\n"
          "  model_cache_ttl_s = 300  (default)\n"
          "  max_retries = 1  (explicit)\n"
          "  max_in_flight = 64  (default)\n"
          "  include_usage = false  (file \"/etc/llmio.json\": providers.openai.include_usage)\n"
          "  ca_file = /etc/ssl/file.pem  (file \"/etc/llmio.json\": providers.openai.ca_file)\n"
          "  verify_tls = false  (file \"/etc/llmio.json\": providers.openai.verify_tls)\n"
          "  allow_hosts = (any)  (default)\n"
          "  deny_link_local = true  (default)\n"
          "  deny_private = false  (default)\n"
          "  headers.OpenAI-Organization = org-42  (env OPENAI_ORG_ID)\n"
          "  headers.OpenAI-Project = proj_file  (file \"/etc/llmio.json\": providers.openai.headers.OpenAI-Project)\n"
          "  headers.X-Api-Key = ver…(redacted)  (explicit)\n"
          "  headers.X-From-File = file  (file \"/etc/llmio.json\": providers.openai.headers.X-From-File)\n"
          "  headers.X-Short-Token = …(redacted)  (explicit)\n");

    auto const defaults = resolve_settings("vllm", {}, Environment::from_map({}), nullptr);
    CHECK(defaults.describe() ==
          "provider vllm\n"
          "  kind = (none)  (default)\n"
          "  base_url = (none)  (default)\n"
          "  api_key = (none)  (default)\n"
          "  timeout_s = 0 (off)  (default)\n"
          "  connect_timeout_s = 10  (default)\n"
          "  first_byte_timeout_s = 600  (default)\n"
          "  idle_timeout_s = 120  (default)\n"
          "  model_cache_ttl_s = 300  (default)\n"
          "  max_retries = 2  (default)\n"
          "  max_in_flight = 64  (default)\n"
          "  include_usage = true  (default)\n"
          "  ca_file = (none)  (default)\n"
          "  verify_tls = true  (default)\n"
          "  allow_hosts = (any)  (default)\n"
          "  deny_link_local = true  (default)\n"
          "  deny_private = false  (default)\n");

    // OLLAMA_HOST is not validated; credentials in it are still never shown.
    auto const ollama = resolve_settings(
        "ollama", {}, Environment::from_map({{"OLLAMA_HOST", "http://admin:hunter2@box:11434/x"}}),
        nullptr);
    auto const text = ollama.describe();
    CHECK(text.find("  base_url = http://…(redacted)@box:11434/x  (env OLLAMA_HOST)\n") != std::string::npos);
    CHECK(text.find("hunter2") == std::string::npos);
}

TEST_CASE("redact_secret keeps at most a short prefix", "[config]")
{
    CHECK(llmio::redact_secret("") == "(none)");
    CHECK(llmio::redact_secret("lm-studio") == "…(redacted)");
    CHECK(llmio::redact_secret("sk-abcdefghijkl") == "sk-…(redacted)");
    CHECK(llmio::to_string(SettingSource::explicit_option) == "explicit");
    CHECK(llmio::to_string(SettingSource::environment) == "env");
    CHECK(llmio::to_string(SettingSource::config_file) == "file");
    CHECK(llmio::to_string(SettingSource::default_value) == "default");
}

TEST_CASE("ProviderSettings::from_json reads a provider section", "[config]")
{
    auto const settings = ProviderSettings::from_json(boost::json::parse(R"({
        "base_url": "http://box:1234/v1", "api_key": "k", "timeout_s": 2.5, "connect_timeout_s": 0,
        "max_retries": 3, "include_usage": true, "verify_tls": false, "ca_file": "/ca.pem",
        "headers": {"X-A": "a"}})").as_object());
    CHECK(settings.base_url == std::optional<std::string>("http://box:1234/v1"));
    CHECK(settings.api_key == std::optional<std::string>("k"));
    CHECK(settings.timeout == std::optional<llmio::http::Duration>(2500ms));
    CHECK(settings.connect_timeout == std::optional<llmio::http::Duration>(0s));
    CHECK_FALSE(settings.first_byte_timeout.has_value());
    CHECK(settings.max_retries == std::optional<int>(3));
    CHECK(settings.include_usage == std::optional<bool>(true));
    CHECK(settings.verify_tls == std::optional<bool>(false));
    CHECK(settings.ca_file == std::optional<std::string>("/ca.pem"));
    CHECK(settings.headers == std::map<std::string, std::string>{{"X-A", "a"}});

    auto const error = [](char const* json) {
        return error_text([&] { ProviderSettings::from_json(boost::json::parse(json).as_object()); });
    };
    CHECK(error(R"({"timout_s": 1})") ==
          "invalid request (unknown key \"timout_s\" (known keys: kind, base_url, api_key, api_key_env, timeout_s, "
          "connect_timeout_s, first_byte_timeout_s, idle_timeout_s, model_cache_ttl_s, max_retries, max_in_flight, "
          "include_usage, ca_file, verify_tls, allow_hosts, deny_link_local, deny_private, headers))");
    CHECK(error(R"({"timeout_s": "30"})") ==
          "invalid request (timeout_s must be a number of seconds from 0 to 1000000, not \"30\")");
    CHECK(error(R"({"idle_timeout_s": -2})") ==
          "invalid request (idle_timeout_s must be a number of seconds from 0 to 1000000, not -2)");
    CHECK(error(R"({"max_retries": 2.5})") ==
          "invalid request (max_retries must be an integer from 0 to 100, not 2.5)");
    CHECK(error(R"({"max_retries": 101})") ==
          "invalid request (max_retries must be an integer from 0 to 100, not 101)");
    CHECK(error(R"({"verify_tls": "no"})") ==
          "invalid request (verify_tls must be true or false, not \"no\")");
    CHECK(error(R"({"headers": ["X-A"]})") == "invalid request (headers must be an object of strings)");
    CHECK(error(R"({"headers": {"X-A": 1}})") == "invalid request (headers.X-A must be a string)");
    CHECK(error(R"({"headers": {"X:A": "1"}})") ==
          "invalid request (header name \"X:A\" in headers is not a valid HTTP header name)");
    CHECK(error(R"({"base_url": "http://"})").starts_with(
        "invalid endpoint (base_url is not a usable base URL: "));
    CHECK(error(R"({"ca_file": "/a\nb"})") == "invalid request (ca_file contains a control character at byte 2)");
}

TEST_CASE("ConfigFile reports malformed JSON with its position", "[config]")
{
    auto const parse = [](std::string const& text) {
        return error_text([&] { ConfigFile::parse(text, "/etc/llmio.json"); });
    };
    CHECK(parse("{\"providers\": {\n  \"openai\": {\"timeout_s\": 30,,}\n}}") ==
          "invalid request (config file \"/etc/llmio.json\": invalid JSON at line 2, column 30 "
          "(byte offset 45): syntax error)"); // the second comma
    CHECK(parse("{\"providers\": {") ==
          "invalid request (config file \"/etc/llmio.json\": invalid JSON at line 1, column 16 "
          "(byte offset 15): incomplete JSON)");
    CHECK(parse("{} {}") ==
          "invalid request (config file \"/etc/llmio.json\": invalid JSON at line 1, column 4 "
          "(byte offset 3): extra data)");
    CHECK(parse("") ==
          "invalid request (config file \"/etc/llmio.json\": invalid JSON at line 1, column 1 "
          "(byte offset 0): incomplete JSON)");
    CHECK(parse("[]") == "invalid request (config file \"/etc/llmio.json\": the top level must be a JSON object)");
    CHECK(parse(R"({"default": "x"})") ==
          "invalid request (config file \"/etc/llmio.json\": unknown key \"default\" at the top "
          "level (known keys: cache, default_provider, providers, routes, router, serve))");
    CHECK(parse(R"({"default_provider": 1})") ==
          "invalid request (config file \"/etc/llmio.json\": default_provider must be a string)");
    CHECK(parse(R"({"providers": 1})") ==
          "invalid request (config file \"/etc/llmio.json\": providers must be an object)");
    CHECK(parse(R"({"providers": {"open ai": {}}})") ==
          "invalid request (config file \"/etc/llmio.json\": provider name \"open ai\" is invalid: "
          "use 1 to 64 characters of A-Z a-z 0-9 . _ -)");
    CHECK(parse(R"({"providers": {"openai": []}})") ==
          "invalid request (config file \"/etc/llmio.json\": providers.openai must be an object)");
    CHECK(parse(R"({"providers": {"openai": {"timeout_s": "30"}}})") ==
          "invalid request (config file \"/etc/llmio.json\": providers.openai.timeout_s must be a "
          "number of seconds from 0 to 1000000, not \"30\")");
    CHECK(parse(R"({"providers": {"openai": {"retries": 3}}})").starts_with(
        "invalid request (config file \"/etc/llmio.json\": unknown key \"providers.openai.retries\" "
        "(known keys: kind, base_url, "));
}

TEST_CASE("LLMIO_CONFIG names the file, and a named file that cannot be read is an error", "[config]")
{
    CHECK_FALSE(ConfigFile::from_environment(Environment::from_map({})).has_value());
    CHECK_FALSE(ConfigFile::from_environment(Environment::from_map({{"LLMIO_CONFIG", " "}})).has_value());

    CHECK(error_text([] {
              ConfigFile::from_environment(
                  Environment::from_map({{"LLMIO_CONFIG", "/nonexistent/llmio.json"}}));
          }) == "invalid request (cannot read the config file \"/nonexistent/llmio.json\" named by "
                "LLMIO_CONFIG: No such file or directory)");
    auto const directory = std::filesystem::temp_directory_path().string();
    CHECK(error_text([&] { ConfigFile::load(directory); }) ==
          "invalid request (cannot read the config file \"" + directory + "\": Is a directory)");

    TempFile file(R"({"default_provider": "ollama", "providers": {"ollama": {"base_url": "http://gpu:11434"}}})");
    auto const loaded = ConfigFile::from_environment(Environment::from_map({{"LLMIO_CONFIG", file.path.string()}}));
    REQUIRE(loaded.has_value());
    CHECK(loaded->name() == file.path.string());
    CHECK(loaded->default_provider() == "ollama");
    auto const s = resolve_settings("ollama", {}, Environment::from_map({}), &*loaded);
    CHECK(s.base_url.value == "http://gpu:11434");
    CHECK(s.base_url.origin == "file \"" + file.path.string() + "\": providers.ollama.base_url");

    TempFile broken("{\n\"providers\": nope}");
    CHECK(error_text([&] { ConfigFile::load(broken.path.string()); }) ==
          "invalid request (config file \"" + broken.path.string() +
              "\": invalid JSON at line 2, column 14 (byte offset 15): syntax error)");

    TempFile large(std::string(ConfigFile::kMaxBytes + 1, ' '));
    CHECK(error_text([&] { ConfigFile::load(large.path.string()); }) ==
          "invalid request (the config file \"" + large.path.string() + "\" is larger than 1048576 bytes)");
    TempFile limit("{}" + std::string(ConfigFile::kMaxBytes - 2, ' '));
    CHECK(ConfigFile::load(limit.path.string()).provider_names().empty());
}

TEST_CASE("docs/configuration.md lists every variable and key the code knows", "[config]")
{
    auto const root = std::filesystem::path(LLMIO_TEST_DATA_DIR) / ".." / "..";
    auto const docs = read_text(root / "docs" / "configuration.md");
    auto const code = read_text(root / "src" / "config.cpp");

    std::set<std::string> listed;
    for (auto const& variable : llmio::environment_variables()) {
        listed.emplace(variable.name);
        INFO(variable.name);
        CHECK(docs.find("`" + std::string(variable.name) + "`") != std::string::npos);
    }
    CHECK(listed.size() == 17);
    for (auto const key : llmio::provider_setting_keys()) {
        INFO(key);
        CHECK(docs.find("| `" + std::string(key) + "` |") != std::string::npos);
    }

    // Every variable-like string literal in the resolver is in the public list (and so in the
    // docs): a variable cannot be read without being documented.
    std::regex const literal("\"([A-Z][A-Z0-9]*_[A-Z0-9_]+)\"");
    int found = 0;
    for (std::sregex_iterator it(code.begin(), code.end(), literal), end; it != end; ++it) {
        auto const name = (*it)[1].str();
        INFO(name);
        CHECK(listed.contains(name));
        ++found;
    }
    CHECK(found >= 16);
    // And the one config.cpp does not hold: the file reader's LLMIO_CONFIG.
    CHECK(read_text(root / "src" / "config_file.cpp").find("\"LLMIO_CONFIG\"") != std::string::npos);
}

TEST_CASE("the host policy keys: allow_hosts, deny_link_local and deny_private", "[config][host_policy]")
{
    auto const file = ConfigFile::parse(R"({"providers": {"ollama": {
        "allow_hosts": ["gpu-box.lan", "10.0.0.0/8"], "deny_link_local": false, "deny_private": true}}})",
                                        "hosts.json");
    ProviderSettings given;
    given.deny_private = false;
    auto const s = resolve_settings("ollama", given, Environment::from_map({}), &file);
    auto const policy = s.host_policy();
    CHECK(policy.allow_hosts == std::vector<std::string>{"gpu-box.lan", "10.0.0.0/8"});
    CHECK(policy.deny_link_local == false);
    CHECK(policy.deny_private == false); // explicit beats the file
    CHECK(s.allow_hosts.origin == "file \"hosts.json\": providers.ollama.allow_hosts");
    CHECK(s.describe().find("  allow_hosts = gpu-box.lan, 10.0.0.0/8  (file \"hosts.json\": "
                            "providers.ollama.allow_hosts)\n") != std::string::npos);
    CHECK(resolve_settings("ollama", {}, Environment::from_map({}), nullptr).host_policy().deny_link_local);

    auto const error = [](std::string_view text) {
        try {
            ConfigFile::parse(text, "bad.json");
        } catch (llmio::InvalidRequestError const& e) {
            CHECK(e.code() == llmio::errc::invalid_request);
            return std::string(e.info().detail);
        }
        return std::string("no error");
    };
    CHECK(error(R"({"providers": {"openai": {"allow_hosts": "box"}}})").ends_with(
        "providers.openai.allow_hosts must be an array of strings"));
    CHECK(error(R"({"providers": {"openai": {"allow_hosts": ["box", 7]}}})").ends_with(
        "providers.openai.allow_hosts[1] must be a string"));
    CHECK(error(R"({"providers": {"openai": {"allow_hosts": ["10.0.0.0/40"]}}})").ends_with(
        "providers.openai.allow_hosts: host policy: allow_hosts entry \"10.0.0.0/40\" has an invalid prefix "
        "length (0..32)"));
    CHECK(error(R"({"providers": {"openai": {"deny_private": "yes"}}})").find(
              "providers.openai.deny_private must be true or false") != std::string::npos);
}

TEST_CASE("config file: the serve section is checked, each mistake naming its key", "[config]")
{
    auto const parse = [](std::string_view text) {
        try {
            ConfigFile::parse(text, "serve.json");
        } catch (llmio::InvalidRequestError const& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(parse(R"({"serve": {"host": "0.0.0.0", "port": 0, "threads": 2, "drain_s": 2.5,
                              "limits": {"body_mb": 1, "header_kb": 8, "connections": 10,
                                         "connections_per_client": 2, "request_timeout_s": 5,
                                         "idle_timeout_s": 0.5}}})") == "no error");
    CHECK(parse(R"({"serve": []})") == "invalid request (config file \"serve.json\": serve must be an object)");
    CHECK(parse(R"({"serve": {"port": 70000}})") ==
          "invalid request (config file \"serve.json\": serve.port must be a whole number from 0 to 65535)");
    CHECK(parse(R"({"serve": {"threads": 0}})") ==
          "invalid request (config file \"serve.json\": serve.threads must be a whole number from 1 to 256)");
    CHECK(parse(R"({"serve": {"drain_s": -1}})") ==
          "invalid request (config file \"serve.json\": serve.drain_s must be a number of seconds from 0 to 86400)");
    CHECK(parse(R"({"serve": {"limits": {"idle_timeout_s": 0}}})") ==
          "invalid request (config file \"serve.json\": serve.limits.idle_timeout_s must be a number of seconds "
          "from 0.001 to 86400)");
    CHECK(parse(R"({"serve": {"limits": {"body_bytes": 1}}})") ==
          "invalid request (config file \"serve.json\": unknown key \"serve.limits.body_bytes\" (known keys: "
          "body_mb, header_kb, connections, connections_per_client, request_timeout_s, idle_timeout_s))");
    CHECK(parse(R"({"serve": {"hots": "x"}})") ==
          "invalid request (config file \"serve.json\": unknown key \"serve.hots\" (known keys: host, port, "
          "threads, drain_s, limits, cors_origins, api_keys_env, api_keys_file, rate_limits))");
}

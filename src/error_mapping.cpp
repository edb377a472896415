// map_http_error: status + headers + body → errc and ErrorInfo (the table is in the header).

#include <llmio/error_mapping.hpp>

#include "error_text.hpp"

#include <array>
#include <string>

namespace llmio {
namespace {

namespace et = detail::error_text;

// Every phrase (lower case) that marks a context-length error whatever the server, in one
// place; each is tested. Wordings of one server only are its provider's rules.
constexpr std::array<std::string_view, 6> kContextLengthPhrases = {
    "context length",                     // OpenAI/vLLM/Mistral "maximum context length", Ollama
                                          // "input length exceeds the context length", LM Studio
    "context_length_exceeded",            // the OpenAI code quoted inside a (proxy's) message
    "context window",                     // "exceeds the context window"
    "prompt is too long",                 // Anthropic-style servers
    "input is too long",                  // Bedrock-style proxies
    "too many tokens",                    // several proxies
};

constexpr std::array<std::string_view, 2> kContextLengthCodes = {
    "context_length_exceeded", // OpenAI code
    "exceed_context_size_error", // llama.cpp type (newer builds; b4747 sends invalid_request_error)
};

bool is_one_of(std::string_view value, std::string_view a, std::string_view b = {},
               std::string_view c = {})
{
    return !value.empty() && (value == a || value == b || value == c);
}

// "model 'x' not found", `model "x" not found`, "The model `x` does not exist" → x.
std::string quoted_model_name(std::string_view message)
{
    std::size_t const at = et::ifind(message, "model ");
    if (at == std::string_view::npos)
        return {};
    std::size_t const open = at + 6;
    if (open >= message.size())
        return {};
    char const quote = message[open];
    if (quote != '\'' && quote != '"' && quote != '`')
        return {};
    std::size_t const close = message.find(quote, open + 1);
    if (close == std::string_view::npos || close == open + 1 || close - open > 200)
        return {};
    return std::string(message.substr(open + 1, close - open - 1));
}

// A rule's hint with "{model}" replaced by the model the message quotes.
std::string expand_hint(std::string_view hint, std::string_view message)
{
    std::string out(hint);
    if (auto const at = out.find("{model}"); at != std::string::npos) {
        std::string const name = quoted_model_name(message);
        out.replace(at, 7, name.empty() ? std::string("<model>") : name);
    }
    return out;
}

std::string model_not_found_hint(ErrorRules const& rules, std::string_view message)
{
    if (!rules.model_not_found_hint.empty())
        return expand_hint(rules.model_not_found_hint, message);
    return "check the model name against the server's model list";
}

// The mapper's own hint for a code a rule named without a hint of its own.
std::string default_hint(errc code, ErrorRules const& rules, std::string_view message)
{
    if (code == errc::model_not_found)
        return model_not_found_hint(rules, message);
    if (code == errc::context_length_exceeded)
        return "shorten the prompt or lower max_tokens, or load the model with a larger context length";
    return {};
}

// Rules spell their fragments as the server does; the search wants them in lower case.
std::string lower(std::string_view text)
{
    std::string out(text);
    for (char& c : out)
        c = et::to_lower(c);
    return out;
}

struct Classified {
    errc code = errc::server_error;
    std::string hint;
    std::string detail;
    bool quota = false; // 429 insufficient_quota: the server will not accept more until billing
};

Classified classify_status(int status)
{
    if (status >= 200 && status < 300)
        return {errc::server_error, "", ""};
    if (status >= 300 && status < 400)
        return {errc::invalid_request, "check the base URL (the server answered with a redirect)",
                ""};
    if (status == 408 || status == 409)
        return {errc::server_error, "", ""};
    if (status == 413)
        return {errc::invalid_request,
                "the request body exceeds the server's (or a proxy's) size limit", ""};
    if (status == 404 || status == 405)
        return {errc::invalid_request, "check the base URL and route", ""};
    if (status >= 400 && status < 500)
        return {errc::invalid_request, "", ""};
    if (status == 503)
        return {errc::server_error, "the server is busy or starting; try again shortly", ""};
    return {errc::server_error, "", ""};
}

// llama.cpp's in-band errors carry the HTTP status they would have had as `code`.
int effective_status(int status, ErrorBody const& body)
{
    if (status < 200 || status >= 300 || body.code.size() != 3)
        return status;
    int code = 0;
    for (char c : body.code) {
        if (c < '0' || c > '9')
            return status;
        code = code * 10 + (c - '0');
    }
    return code >= 400 && code <= 599 ? code : status;
}

Classified classify(HttpErrorInput const& in, ErrorBody const& body)
{
    int const status = effective_status(in.status, body);
    std::string_view const type = body.type;
    std::string_view const code = body.code;

    if (status == 401 || status == 403 ||
        is_one_of(type, "authentication_error", "permission_error") || code == "invalid_api_key")
        return {errc::authentication_failed, "check the API key (Authorization: Bearer <key>)", ""};

    bool const quota = is_one_of(type, "insufficient_quota") || is_one_of(code, "insufficient_quota");
    if (status == 429 || quota || type == "rate_limit_error" || code == "rate_limit_exceeded") {
        if (quota)
            return {errc::rate_limited,
                    "quota exhausted: check your plan and billing details; retrying will not help",
                    "", true};
        return {errc::rate_limited, "", ""};
    }

    for (auto const& rule : in.rules.messages) {
        if ((rule.status == 0 || rule.status == status) &&
            et::icontains(body.message, lower(rule.fragment))) {
            std::string hint = rule.hint.empty() ? default_hint(rule.code, in.rules, body.message)
                                                 : expand_hint(rule.hint, body.message);
            return {rule.code, std::move(hint), ""};
        }
    }

    if (looks_like_context_length_error(body.message, code, type))
        return {errc::context_length_exceeded,
                default_hint(errc::context_length_exceeded, in.rules, body.message), ""};

    if (code == "model_not_found" ||
        (status < 500 && looks_like_model_not_found(body.message, code, type)))
        return {errc::model_not_found, model_not_found_hint(in.rules, body.message), ""};

    if (status == 501 || type == "not_supported_error")
        return {errc::unsupported, "", ""};

    if (status >= 500 && is_one_of(type, "invalid_request_error", "invalid_request"))
        return {errc::invalid_request, "",
                "the body's type " + std::string(type) + " outranks the status"};

    return classify_status(status);
}

} // namespace

bool looks_like_context_length_error(std::string_view message, std::string_view code,
                                     std::string_view type)
{
    for (auto c : kContextLengthCodes)
        if (code == c || type == c)
            return true;
    for (auto phrase : kContextLengthPhrases)
        if (et::icontains(message, phrase))
            return true;
    return false;
}

bool looks_like_model_not_found(std::string_view message, std::string_view code,
                                std::string_view /*type*/)
{
    if (code == "model_not_found")
        return true;
    std::size_t const model = et::ifind(message, "model");
    if (model == std::string_view::npos)
        return false;
    std::string_view const rest = message.substr(model);
    return et::icontains(rest, "not found") || et::icontains(rest, "does not exist") ||
           et::icontains(rest, "not loaded") || et::icontains(message, "unknown model");
}

MappedError map_http_error(HttpErrorInput const& in)
{
    ErrorBody body = parse_error_body(in.body);
    Classified c = classify(in, body);

    MappedError out{c.code, {}};
    ErrorInfo& info = out.info;
    info.provider = std::string(in.provider);
    info.http_status = in.status;
    info.server_message = std::move(body.message);
    info.server_type = std::move(body.type);
    info.server_code = std::move(body.code);
    info.request_id = et::bounded(et::trim(in.request_id), 256);
    set_raw_body(info, in.body);
    info.retry_after = parse_retry_after(in.retry_after, in.retry_after_ms, in.now);
    info.should_retry = parse_should_retry(in.should_retry);
    if (c.quota && !info.should_retry)
        info.should_retry = false;
    info.hint = std::move(c.hint);

    auto add_detail = [&c](std::string_view text) {
        if (!c.detail.empty())
            c.detail += "; ";
        c.detail += text;
    };
    if (in.status >= 200 && in.status < 300)
        add_detail("error reported inside an HTTP " + std::to_string(in.status) + " response");
    std::string_view const trimmed = et::trim(in.body);
    if (trimmed.empty())
        add_detail("empty error body");
    else if (!body.recognised && (trimmed.front() == '<' || et::icontains(in.content_type, "html")))
        add_detail("HTML error page (a proxy or another web server answered?)");
    info.detail = std::move(c.detail);
    return out;
}

void throw_http_error(HttpErrorInput const& in)
{
    MappedError mapped = map_http_error(in);
    throw_error(mapped.code, std::move(mapped.info));
}

std::exception_ptr make_http_error(HttpErrorInput const& in)
{
    MappedError mapped = map_http_error(in);
    return make_error(mapped.code, std::move(mapped.info));
}

} // namespace llmio

#include "config_checks.hpp"

#include "detail/message_text.hpp"

#include <llmio/config.hpp>
#include <llmio/error.hpp>
#include <llmio/http/endpoint.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string_view>

namespace llmio::detail::config {

std::optional<http::Duration> seconds(double value) noexcept
{
    if (!std::isfinite(value) || value < 0 || value > kMaxSeconds)
        return std::nullopt;
    return std::chrono::duration_cast<http::Duration>(std::chrono::duration<double>(value));
}

void bad_seconds(std::string_view name, std::string_view got)
{
    throw_error(errc::invalid_request,
                std::string(name) + " must be a number of seconds from 0 to 1000000" + std::string(got));
}

void bad_retries(std::string_view name, std::string_view got)
{
    throw_error(errc::invalid_request,
                std::string(name) + " must be an integer from 0 to " + std::to_string(kMaxRetries) +
                    std::string(got));
}

void check_duration(std::string_view name, http::Duration duration)
{
    if (duration < http::Duration::zero() ||
        std::chrono::duration<double>(duration).count() > kMaxSeconds)
        bad_seconds(name, "");
}

void check_retries(std::string_view name, int retries)
{
    if (retries < 0 || retries > kMaxRetries)
        bad_retries(name, ", not " + std::to_string(retries));
}

void bad_in_flight(std::string_view name, std::string_view got)
{
    throw_error(errc::invalid_request, std::string(name) + " must be an integer from 1 to " +
                                           std::to_string(kMaxInFlight) + std::string(got));
}

void check_in_flight(std::string_view name, int n)
{
    if (n < 1 || n > kMaxInFlight)
        bad_in_flight(name, ", not " + std::to_string(n));
}

bool known_kind(std::string_view kind) noexcept
{
    auto const kinds = provider_kinds();
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

void check_kind(std::string_view name, std::string_view kind)
{
    if (known_kind(kind))
        return;
    std::string list;
    for (auto const k : provider_kinds())
        list += (list.empty() ? "" : ", ") + std::string(k);
    throw_error(errc::invalid_request, std::string(name) + " must be one of " + list + ", not " +
                                           message_text::quoted(kind));
}

void check_variable_name(std::string_view name, std::string_view variable)
{
    auto const word = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    };
    if (variable.empty() || variable.size() > 128 || (variable[0] >= '0' && variable[0] <= '9') ||
        !std::all_of(variable.begin(), variable.end(), word))
        throw_error(errc::invalid_request,
                    std::string(name) +
                        " must name an environment variable (1 to 128 letters, digits and _, not "
                        "starting with a digit)");
}

void check_no_controls(std::string_view name, std::string_view value)
{
    auto const control = std::find_if(value.begin(), value.end(), [](char c) {
        auto const byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7F;
    });
    if (control != value.end())
        throw_error(errc::invalid_request,
                    std::string(name) + " contains a control character at byte " +
                        std::to_string(control - value.begin()));
}

namespace {

bool is_token_char(char c) noexcept
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

} // namespace

void check_header(std::string_view where, std::string_view header, std::string_view value)
{
    if (header.empty() || !std::all_of(header.begin(), header.end(), is_token_char))
        throw_error(errc::invalid_request, "header name " + message_text::quoted(header) + " in " +
                                               std::string(where) +
                                               " is not a valid HTTP header name");
    auto const control = std::find_if(value.begin(), value.end(), [](char c) {
        auto const byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && c != '\t') || byte == 0x7F;
    });
    if (control != value.end())
        throw_error(errc::invalid_request,
                    "the value of header " + std::string(header) + " in " + std::string(where) +
                        " contains a control character at byte " +
                        std::to_string(control - value.begin()));
}

void check_base_url(std::string_view name, std::string_view url)
{
    std::string why;
    if (!http::Endpoint::try_parse(url, &why))
        throw_error(errc::invalid_endpoint,
                    std::string(name) + " is not a usable base URL: " + why);
}

} // namespace llmio::detail::config

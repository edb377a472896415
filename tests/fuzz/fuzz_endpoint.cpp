// libFuzzer target for http::Endpoint.
//
// Properties: try_parse never crashes and agrees with parse; a failure explains itself without
// control characters; a success is internally consistent and its to_string() parses back to the
// same endpoint (equal once the API prefix is appended again).

#include <llmio/error.hpp>
#include <llmio/http/endpoint.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using llmio::http::Endpoint;

void require(bool condition)
{
    if (!condition)
        std::abort();
}

bool has_control(std::string_view text)
{
    for (char c : text) {
        auto const byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F)
            return true;
    }
    return false;
}

void check(std::string_view input, Endpoint::ParseOptions const& options)
{
    std::string why;
    auto const parsed = Endpoint::try_parse(input, options, &why);
    if (!parsed) {
        require(!why.empty());
        require(!has_control(why));
        try {
            (void)Endpoint::parse(input, options);
            std::abort();
        } catch (llmio::InvalidRequestError const& e) {
            require(e.code() == llmio::errc::invalid_endpoint);
            require(e.info().detail == why);
        }
        return;
    }

    Endpoint const& e = *parsed;
    require(e.scheme() == "http" || e.scheme() == "https");
    require(!e.host().empty() && !e.connect_host().empty());
    require(e.port() != 0);
    require(e.base_path().empty() || (e.base_path().front() == '/' && e.base_path().back() != '/'));
    require(e.api_prefix().empty() || e.api_prefix() == "/v1" || e.api_prefix() == "/api/v0" ||
            e.api_prefix() == "/api/v1");
    require(e.to_string() == e.origin() + e.base_path());
    require(!has_control(e.to_string()) && !has_control(e.host_header()));
    require(e.target("/v1/models") == e.base_path() + "/v1/models");
    require(Endpoint::parse(input, options) == e);

    // The normalised base is a fixed point.
    auto const again = Endpoint::try_parse(e.to_string() + e.api_prefix());
    require(again.has_value() && *again == e);
    auto const base = Endpoint::try_parse(e.to_string());
    require(base.has_value());
    require(base->to_string() == e.to_string() && base->api_prefix().empty());
    require(base->host() == e.host() && base->connect_host() == e.connect_host());
    require(base->port() == e.port() && base->base_path() == e.base_path());
    require(base->is_loopback() == e.is_loopback());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    check(input, Endpoint::ParseOptions{});
    check(input, Endpoint::ParseOptions{.port_without_scheme = 11434});
    return 0;
}

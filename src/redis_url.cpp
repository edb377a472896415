#include "redis_url.hpp"

#include <llmio/error.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <charconv>

namespace llmio::detail {

namespace {

[[noreturn]] void bad(std::string const& what)
{
    throw_error(errc::invalid_request, "Redis cache: " + what);
}

// A whole number in [0, max], or nullopt.
std::optional<unsigned> number(std::string_view text, unsigned max)
{
    unsigned value = 0;
    auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > max)
        return std::nullopt;
    return value;
}

} // namespace

RedisUrl parse_redis_url(std::string const& text)
{
    auto parsed = boost::urls::parse_absolute_uri(text);
    if (!parsed)
        bad("the URL is not valid (expected redis://[:password@]host:port/db)"); // never echoed: it may hold a password
    boost::urls::url url(*parsed);
    RedisUrl r;
    if (url.has_password()) {
        r.password = url.password();
        r.user = url.user();
        url.set_password("***");
    }
    r.redacted = std::string(url.buffer());
    if (url.scheme() != "redis")
        bad("unsupported URL \"" + r.redacted + "\": only redis:// is supported (no TLS)");
    if (url.host_type() == boost::urls::host_type::ipv6)
        r.host = url.host_ipv6_address().to_string();
    else
        r.host = url.host_address();
    if (r.host.empty())
        bad("no host in \"" + r.redacted + "\"");
    if (url.has_port()) {
        auto const port = number(url.port(), 65535);
        if (!port || *port == 0)
            bad("bad port in \"" + r.redacted + "\"");
        r.port = static_cast<std::uint16_t>(*port);
    }
    std::string_view path = url.encoded_path();
    if (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    if (!path.empty()) {
        auto const db = number(path, 1u << 20);
        if (!db)
            bad("the path of \"" + r.redacted + "\" must be a database number");
        r.db = *db;
    }
    if (url.has_query() || url.has_fragment())
        bad("unexpected query or fragment in \"" + r.redacted + "\"");
    return r;
}

} // namespace llmio::detail

#include <llmio/ollama/wire.hpp>

#include <charconv>
#include <string>

namespace llmio::ollama {

namespace {

std::string_view trim(std::string_view s, std::string_view chars)
{
    auto const first = s.find_first_not_of(chars);
    if (first == std::string_view::npos)
        return {};
    return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

// Go's net.SplitHostPort: "[v6]:port" or "host:port" with exactly one colon.
bool split_host_port(std::string_view hostport, std::string_view& host, std::string_view& port)
{
    if (!hostport.empty() && hostport.front() == '[') {
        auto const close = hostport.find(']');
        if (close == std::string_view::npos || close + 1 >= hostport.size() || hostport[close + 1] != ':')
            return false;
        host = hostport.substr(1, close - 1);
        port = hostport.substr(close + 2);
        return port.find(':') == std::string_view::npos;
    }
    auto const colon = hostport.find(':');
    if (colon == std::string_view::npos || hostport.find(':', colon + 1) != std::string_view::npos)
        return false;
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
    return true;
}

bool valid_port(std::string_view port)
{
    unsigned value = 0;
    auto const* end = port.data() + port.size();
    auto [ptr, ec] = std::from_chars(port.data(), end, value);
    // Port 0 cannot be connected to, so it counts as invalid here (Go would keep it).
    return ec == std::errc{} && ptr == end && value >= 1 && value <= 65535;
}

} // namespace

http::Endpoint parse_ollama_host(std::string_view text)
{
    std::string_view s = trim(trim(text, " \t\r\n"), "\"'");
    std::string_view scheme = "http";
    std::string_view hostport = s;
    std::string default_port = std::to_string(kDefaultPort);
    if (auto const sep = s.find("://"); sep != std::string_view::npos) {
        scheme = s.substr(0, sep);
        hostport = s.substr(sep + 3);
        if (scheme == "http")
            default_port = "80";
        else if (scheme == "https")
            default_port = "443";
    } else if (s == "ollama.com") {
        scheme = "https";
        hostport = "ollama.com:443";
    }
    std::string_view path;
    if (auto const slash = hostport.find('/'); slash != std::string_view::npos) {
        path = hostport.substr(slash + 1);
        hostport = hostport.substr(0, slash);
    }

    std::string host;
    std::string port;
    std::string_view h;
    std::string_view p;
    if (split_host_port(hostport, h, p)) {
        host = h;
        port = p;
    } else {
        // No port (or several colons: a bare IPv6 address).
        host = trim(hostport, "[]");
        port = default_port;
    }
    if (host.empty())
        host = "127.0.0.1";
    if (!valid_port(port))
        port = default_port;

    std::string url(scheme);
    url += "://";
    if (host.find(':') != std::string::npos)
        url.append("[").append(host).append("]");
    else
        url += host;
    url.append(":").append(port);
    if (!path.empty())
        url.append("/").append(path);
    return http::Endpoint::parse(url);
}

} // namespace llmio::ollama

#include <llmio/http/host_policy.hpp>

#include "host_policy_check.hpp"

#include <llmio/error.hpp>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace llmio::http {

namespace ip = boost::asio::ip;

namespace {

// IPv4-mapped IPv6 (::ffff:a.b.c.d) reaches the IPv4 address: judge it as that.
ip::address normalised(ip::address const& address)
{
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return ip::make_address_v4(ip::v4_mapped, address.to_v6());
    return address;
}

bool same_family_prefix(ip::address const& address, ip::address const& network, unsigned prefix)
{
    if (address.is_v4() != network.is_v4())
        return false;
    auto const bytes_of = [](ip::address const& a) {
        std::array<unsigned char, 16> out{};
        if (a.is_v4()) {
            auto const b = a.to_v4().to_bytes();
            std::copy(b.begin(), b.end(), out.begin());
        } else {
            auto const b = a.to_v6().to_bytes();
            std::copy(b.begin(), b.end(), out.begin());
        }
        return out;
    };
    auto const a = bytes_of(address);
    auto const n = bytes_of(network);
    unsigned const full = prefix / 8;
    for (unsigned i = 0; i < full; ++i)
        if (a[i] != n[i])
            return false;
    if (unsigned const rest = prefix % 8; rest != 0) {
        auto const mask = static_cast<unsigned char>(0xFF << (8 - rest));
        if ((a[full] & mask) != (n[full] & mask))
            return false;
    }
    return true;
}

bool in_range(ip::address const& address, char const* network, unsigned prefix)
{
    return same_family_prefix(address, ip::make_address(network), prefix);
}

std::string lower(std::string_view text)
{
    std::string out(text);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view unbracketed(std::string_view text)
{
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
        return text.substr(1, text.size() - 2);
    return text;
}

[[noreturn]] void bad_entry(std::string_view entry, std::string_view why)
{
    std::string shown;
    for (char c : entry) // never echo control characters
        shown += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? '?' : c;
    ErrorInfo info;
    info.detail = "host policy: allow_hosts entry \"" + shown + "\" " + std::string(why);
    throw_error(errc::invalid_request, std::move(info));
}

// One allow_hosts entry, parsed.
struct Entry {
    enum class Kind { name, range } kind = Kind::name;
    std::string name;     // lower-case host name
    ip::address network;  // range (a single address is a full-length range)
    unsigned prefix = 0;
};

Entry parse_entry(std::string_view text)
{
    if (text.empty())
        bad_entry(text, "is empty");
    Entry e;
    auto const slash = text.find('/');
    auto const address_text = unbracketed(text.substr(0, slash));
    boost::system::error_code ec;
    auto const address = ip::make_address(std::string(address_text), ec);
    if (slash != std::string_view::npos) {
        if (ec)
            bad_entry(text, "is not a CIDR range (address/prefix length)");
        auto const digits = text.substr(slash + 1);
        unsigned prefix = 0;
        auto const [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        unsigned const max = address.is_v4() ? 32 : 128;
        if (digits.empty() || err != std::errc() || end != digits.data() + digits.size() || prefix > max)
            bad_entry(text, "has an invalid prefix length (0.." + std::to_string(max) + ")");
        e.kind = Entry::Kind::range;
        e.network = normalised(address);
        e.prefix = e.network.is_v4() && address.is_v6() ? (prefix >= 96 ? prefix - 96 : 0) : prefix;
        return e;
    }
    if (!ec) {
        e.kind = Entry::Kind::range;
        e.network = normalised(address);
        e.prefix = e.network.is_v4() ? 32 : 128;
        return e;
    }
    for (char c : text) {
        auto const u = static_cast<unsigned char>(c);
        if (!(std::isalnum(u) || c == '-' || c == '.' || c == '_'))
            bad_entry(text, "is neither a host name, an IP address nor a CIDR range");
    }
    e.name = lower(text);
    return e;
}

bool is_link_local(ip::address const& a)
{
    return in_range(a, "169.254.0.0", 16) || in_range(a, "fe80::", 10) || in_range(a, "fd00:ec2::254", 128);
}

bool is_private(ip::address const& a)
{
    return in_range(a, "127.0.0.0", 8) || in_range(a, "0.0.0.0", 8) || in_range(a, "10.0.0.0", 8) ||
           in_range(a, "172.16.0.0", 12) || in_range(a, "192.168.0.0", 16) || in_range(a, "100.64.0.0", 10) ||
           in_range(a, "::1", 128) || in_range(a, "::", 128) || in_range(a, "fc00::", 7);
}

std::string describe(std::string_view host, ip::address const& address)
{
    auto const shown = address.to_string();
    if (lower(unbracketed(host)) == shown)
        return "host " + shown;
    return "host " + std::string(host) + " (" + shown + ")";
}

} // namespace

void validate_host_policy(HostPolicy const& policy)
{
    for (auto const& entry : policy.allow_hosts)
        parse_entry(entry);
}

std::optional<std::string> host_policy_refusal(HostPolicy const& policy, std::string_view host,
                                               ip::address const& resolved)
{
    auto const address = normalised(resolved);
    auto const host_name = lower(unbracketed(host));
    for (auto const& text : policy.allow_hosts) {
        auto const entry = parse_entry(text);
        if (entry.kind == Entry::Kind::name ? entry.name == host_name
                                            : same_family_prefix(address, entry.network, entry.prefix))
            return std::nullopt;
    }
    auto const who = describe(host, address);
    if (!policy.allow_hosts.empty())
        return who + " is not in the host policy's allow_hosts";
    if (policy.deny_link_local && is_link_local(address))
        return who + " is a link-local address (cloud metadata services live there), refused by the host "
                     "policy's deny_link_local; list it in allow_hosts to reach it";
    if (policy.deny_private && is_private(address))
        return who + " is a private or loopback address, refused by the host policy's deny_private; list it "
                     "in allow_hosts to reach it";
    return std::nullopt;
}

} // namespace llmio::http

namespace llmio::http::detail {

ip::tcp::resolver::results_type allowed_addresses(HostPolicy const& policy, std::string_view host,
                                                  ip::tcp::resolver::results_type const& resolved)
{
    std::vector<ip::tcp::endpoint> allowed;
    std::optional<std::string> first_refusal;
    std::size_t refused = 0;
    for (auto const& entry : resolved) {
        auto refusal = host_policy_refusal(policy, host, entry.endpoint().address());
        if (!refusal) {
            allowed.push_back(entry.endpoint());
            continue;
        }
        ++refused;
        if (!first_refusal)
            first_refusal = std::move(refusal);
    }
    if (allowed.empty()) {
        ErrorInfo info;
        info.detail = first_refusal ? *first_refusal : "host " + std::string(host) + " resolved to no address";
        if (refused > 1)
            info.detail += " (and " + std::to_string(refused - 1) + " more of its addresses)";
        throw_error(errc::invalid_endpoint, std::move(info));
    }
    if (refused == 0)
        return resolved;
    return ip::tcp::resolver::results_type::create(allowed.begin(), allowed.end(), std::string(host),
                                                   resolved.begin()->service_name());
}

} // namespace llmio::http::detail

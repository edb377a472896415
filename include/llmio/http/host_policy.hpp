#ifndef LLMIO_HTTP_HOST_POLICY_HPP
#define LLMIO_HTTP_HOST_POLICY_HPP

// Which hosts a client may reach, for applications that take base URLs from their users.
// Checked on the RESOLVED addresses, after name resolution and before any connection is
// attempted, so a name that resolves to a refused address (`metadata.example` ->
// 169.254.169.254) is refused too. Addresses the policy refuses are never contacted: when a
// name resolves to several addresses, only the allowed ones are tried; when none is allowed the
// request fails with InvalidRequestError (errc::invalid_endpoint), whose detail names the host,
// the address and the rule, and which is never retried.
//
// Rules, in order:
//  1. An address that an `allow_hosts` entry names (the URL's host name, the address itself, or
//     a CIDR range holding it) is allowed, whatever the deny rules say.
//  2. A non-empty `allow_hosts` refuses everything else.
//  3. `deny_link_local` (default on) refuses 169.254.0.0/16, fe80::/10 and fd00:ec2::254: the
//     cloud metadata services (AWS, GCP, Azure, ...) answer there with credentials, and no LLM
//     server is found on a link-local address in practice, so refusing them by default costs
//     nothing and closes the classic server-side request forgery.
//  4. `deny_private` (default off: local LLM servers live on loopback and private addresses)
//     refuses loopback (127.0.0.0/8, ::1), the unspecified addresses (0.0.0.0/8, ::), private
//     ranges (10/8, 172.16/12, 192.168/16, 100.64/10 shared address space) and unique-local
//     IPv6 (fc00::/7).
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged as the IPv4 address they carry.

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::http {

struct HostPolicy {
    /// Empty = any host (subject to the deny rules). Entries: a host name as written in base
    /// URLs (matched case-insensitively and exactly: "api.openai.com"), an IP address
    /// ("10.0.0.5", "::1") or a CIDR range ("10.0.0.0/8", "fd00::/8").
    std::vector<std::string> allow_hosts;
    bool deny_link_local = true;
    bool deny_private = false;
};

/// Why `policy` refuses `address` (resolved from the URL host `host`): a sentence naming the
/// host, the address and the rule; nullopt when it is allowed. Throws as
/// `validate_host_policy` for a malformed `allow_hosts` entry. Sans-io: no resolution here.
std::optional<std::string> host_policy_refusal(HostPolicy const& policy, std::string_view host,
                                               boost::asio::ip::address const& address);

/// Throws InvalidRequestError (errc::invalid_request) naming the first malformed entry of
/// `allow_hosts` (empty, or a range whose address or prefix length is invalid).
void validate_host_policy(HostPolicy const& policy);

} // namespace llmio::http

#endif

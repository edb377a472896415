// The host policy: the decision over address values (sans-io), then end to end, where a
// refused address must fail before any connection attempt. Only loopback is ever contacted:
// the link-local case runs only after the loopback cases proved that the policy is wired in
// before connecting, and its refusal is an InvalidRequestError, which a connect attempt could
// never produce.

#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <llmio/error.hpp>
#include <llmio/http/host_policy.hpp>
#include <llmio/http/http_client.hpp>

#include <boost/asio/ip/address.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

std::optional<std::string> refusal(http::HostPolicy const& policy, std::string_view host, char const* address)
{
    return http::host_policy_refusal(policy, host, asio::ip::make_address(address));
}

bool refused(http::HostPolicy const& policy, char const* address)
{
    return refusal(policy, address, address).has_value();
}

// A GET through an HttpClient with `policy`: the typed error, or nullopt on success.
std::optional<InvalidRequestError> get(std::string const& url, http::HostPolicy policy)
{
    http::HttpOptions options;
    options.host_policy = std::move(policy);
    options.timeouts.connect = 30s; // nothing may hang, however busy the machine
    return test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::optional<InvalidRequestError>> {
        http::HttpClient client(ex, options);
        http::HttpRequest request;
        request.path = "/";
        try {
            co_await client.send(http::Endpoint::parse(url), request);
        } catch (InvalidRequestError const& e) {
            co_return e;
        }
        co_return std::nullopt;
    });
}

} // namespace

TEST_CASE("host policy: by default only link-local (metadata) addresses are refused", "[http][host_policy]")
{
    http::HostPolicy const policy;
    for (auto const* address : {"169.254.169.254", "169.254.0.1", "169.254.255.255", "fe80::1",
                                "febf:ffff::1", "::ffff:169.254.169.254", "fd00:ec2::254"}) {
        INFO(address);
        CHECK(refused(policy, address));
    }
    for (auto const* address : {"127.0.0.1", "10.0.0.1", "192.168.1.20", "8.8.8.8", "169.253.255.255",
                                "169.255.0.1", "::1", "fec0::1", "fd00:ec2::253", "2001:db8::1"}) {
        INFO(address);
        CHECK_FALSE(refused(policy, address));
    }
    CHECK(refusal(policy, "metadata.example", "169.254.169.254") ==
          "host metadata.example (169.254.169.254) is a link-local address (cloud metadata services live "
          "there), refused by the host policy's deny_link_local; list it in allow_hosts to reach it");
    CHECK(refusal(policy, "169.254.169.254", "169.254.169.254") ==
          "host 169.254.169.254 is a link-local address (cloud metadata services live there), refused by the "
          "host policy's deny_link_local; list it in allow_hosts to reach it");

    http::HostPolicy open;
    open.deny_link_local = false;
    CHECK_FALSE(refused(open, "169.254.169.254"));
}

TEST_CASE("host policy: deny_private refuses loopback, private and unique-local addresses", "[http][host_policy]")
{
    http::HostPolicy policy;
    policy.deny_private = true;
    for (auto const* address : {"127.0.0.1", "127.255.0.9", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                                "192.168.1.1", "100.64.0.1", "100.127.255.255", "::1", "::", "fd12::1", "fc00::1",
                                "::ffff:10.0.0.1", "169.254.169.254"}) {
        INFO(address);
        CHECK(refused(policy, address));
    }
    for (auto const* address : {"172.32.0.1", "172.15.255.255", "100.128.0.1", "8.8.8.8", "11.0.0.1",
                                "2001:db8::1", "fe00::1"}) {
        INFO(address);
        CHECK_FALSE(refused(policy, address));
    }
    CHECK(refusal(policy, "localhost", "127.0.0.1") ==
          "host localhost (127.0.0.1) is a private or loopback address, refused by the host policy's "
          "deny_private; list it in allow_hosts to reach it");
}

TEST_CASE("host policy: allow_hosts names hosts, addresses and ranges, and wins over the deny rules",
          "[http][host_policy]")
{
    http::HostPolicy policy;
    policy.allow_hosts = {"API.example.com", "10.0.0.0/8", "::1", "169.254.169.254/32", "[fd00::5]"};
    policy.deny_private = true;
    CHECK_FALSE(refusal(policy, "api.example.com", "169.254.1.1")); // named: allowed whatever it resolves to
    CHECK_FALSE(refusal(policy, "box", "10.2.3.4"));
    CHECK_FALSE(refusal(policy, "box", "::ffff:10.2.3.4"));
    CHECK_FALSE(refusal(policy, "::1", "::1"));
    CHECK_FALSE(refusal(policy, "meta", "169.254.169.254"));
    CHECK_FALSE(refusal(policy, "fd00::5", "fd00::5"));
    CHECK(refusal(policy, "other.example.com", "11.0.0.1") ==
          "host other.example.com (11.0.0.1) is not in the host policy's allow_hosts");
    CHECK(refusal(policy, "127.0.0.1", "127.0.0.1") == "host 127.0.0.1 is not in the host policy's allow_hosts");
    CHECK(refusal(policy, "meta", "169.254.169.253"));
    CHECK(refusal(policy, "sub.api.example.com", "8.8.8.8")); // exact names only
}

TEST_CASE("host policy: a malformed allow_hosts entry is an InvalidRequestError naming it", "[http][host_policy]")
{
    auto const detail_for = [](std::string entry) {
        http::HostPolicy policy;
        policy.allow_hosts = {"ok.example", entry};
        try {
            http::validate_host_policy(policy);
        } catch (InvalidRequestError const& e) {
            CHECK(e.code() == errc::invalid_request);
            return e.info().detail;
        }
        return std::string("no error");
    };
    CHECK(detail_for("") == "host policy: allow_hosts entry \"\" is empty");
    CHECK(detail_for("10.0.0.0/33") == "host policy: allow_hosts entry \"10.0.0.0/33\" has an invalid prefix length (0..32)");
    CHECK(detail_for("fd00::/129") == "host policy: allow_hosts entry \"fd00::/129\" has an invalid prefix length (0..128)");
    CHECK(detail_for("10.0.0.0/x") == "host policy: allow_hosts entry \"10.0.0.0/x\" has an invalid prefix length (0..32)");
    CHECK(detail_for("box/8") == "host policy: allow_hosts entry \"box/8\" is not a CIDR range (address/prefix length)");
    CHECK(detail_for("bad host\n") ==
          "host policy: allow_hosts entry \"bad host?\" is neither a host name, an IP address nor a CIDR range");
}

TEST_CASE("host policy: a refused address fails before any connection attempt", "[http][host_policy]")
{
    test::ScriptedServer server([](test::ServerConnection& c) -> asio::awaitable<void> {
        if (auto request = co_await c.read_request())
            co_await c.write(test::http_response(200, "{}"));
    });
    std::string const loopback = "http://127.0.0.1:" + std::to_string(server.port());
    std::string const localhost = "http://localhost:" + std::to_string(server.port());

    http::HostPolicy private_refused;
    private_refused.deny_private = true;

    // Loopback first: proves the check runs before connecting (the server sees nothing).
    auto const literal = get(loopback, private_refused);
    REQUIRE(literal);
    CHECK(literal->code() == errc::invalid_endpoint);
    CHECK(literal->info().detail ==
          "host 127.0.0.1 is a private or loopback address, refused by the host policy's deny_private; list it "
          "in allow_hosts to reach it");
    auto const named = get(localhost, private_refused); // resolved addresses are checked too
    REQUIRE(named);
    CHECK(named->code() == errc::invalid_endpoint);
    CHECK(named->info().detail.starts_with("host localhost ("));
    REQUIRE(server.accepted() == 0);

    http::HostPolicy allowed = private_refused;
    allowed.allow_hosts = {"127.0.0.1"};
    CHECK_FALSE(get(loopback, allowed));
    CHECK(server.accepted() == 1);

    // The metadata address: refused with the default policy, before any packet is sent (a
    // connection attempt could only end in a NetworkError or TimeoutError).
    REQUIRE(http::host_policy_refusal(http::HostPolicy{}, "169.254.169.254", asio::ip::make_address("169.254.169.254")));
    auto const metadata = get("http://169.254.169.254:1/", http::HostPolicy{});
    REQUIRE(metadata);
    CHECK(metadata->code() == errc::invalid_endpoint);
    CHECK(metadata->info().detail ==
          "host 169.254.169.254 is a link-local address (cloud metadata services live there), refused by the "
          "host policy's deny_link_local; list it in allow_hosts to reach it");
    CHECK(std::string(metadata->what()).find("169.254.169.254") != std::string::npos);
}

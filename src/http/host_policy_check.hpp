#ifndef LLMIO_SRC_HTTP_HOST_POLICY_CHECK_HPP
#define LLMIO_SRC_HTTP_HOST_POLICY_CHECK_HPP

// The host policy applied to a resolved address list, between resolution and connecting.

#include <llmio/http/host_policy.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <string_view>

namespace llmio::http::detail {

/// The addresses of `resolved` that `policy` allows, in their order. Throws InvalidRequestError
/// (errc::invalid_endpoint) with the refusal of the first address when none is allowed.
boost::asio::ip::tcp::resolver::results_type
allowed_addresses(HostPolicy const& policy, std::string_view host,
                  boost::asio::ip::tcp::resolver::results_type const& resolved);

} // namespace llmio::http::detail

#endif

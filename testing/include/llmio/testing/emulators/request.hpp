#ifndef LLMIO_TESTING_EMULATORS_REQUEST_HPP
#define LLMIO_TESTING_EMULATORS_REQUEST_HPP

// A request as a dialect handler sees it.

#include <llmio/testing/emulators/faults.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmio::emulators {

struct Request {
    boost::beast::http::request<boost::beast::http::string_body> const& message;
    std::string_view path;   ///< Target without the query.
    std::string_view query;  ///< After '?', empty when none.
    std::uint64_t sequence = 0;
    std::uint64_t connection = 0;
    Fault const* fault = nullptr; ///< The fault taken for this request, if any.
    /// `{name}` segments captured by the router.
    std::vector<std::pair<std::string, std::string>> params;

    boost::beast::http::verb method() const { return message.method(); }
    std::string_view method_string() const { return message.method_string(); }
    std::string_view body() const { return message.body(); }
    std::optional<std::string_view> header(std::string_view name) const;
    std::optional<std::string> param(std::string_view name) const;
    /// A query parameter, percent-decoded ('+' is a space).
    std::optional<std::string> query_param(std::string_view name) const;
};

} // namespace llmio::emulators

#endif // LLMIO_TESTING_EMULATORS_REQUEST_HPP

#ifndef LLMIO_GATEWAY_ROUTE_TABLE_HPP
#define LLMIO_GATEWAY_ROUTE_TABLE_HPP

// The gateway's dispatch table: (method, path) -> handler, plus the middleware that runs
// before every handler. routes.cpp fills it; each endpoint is one `add` line.

#include "exchange.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::gateway {

/// Answers one request. Errors it does not answer itself become a 500 (or end a started stream).
using Handler = std::function<boost::asio::awaitable<void>(Exchange&)>;

/// Runs before dispatch, in the order added (CORS, authentication, rate limits). Returns true
/// to go on, false when it answered the request itself (a refusal, a preflight). It may add
/// response headers (`Exchange::add_response_header`) that every response then carries.
using Middleware = std::function<boost::asio::awaitable<bool>(Exchange&)>;

class RouteTable {
public:
    /// Throws std::logic_error for a (method, path) added twice.
    void add(boost::beast::http::verb method, std::string path, Handler handler);
    /// A handler for every path that starts with `prefix` and goes on (`/v1/models/` + an id);
    /// exact paths are matched first.
    void add_prefix(boost::beast::http::verb method, std::string prefix, Handler handler);
    void add_middleware(Middleware middleware);

    /// What a request's method and path select.
    struct Match {
        Handler const* handler = nullptr; ///< null: no route
        bool path_known = false;           ///< the path exists with other methods (405)
        std::string allow;                 ///< those methods, for the Allow header
    };
    Match find(boost::beast::http::verb method, std::string_view path) const;

    std::vector<Middleware> const& middleware() const noexcept { return middleware_; }

private:
    struct Entry {
        boost::beast::http::verb method;
        std::string path;
        Handler handler;
        bool prefix = false;
    };
    bool matches(Entry const& entry, std::string_view path) const noexcept;
    std::vector<Entry> entries_; // few: a linear scan beats hashing the path
    std::vector<Middleware> middleware_;
};

} // namespace llmio::gateway

#endif

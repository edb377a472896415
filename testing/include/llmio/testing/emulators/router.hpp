#ifndef LLMIO_TESTING_EMULATORS_ROUTER_HPP
#define LLMIO_TESTING_EMULATORS_ROUTER_HPP

// Method + path routing for dialects. Patterns are exact paths whose `{name}` segments match
// any one non-empty segment (captured into Request::params). HEAD falls back to the GET route
// (the writer then sends headers only); a known path with another method goes to the
// method-not-allowed handler with the Allow list; anything else to the not-found handler.

#include <llmio/testing/emulators/request.hpp>
#include <llmio/testing/emulators/response_writer.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <functional>
#include <string>
#include <vector>

namespace llmio::emulators {

class Router {
public:
    using Handler = std::function<boost::asio::awaitable<void>(Request&, ResponseWriter&)>;
    /// Receives the Allow header value ("GET, HEAD").
    using MethodHandler = std::function<boost::asio::awaitable<void>(Request&, ResponseWriter&,
                                                                     std::string const& allow)>;

    Router();

    Router& add(boost::beast::http::verb method, std::string pattern, Handler handler);
    Router& get(std::string pattern, Handler handler);
    Router& post(std::string pattern, Handler handler);

    void set_not_found(Handler handler) { not_found_ = std::move(handler); }
    void set_method_not_allowed(MethodHandler handler) { not_allowed_ = std::move(handler); }

    boost::asio::awaitable<void> dispatch(Request& request, ResponseWriter& writer) const;

private:
    struct Route {
        boost::beast::http::verb method;
        std::vector<std::string> segments;
        Handler handler;
    };
    static bool match(Route const& route, std::string_view path, Request* capture);

    std::vector<Route> routes_;
    Handler not_found_;
    MethodHandler not_allowed_;
};

} // namespace llmio::emulators

#endif // LLMIO_TESTING_EMULATORS_ROUTER_HPP

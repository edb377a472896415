#include <llmio/testing/emulators/router.hpp>

#include <boost/beast/http/verb.hpp>

namespace llmio::emulators {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

std::vector<std::string> split_path(std::string_view path)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto const slash = path.find('/', start);
        auto const end = slash == std::string_view::npos ? path.size() : slash;
        out.emplace_back(path.substr(start, end - start));
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    return out;
}

bool is_param(std::string const& segment)
{
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

} // namespace

Router::Router()
{
    not_found_ = [](Request&, ResponseWriter& w) -> asio::awaitable<void> {
        co_await w.send(404, R"({"error":"Not Found"})");
    };
    not_allowed_ = [](Request&, ResponseWriter& w, std::string const& allow) -> asio::awaitable<void> {
        Headers const headers{{"Allow", allow}};
        co_await w.send(405, R"({"error":"Method Not Allowed"})", "application/json", headers);
    };
}

Router& Router::add(http::verb method, std::string pattern, Handler handler)
{
    routes_.push_back(Route{method, split_path(pattern), std::move(handler)});
    return *this;
}

Router& Router::get(std::string pattern, Handler handler)
{
    return add(http::verb::get, std::move(pattern), std::move(handler));
}

Router& Router::post(std::string pattern, Handler handler)
{
    return add(http::verb::post, std::move(pattern), std::move(handler));
}

bool Router::match(Route const& route, std::string_view path, Request* capture)
{
    std::size_t start = 0;
    for (std::size_t i = 0; i < route.segments.size(); ++i) {
        if (start > path.size())
            return false;
        auto const slash = path.find('/', start);
        bool const last = i + 1 == route.segments.size();
        if (last != (slash == std::string_view::npos))
            return false;
        auto const end = last ? path.size() : slash;
        auto const segment = path.substr(start, end - start);
        auto const& want = route.segments[i];
        if (is_param(want)) {
            if (segment.empty())
                return false;
            if (capture)
                capture->params.emplace_back(want.substr(1, want.size() - 2), std::string(segment));
        } else if (segment != want) {
            return false;
        }
        start = end + 1;
    }
    return true;
}

asio::awaitable<void> Router::dispatch(Request& request, ResponseWriter& writer) const
{
    auto const method = request.method();
    Route const* found = nullptr;
    Route const* get_fallback = nullptr;
    std::string allow;
    for (auto const& route : routes_) {
        if (!match(route, request.path, nullptr))
            continue;
        if (route.method == method && method != http::verb::unknown) {
            found = &route;
            break;
        }
        if (route.method == http::verb::get && method == http::verb::head && !get_fallback)
            get_fallback = &route;
        auto const name = http::to_string(route.method);
        if (allow.find(std::string(name)) == std::string::npos) {
            if (!allow.empty())
                allow += ", ";
            allow.append(name.data(), name.size());
            if (route.method == http::verb::get)
                allow += ", HEAD";
        }
    }
    if (!found)
        found = get_fallback;
    if (found) {
        match(*found, request.path, &request);
        co_await found->handler(request, writer);
    } else if (!allow.empty()) {
        co_await not_allowed_(request, writer, allow);
    } else {
        co_await not_found_(request, writer);
    }
}

} // namespace llmio::emulators

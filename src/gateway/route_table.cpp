#include "route_table.hpp"

#include <stdexcept>

namespace llmio::gateway {

namespace http = boost::beast::http;

void RouteTable::add(http::verb method, std::string path, Handler handler)
{
    for (auto const& entry : entries_)
        if (entry.method == method && entry.path == path)
            throw std::logic_error("gateway route added twice: " + path);
    entries_.push_back({method, std::move(path), std::move(handler)});
}

void RouteTable::add_prefix(http::verb method, std::string prefix, Handler handler)
{
    for (auto const& entry : entries_)
        if (entry.method == method && entry.path == prefix)
            throw std::logic_error("gateway route added twice: " + prefix);
    entries_.push_back({method, std::move(prefix), std::move(handler), true});
}

bool RouteTable::matches(Entry const& entry, std::string_view path) const noexcept
{
    if (!entry.prefix)
        return entry.path == path;
    return path.size() > entry.path.size() && path.starts_with(entry.path);
}

void RouteTable::add_middleware(Middleware middleware)
{
    middleware_.push_back(std::move(middleware));
}

RouteTable::Match RouteTable::find(http::verb method, std::string_view path) const
{
    Match match;
    // Exact paths were added first (routes.cpp), so they win over a prefix.
    for (auto const& entry : entries_) {
        if (!matches(entry, path))
            continue;
        // HEAD is served by the GET handler (Exchange::reply leaves the body out).
        if (entry.method == method || (method == http::verb::head && entry.method == http::verb::get)) {
            match.handler = &entry.handler;
            return match;
        }
        match.path_known = true;
        auto const name = http::to_string(entry.method);
        match.allow += match.allow.empty() ? "" : ", ";
        match.allow.append(name.data(), name.size());
    }
    return match;
}

} // namespace llmio::gateway

#include "wire_common.hpp"

#include <llmio/error.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>

namespace llmio::ollama::detail {

namespace json = boost::json;

void throw_malformed(std::string_view body, std::string detail)
{
    ErrorInfo info;
    info.detail = std::move(detail);
    set_raw_body(info, body);
    throw_error(errc::malformed_response, std::move(info));
}

void throw_invalid_request(std::string detail)
{
    ErrorInfo info;
    info.detail = std::move(detail);
    throw_error(errc::invalid_request, std::move(info));
}

namespace {
[[noreturn]] void throw_not_object(std::string_view body, json::value const& v)
{
    throw_malformed(body, std::string("expected a JSON object, got ") +
                              std::string(llmio::detail::kind_name(v.kind())));
}
} // namespace

json::object parse_object(std::string_view body)
{
    json::parse_options opts;
    opts.allow_invalid_utf8 = true;
    boost::system::error_code ec;
    json::value v = json::parse(body, ec, {}, opts);
    if (ec)
        throw_malformed(body, "invalid JSON: " + ec.message());
    if (json::object* o = v.if_object())
        return std::move(*o);
    throw_not_object(body, v);
}

json::object const& as_object(llmio::detail::ArenaJsonParser& parser, std::string_view body)
{
    boost::system::error_code ec;
    json::value const& v = parser.parse(body, ec);
    if (ec)
        throw_malformed(body, "invalid JSON: " + ec.message());
    if (json::object const* o = v.if_object())
        return *o;
    throw_not_object(body, v);
}

void check_shape(ShapeError const& err, std::string_view body)
{
    if (err)
        throw_malformed(body, err.message());
}

bool has_error(json::object const& o)
{
    json::value const* e = llmio::detail::field(o, "error");
    if (e == nullptr)
        return false;
    if (json::string const* s = e->if_string())
        return !s->empty();
    return true;
}

void put_sampling(json::object& options, std::optional<double> temperature, std::optional<double> top_p,
                  std::optional<std::int64_t> max_tokens, std::vector<std::string> const& stop,
                  std::optional<std::int64_t> seed, std::optional<double> presence_penalty,
                  std::optional<double> frequency_penalty, RequestDefaults const& defaults)
{
    using llmio::detail::put_if;
    put_if(options, "temperature", temperature);
    put_if(options, "top_p", top_p);
    put_if(options, "num_predict", max_tokens);
    llmio::detail::put_list(options, "stop", stop);
    put_if(options, "seed", seed);
    put_if(options, "presence_penalty", presence_penalty);
    put_if(options, "frequency_penalty", frequency_penalty);
    put_if(options, "num_ctx", defaults.num_ctx);
}

void put_keep_alive(json::object& body, std::string_view keep_alive)
{
    bool const digits = !keep_alive.empty() &&
                        std::all_of(keep_alive.begin(), keep_alive.end(),
                                    [](char c) { return c >= '0' && c <= '9'; });
    if (digits && keep_alive.size() < 12)
        body["keep_alive"] = std::stoll(std::string(keep_alive));
    else
        body["keep_alive"] = keep_alive;
}

void merge_extra_with_options(json::object& body, json::object const& extra)
{
    json::object rest = extra;
    if (json::value const* opts = llmio::detail::field(extra, "options"); opts && opts->is_object()) {
        json::object merged;
        if (json::value const* mine = body.if_contains("options"); mine && mine->is_object())
            merged = mine->as_object();
        llmio::detail::merge_extra(merged, opts->as_object());
        rest.erase("options");
        if (merged.empty())
            body.erase("options");
        else
            body["options"] = std::move(merged);
    }
    llmio::detail::merge_extra(body, rest);
}

json::value think_value(std::string_view effort)
{
    if (effort == "none" || effort == "false")
        return false;
    if (effort == "true")
        return true;
    if (effort == "minimal")
        return "low";
    return json::string(effort);
}


} // namespace llmio::ollama::detail

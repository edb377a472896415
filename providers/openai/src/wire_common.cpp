#include "wire_common.hpp"

#include <llmio/openai/wire.hpp>

#include <llmio/detail/parsed_document.hpp>
#include <llmio/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace llmio::openai::detail {

namespace json = boost::json;
using llmio::detail::field;

void throw_malformed(std::string_view body, std::string detail)
{
    ErrorInfo info;
    info.detail = std::move(detail);
    set_raw_body(info, body);
    throw_error(errc::malformed_response, std::move(info));
}

json::value parse_body(std::string_view body)
{
    json::parse_options opts;
    opts.allow_invalid_utf8 = true;
    boost::system::error_code ec;
    json::value v = llmio::detail::parse_document(body, ec, opts);
    if (ec)
        throw_malformed(body, "invalid JSON: " + ec.message());
    return v;
}

json::object const& root_object(json::value const& v, std::string_view body)
{
    if (json::object const* o = v.if_object())
        return *o;
    throw_malformed(body, std::string("expected a JSON object, got ") +
                              std::string(llmio::detail::kind_name(v.kind())));
}

std::optional<Usage> read_usage(json::object const& o, ShapeError& err)
{
    json::value const* v = o.if_contains("usage");
    return v ? read_usage(*v, err) : std::nullopt;
}

std::optional<Usage> read_usage(json::value const& v, ShapeError& err)
{
    if (v.is_null())
        return std::nullopt;
    json::object const* u = v.if_object();
    if (u == nullptr) {
        err.expected("", "usage", "an object", v, json::error::not_object);
        return std::nullopt;
    }
    Usage usage;
    usage.prompt_tokens = llmio::detail::integer_field(*u, "prompt_tokens", err, "usage").value_or(0);
    usage.completion_tokens =
        llmio::detail::integer_field(*u, "completion_tokens", err, "usage").value_or(0);
    usage.total_tokens = llmio::detail::integer_field(*u, "total_tokens", err, "usage")
                             .value_or(usage.prompt_tokens + usage.completion_tokens);
    if (json::object const* d =
            llmio::detail::object_field(*u, "prompt_tokens_details", err, "usage"))
        usage.cached_tokens =
            llmio::detail::integer_field(*d, "cached_tokens", err, "usage.prompt_tokens_details");
    if (json::object const* d =
            llmio::detail::object_field(*u, "completion_tokens_details", err, "usage"))
        usage.reasoning_tokens = llmio::detail::integer_field(*d, "reasoning_tokens", err,
                                                              "usage.completion_tokens_details");
    return usage;
}

std::optional<ServerStats> read_timings(json::object const& o, ShapeError& err)
{
    json::value const* v = o.if_contains("timings");
    return v ? read_timings(*v, err) : std::nullopt;
}

std::optional<ServerStats> read_timings(json::value const& v, ShapeError& err)
{
    if (v.is_null())
        return std::nullopt;
    json::object const* t = v.if_object();
    if (t == nullptr) {
        err.expected("", "timings", "an object", v, json::error::not_object);
        return std::nullopt;
    }
    auto seconds = [](std::optional<double> ms) -> std::optional<double> {
        if (ms)
            return *ms / 1000.0;
        return std::nullopt;
    };
    ServerStats s;
    s.tokens_per_second = llmio::detail::double_field(*t, "predicted_per_second", err, "timings");
    s.prompt_tokens_per_second =
        llmio::detail::double_field(*t, "prompt_per_second", err, "timings");
    // llama.cpp streams the first token right after prompt processing.
    s.time_to_first_token_s =
        seconds(llmio::detail::double_field(*t, "prompt_ms", err, "timings"));
    s.generation_time_s = seconds(llmio::detail::double_field(*t, "predicted_ms", err, "timings"));
    s.prompt_tokens = llmio::detail::integer_field(*t, "prompt_n", err, "timings");
    s.predicted_tokens = llmio::detail::integer_field(*t, "predicted_n", err, "timings");
    s.cached_prompt_tokens = llmio::detail::integer_field(*t, "cache_n", err, "timings");
    return s;
}

void append_content(json::object const& o, std::string_view key, std::string& out,
                    ShapeError& err, std::string_view where)
{
    if (json::value const* v = o.if_contains(key))
        append_content(*v, key, out, err, where);
}

void append_content(json::value const& value, std::string_view key, std::string& out,
                    ShapeError& err, std::string_view where)
{
    json::value const* v = &value;
    if (v->is_null())
        return;
    if (json::string const* s = v->if_string()) {
        out.append(s->data(), s->size());
        return;
    }
    if (json::array const* parts = v->if_array()) {
        for (json::value const& part : *parts) {
            json::object const* p = part.if_object();
            if (p == nullptr) {
                err.expected(where, key, "an array of objects", part, json::error::not_object);
                return;
            }
            std::string_view type = llmio::detail::string_field(*p, "type", err, where);
            if (type == "text" || type.empty())
                out.append(llmio::detail::string_field(*p, "text", err, where));
        }
        return;
    }
    err.expected(where, key, "a string", *v, json::error::not_string);
}

void append_arguments(json::object const& function, std::string& out, ShapeError& err,
                      std::string_view where)
{
    json::value const* v = field(function, "arguments");
    if (v == nullptr)
        return;
    if (json::string const* s = v->if_string())
        out.append(s->data(), s->size());
    else if (v->is_object() || v->is_array())
        out += json::serialize(*v);
    else
        err.expected(where, "arguments", "a string", *v, json::error::not_string);
}

std::optional<FinishReason> read_finish(json::object const& o, std::string& raw, ShapeError& err,
                                        std::string_view where, bool skip_empty)
{
    json::value const* v = o.if_contains("finish_reason");
    return v ? read_finish(*v, raw, err, where, skip_empty) : std::nullopt;
}

std::optional<FinishReason> read_finish(json::value const& value, std::string& raw,
                                        ShapeError& err, std::string_view where, bool skip_empty)
{
    json::value const* v = &value;
    if (v->is_null())
        return std::nullopt;
    json::string const* s = v->if_string();
    if (s == nullptr) {
        err.expected(where, "finish_reason", "a string", *v, json::error::not_string);
        return std::nullopt;
    }
    if (skip_empty && s->empty())
        return std::nullopt;
    raw.assign(s->data(), s->size());
    return finish_reason_from_string(raw);
}

json::object const* pick_choice(json::array const& choices, ShapeError& err)
{
    // Streams carry one choice per chunk: skip the search.
    if (choices.size() == 1) {
        if (json::object const* only = choices.front().if_object())
            return only;
    }
    json::object const* first = nullptr;
    for (json::value const& c : choices) {
        json::object const* o = c.if_object();
        if (o == nullptr) {
            err.expected("choices", "", "an array of objects", c, json::error::not_object);
            return nullptr;
        }
        if (first == nullptr)
            first = o;
        json::value const* index = field(*o, "index");
        if (index != nullptr && llmio::detail::as_integer(*index) == 0)
            return o;
    }
    return first;
}

} // namespace llmio::openai::detail

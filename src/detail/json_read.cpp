#include <llmio/detail/json_read.hpp>

#include <boost/json/error.hpp>

#include <cmath>
#include <limits>

namespace llmio::detail {

namespace json = boost::json;

void ShapeError::expected(std::string_view where, std::string_view key, std::string_view what,
                          json::value const& got, json::error ec)
{
    if (failed())
        return;
    ec_ = ec;
    message_.reserve(where.size() + key.size() + what.size() + 32);
    message_.append(where);
    if (!where.empty() && !key.empty())
        message_ += '.';
    message_.append(key);
    message_ += ": expected ";
    message_.append(what);
    message_ += ", got ";
    message_.append(kind_name(got.kind()));
}

void ShapeError::fail(std::string message, boost::system::error_code ec)
{
    if (failed())
        return;
    ec_ = ec;
    message_ = std::move(message);
}

std::string_view kind_name(json::kind k) noexcept
{
    switch (k) {
    case json::kind::object: return "object";
    case json::kind::array: return "array";
    case json::kind::string: return "string";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "number";
    case json::kind::bool_: return "bool";
    case json::kind::null: return "null";
    }
    return "value";
}

json::value const* field(json::object const& o, std::string_view key) noexcept
{
    json::value const* v = o.if_contains(key);
    if (v == nullptr || v->is_null())
        return nullptr;
    return v;
}

std::optional<std::int64_t> as_integer(json::value const& v) noexcept
{
    switch (v.kind()) {
    case json::kind::int64: return v.get_int64();
    case json::kind::uint64:
        if (v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return static_cast<std::int64_t>(v.get_uint64());
        return std::nullopt;
    case json::kind::double_: {
        double const d = v.get_double();
        // 2^63 is exactly representable; anything at or above it does not fit.
        constexpr double limit = 9223372036854775808.0;
        if (std::isfinite(d) && d == std::trunc(d) && d >= -limit && d < limit)
            return static_cast<std::int64_t>(d);
        return std::nullopt;
    }
    default: return std::nullopt;
    }
}

std::optional<double> as_double(json::value const& v) noexcept
{
    switch (v.kind()) {
    case json::kind::int64: return static_cast<double>(v.get_int64());
    case json::kind::uint64: return static_cast<double>(v.get_uint64());
    case json::kind::double_: return v.get_double();
    default: return std::nullopt;
    }
}

std::string_view string_field(json::object const& o, std::string_view key, ShapeError& err,
                              std::string_view where)
{
    json::value const* v = field(o, key);
    if (v == nullptr)
        return {};
    if (json::string const* s = v->if_string())
        return {s->data(), s->size()};
    err.expected(where, key, "a string", *v, json::error::not_string);
    return {};
}

void id_field(json::object const& o, std::string_view key, std::string& out, ShapeError& err,
              std::string_view where)
{
    if (json::value const* v = o.if_contains(key))
        read_id(*v, key, out, err, where);
}

void read_id(json::value const& v, std::string_view key, std::string& out, ShapeError& err,
             std::string_view where)
{
    if (v.is_null())
        return;
    if (json::string const* s = v.if_string()) {
        out.assign(s->data(), s->size());
        return;
    }
    if (auto n = as_integer(v)) {
        out = std::to_string(*n);
        return;
    }
    err.expected(where, key, "a string", v, json::error::not_string);
}

std::optional<std::int64_t> integer_field(json::object const& o, std::string_view key,
                                          ShapeError& err, std::string_view where)
{
    json::value const* v = field(o, key);
    if (v == nullptr)
        return std::nullopt;
    if (auto n = as_integer(*v))
        return n;
    err.expected(where, key, "an integer", *v,
                 v->is_number() ? json::error::not_exact : json::error::not_number);
    return std::nullopt;
}

std::optional<double> double_field(json::object const& o, std::string_view key, ShapeError& err,
                                   std::string_view where)
{
    json::value const* v = field(o, key);
    if (v == nullptr)
        return std::nullopt;
    if (auto d = as_double(*v))
        return d;
    err.expected(where, key, "a number", *v, json::error::not_number);
    return std::nullopt;
}

std::optional<bool> bool_field(json::object const& o, std::string_view key, ShapeError& err,
                               std::string_view where)
{
    json::value const* v = field(o, key);
    if (v == nullptr)
        return std::nullopt;
    if (bool const* b = v->if_bool())
        return *b;
    err.expected(where, key, "a bool", *v, json::error::not_bool);
    return std::nullopt;
}

json::object const* object_field(json::object const& o, std::string_view key, ShapeError& err,
                                 std::string_view where)
{
    json::value const* v = field(o, key);
    if (v == nullptr)
        return nullptr;
    if (json::object const* obj = v->if_object())
        return obj;
    err.expected(where, key, "an object", *v, json::error::not_object);
    return nullptr;
}

json::array const* array_field(json::object const& o, std::string_view key, ShapeError& err,
                               std::string_view where)
{
    json::value const* v = field(o, key);
    if (v == nullptr)
        return nullptr;
    if (json::array const* arr = v->if_array())
        return arr;
    err.expected(where, key, "an array", *v, json::error::not_array);
    return nullptr;
}

void merge_extra(json::object& body, json::object const& extra)
{
    for (auto const& kv : extra) {
        if (kv.value().is_null())
            body.erase(kv.key());
        else
            body[kv.key()] = kv.value();
    }
}

} // namespace llmio::detail

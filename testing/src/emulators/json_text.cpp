#include <llmio/testing/emulators/json_text.hpp>

#include <array>
#include <charconv>
#include <cmath>

namespace llmio::emulators {

namespace json = boost::json;

void append_json_string(std::string& out, std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                out += "\\u00";
                out += hex[(static_cast<unsigned char>(c) >> 4) & 0xF];
                out += hex[static_cast<unsigned char>(c) & 0xF];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void append_json_number(std::string& out, double d)
{
    if (!std::isfinite(d)) {
        out += "null"; // JSON has no NaN or infinity; nlohmann writes null too
        return;
    }
    std::array<char, 32> buf{};
    auto const [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), d);
    (void)ec;
    std::string_view const text(buf.data(), static_cast<std::size_t>(end - buf.data()));
    out += text;
    if (text.find_first_of(".e") == std::string_view::npos)
        out += ".0";
}

void append_json(std::string& out, json::value const& v)
{
    switch (v.kind()) {
    case json::kind::null: out += "null"; break;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case json::kind::int64: out += std::to_string(v.get_int64()); break;
    case json::kind::uint64: out += std::to_string(v.get_uint64()); break;
    case json::kind::double_: append_json_number(out, v.get_double()); break;
    case json::kind::string: append_json_string(out, v.get_string()); break;
    case json::kind::array: {
        out += '[';
        bool first = true;
        for (auto const& e : v.get_array()) {
            if (!first)
                out += ',';
            first = false;
            append_json(out, e);
        }
        out += ']';
        break;
    }
    case json::kind::object: {
        out += '{';
        bool first = true;
        for (auto const& [k, e] : v.get_object()) {
            if (!first)
                out += ',';
            first = false;
            append_json_string(out, k);
            out += ':';
            append_json(out, e);
        }
        out += '}';
        break;
    }
    }
}

std::string to_json(json::value const& v)
{
    std::string out;
    append_json(out, v);
    return out;
}

std::string quoted(std::string_view s)
{
    std::string out;
    append_json_string(out, s);
    return out;
}

} // namespace llmio::emulators

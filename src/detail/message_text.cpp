#include "message_text.hpp"

namespace llmio::detail::message_text {

namespace {

void append_escaped(std::string& out, std::string_view text, std::size_t max_bytes, bool quotes)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    bool const cut = text.size() > max_bytes;
    if (cut)
        text = text.substr(0, max_bytes);
    out.reserve(out.size() + text.size() + 8);
    for (char const c : text) {
        auto const byte = static_cast<unsigned char>(c);
        if (quotes && (c == '"' || c == '\\')) {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7F) {
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0x0F];
        } else {
            out += c;
        }
    }
    if (cut)
        out += "...";
}

} // namespace

std::string quoted(std::string_view text, std::size_t max_bytes)
{
    std::string out = "\"";
    append_escaped(out, text, max_bytes, true);
    out += '"';
    return out;
}

std::string printable(std::string_view text, std::size_t max_bytes)
{
    std::string out;
    append_escaped(out, text, max_bytes, false);
    return out;
}

std::string joined(std::vector<std::string> const& names)
{
    if (names.empty())
        return "none";
    std::string out;
    for (auto const& name : names) {
        if (!out.empty())
            out += ", ";
        out += name;
    }
    return out;
}

} // namespace llmio::detail::message_text

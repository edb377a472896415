#ifndef LLMIO_SRC_ERROR_TEXT_HPP
#define LLMIO_SRC_ERROR_TEXT_HPP

// Small text helpers shared by the error-body parser, the mapper and the Retry-After parser.
// Private to src/; a namespace of their own so they never collide with other helpers.

#include <cstddef>
#include <string>
#include <string_view>

namespace llmio::detail::error_text {

constexpr bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

constexpr char to_lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

inline bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i]))
            return false;
    return true;
}

/// Position of `needle` (which must be lower case) in `haystack`, ignoring ASCII case.
inline std::size_t ifind(std::string_view haystack, std::string_view needle,
                         std::size_t from = 0) noexcept
{
    if (needle.empty())
        return from <= haystack.size() ? from : std::string_view::npos;
    if (haystack.size() < needle.size())
        return std::string_view::npos;
    for (std::size_t i = from; i + needle.size() <= haystack.size(); ++i) {
        std::size_t j = 0;
        while (j < needle.size() && to_lower(haystack[i + j]) == needle[j])
            ++j;
        if (j == needle.size())
            return i;
    }
    return std::string_view::npos;
}

inline bool icontains(std::string_view haystack, std::string_view needle) noexcept
{
    return ifind(haystack, needle) != std::string_view::npos;
}

/// Appends at most `max` bytes of `s` to `out` without splitting a UTF-8 sequence; when `s` is
/// cut, the result ends with "…" and still fits `max` bytes.
inline void append_bounded(std::string& out, std::string_view s, std::size_t max)
{
    if (s.size() <= max) {
        out.append(s);
        return;
    }
    constexpr std::string_view ellipsis = "\xE2\x80\xA6";
    if (max < ellipsis.size())
        return;
    std::size_t cut = max - ellipsis.size();
    // Step back over at most three continuation bytes so that no code point is split.
    for (int i = 0; i < 3 && cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80; ++i)
        --cut;
    out.append(s.substr(0, cut));
    out.append(ellipsis);
}

inline std::string bounded(std::string_view s, std::size_t max)
{
    std::string out;
    append_bounded(out, s, max);
    return out;
}

} // namespace llmio::detail::error_text

#endif // LLMIO_SRC_ERROR_TEXT_HPP

// Retry-After, retry-after-ms and x-should-retry: what a server asked of the retry logic.

#include <llmio/error_mapping.hpp>

#include "error_text.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace llmio {
namespace {

namespace et = detail::error_text;
using std::chrono::milliseconds;

// No server means "come back in a year"; the cap keeps every later computation finite.
constexpr milliseconds kMaxDelay = std::chrono::hours(24 * 366);

// A non-negative decimal number ("2", "1.5", ".5", "3."), no sign, exponent, "inf" or "nan".
// Returns the value times `unit_ms` in whole milliseconds, rounded up (waiting a fraction
// longer than asked is safe; shorter is not), capped at kMaxDelay.
std::optional<milliseconds> parse_decimal(std::string_view text, double unit_ms)
{
    text = et::trim(text);
    if (text.empty())
        return std::nullopt;
    double integral = 0;
    double fraction = 0;
    double scale = 1;
    bool digits = false;
    bool dot = false;
    for (char c : text) {
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        if (c < '0' || c > '9')
            return std::nullopt;
        digits = true;
        int const d = c - '0';
        if (!dot) {
            if (integral < 1e15) // beyond that the cap applies anyway
                integral = integral * 10 + d;
        } else if (scale > 1e-12) {
            scale /= 10;
            fraction += d * scale;
        }
    }
    if (!digits)
        return std::nullopt;
    double const ms = std::ceil((integral + fraction) * unit_ms);
    if (ms >= static_cast<double>(kMaxDelay.count()))
        return kMaxDelay;
    return milliseconds(static_cast<std::int64_t>(ms));
}

int month_index(std::string_view name) noexcept
{
    static constexpr std::array<std::string_view, 12> months = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    for (std::size_t i = 0; i < months.size(); ++i)
        if (et::iequals(name, months[i]))
            return static_cast<int>(i) + 1;
    return 0;
}

bool is_day_name(std::string_view name) noexcept
{
    static constexpr std::array<std::string_view, 14> days = {
        "mon", "tue", "wed", "thu", "fri", "sat", "sun",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
    for (auto d : days)
        if (et::iequals(name, d))
            return true;
    return false;
}

bool parse_uint(std::string_view s, int& out) noexcept
{
    if (s.empty() || s.size() > 4)
        return false;
    out = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        out = out * 10 + (c - '0');
    }
    return true;
}

// "08:49:37" → seconds since midnight.
bool parse_clock(std::string_view s, int& seconds) noexcept
{
    if (s.size() != 8 || s[2] != ':' || s[5] != ':')
        return false;
    int h = 0, m = 0, sec = 0;
    if (!parse_uint(s.substr(0, 2), h) || !parse_uint(s.substr(3, 2), m) ||
        !parse_uint(s.substr(6, 2), sec))
        return false;
    if (h > 23 || m > 59 || sec > 60)
        return false;
    seconds = h * 3600 + m * 60 + std::min(sec, 59);
    return true;
}

// The three HTTP-date forms of RFC 9110 §5.6.7:
//   IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT",
//   asctime "Sun Nov  6 08:49:37 1994". Tokens are read in any of these orders: the first number
//   is the day, the second the year; a day name, "GMT" or "UTC" may appear; nothing else may.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text)
{
    int day = -1, year = -1, month = 0, clock = -1;
    int year_digits = 0;
    std::size_t tokens = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        char const c = text[i];
        if (c == ' ' || c == ',' || c == '-' || c == '\t') {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < text.size() && text[j] != ' ' && text[j] != ',' && text[j] != '-' &&
               text[j] != '\t')
            ++j;
        std::string_view const token = text.substr(i, j - i);
        i = j;
        if (++tokens > 8)
            return std::nullopt;
        int number = 0;
        if (token.find(':') != std::string_view::npos) {
            if (clock >= 0 || !parse_clock(token, clock))
                return std::nullopt;
        } else if (parse_uint(token, number)) {
            if (day < 0 && token.size() <= 2)
                day = number;
            else if (year < 0 && day >= 0 && (token.size() == 2 || token.size() == 4)) {
                year = number;
                year_digits = static_cast<int>(token.size());
            } else
                return std::nullopt;
        } else if (int const m = month_index(token); m != 0 && month == 0) {
            month = m;
        } else if (!is_day_name(token) && !et::iequals(token, "gmt") &&
                   !et::iequals(token, "utc")) {
            return std::nullopt;
        }
    }
    if (day < 0 || year < 0 || month == 0 || clock < 0)
        return std::nullopt;
    if (year_digits == 2) // RFC 850: a two-digit year; read 70-99 as 19xx, 00-69 as 20xx.
        year += year < 70 ? 2000 : 1900;
    std::chrono::year_month_day const date{std::chrono::year(year),
                                           std::chrono::month(static_cast<unsigned>(month)),
                                           std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok())
        return std::nullopt;
    return std::chrono::sys_days(date) + std::chrono::seconds(clock);
}

} // namespace

std::optional<milliseconds> parse_retry_after(std::string_view retry_after,
                                              std::string_view retry_after_ms,
                                              std::chrono::system_clock::time_point now)
{
    if (auto const ms = parse_decimal(retry_after_ms, 1.0))
        return ms;
    if (auto const seconds = parse_decimal(retry_after, 1000.0))
        return seconds;
    auto const when = parse_http_date(et::trim(retry_after));
    if (!when)
        return std::nullopt;
    // Compare in whole seconds: a date like year 9999 does not fit system_clock's nanoseconds.
    auto const now_s = std::chrono::floor<std::chrono::seconds>(now);
    if (*when <= now_s)
        return milliseconds(0);
    auto const delta = *when - now_s;
    if (delta >= kMaxDelay)
        return kMaxDelay;
    return std::chrono::duration_cast<milliseconds>(delta);
}

std::optional<bool> parse_should_retry(std::string_view header)
{
    header = et::trim(header);
    if (et::iequals(header, "true"))
        return true;
    if (et::iequals(header, "false"))
        return false;
    return std::nullopt;
}

} // namespace llmio

#include <llmio/error_sanitize.hpp>

#include <algorithm>

namespace llmio {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

void append_hex(std::string& out, unsigned value)
{
    out += "\\x";
    out += kHex[(value >> 4) & 0x0F];
    out += kHex[value & 0x0F];
}

unsigned byte_at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

bool continuation(std::string_view s, std::size_t i)
{
    return i < s.size() && (byte_at(s, i) & 0xC0) == 0x80;
}

// Length of the valid UTF-8 sequence starting at `i` (1-4), or 0 when the bytes there are not
// one (stray continuation, overlong form, surrogate, beyond U+10FFFF, cut short).
std::size_t utf8_sequence(std::string_view s, std::size_t i)
{
    unsigned const b = byte_at(s, i);
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        return continuation(s, i + 1) ? 2 : 0;
    if (b >= 0xE0 && b <= 0xEF) {
        if (!continuation(s, i + 1) || !continuation(s, i + 2))
            return 0;
        unsigned const b1 = byte_at(s, i + 1);
        if ((b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 > 0x9F))
            return 0;
        return 3;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        if (!continuation(s, i + 1) || !continuation(s, i + 2) || !continuation(s, i + 3))
            return 0;
        unsigned const b1 = byte_at(s, i + 1);
        if ((b == 0xF0 && b1 < 0x90) || (b == 0xF4 && b1 > 0x8F))
            return 0;
        return 4;
    }
    return 0;
}

} // namespace

std::string escape_for_display(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        unsigned const b = byte_at(text, i);
        std::size_t const n = utf8_sequence(text, i);
        if (n == 0) {
            append_hex(out, b);
            ++i;
        } else if (n == 1) {
            if (b == '\r')
                out += "\\r";
            else if (b == '\n')
                out += "\\n";
            else if (b == '\t')
                out += "\\t";
            else if (b < 0x20 || b == 0x7F)
                append_hex(out, b);
            else
                out += static_cast<char>(b);
            ++i;
        } else if (n == 2 && b == 0xC2 && byte_at(text, i + 1) <= 0x9F) {
            append_hex(out, byte_at(text, i + 1)); // C1 control U+0080-U+009F
            i += 2;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string redact_secrets(std::string_view text, std::span<std::string const> secrets)
{
    std::string out(text);
    // Longest first, so that a credential inside a longer secret ("Bearer <key>") cannot leave
    // part of the longer one behind.
    std::vector<std::string_view> ordered;
    for (auto const& s : secrets)
        if (s.size() >= kMinRedactedSecret)
            ordered.push_back(s);
    std::sort(ordered.begin(), ordered.end(),
              [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
    for (std::string_view secret : ordered) {
        // Bounded: each replacement moves `at` past the text it inserted.
        for (std::size_t at = out.find(secret); at != std::string::npos;
             at = out.find(secret, at + kRedacted.size())) {
            out.replace(at, secret.size(), kRedacted);
        }
    }
    return out;
}

std::string sanitize_for_display(std::string_view text, std::span<std::string const> secrets)
{
    if (secrets.empty())
        return escape_for_display(text);
    return escape_for_display(redact_secrets(text, secrets));
}

std::vector<std::string> secrets_of_header_value(std::string_view value)
{
    std::vector<std::string> out;
    // "<scheme> <credential>": the scheme is no secret, and keeping it ("Bearer [redacted]")
    // tells the reader what was there.
    auto const space = value.find_last_of(' ');
    auto const secret = space == std::string_view::npos ? value : value.substr(space + 1);
    if (secret.size() >= kMinRedactedSecret)
        out.emplace_back(secret);
    return out;
}

void redact_secrets(ErrorInfo& info, std::span<std::string const> secrets)
{
    if (secrets.empty())
        return;
    for (std::string* field : {&info.server_message, &info.raw_server_message, &info.server_type,
                               &info.server_code, &info.request_id, &info.raw_body, &info.detail,
                               &info.hint})
        *field = redact_secrets(*field, secrets);
}

void rethrow_sanitised(std::string_view provider, std::span<std::string const> secrets)
{
    try {
        throw;
    } catch (ProviderError const& e) {
        bool const name = e.provider().empty() && !provider.empty();
        if (!name && secrets.empty())
            throw; // nothing to change: keep the original object
        auto info = e.info();
        redact_secrets(info, secrets);
        if (name)
            info.provider = std::string(provider);
        throw_error(e.error(), std::move(info));
    }
}

} // namespace llmio

#include <llmio/embedding.hpp>

#include <array>
#include <bit>
#include <cstdint>

namespace llmio {

std::string_view to_string(EmbeddingEncoding encoding) noexcept
{
    return encoding == EmbeddingEncoding::base64 ? "base64" : "float";
}

namespace {

constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_base64_table()
{
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t)
        v = kInvalid;
    constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::uint8_t i = 0; i < 64; ++i)
        t[static_cast<unsigned char>(alphabet[i])] = i;
    return t;
}

constexpr auto kBase64 = make_base64_table();

} // namespace

bool decode_base64_floats(std::string_view text, std::vector<float>& out)
{
    // Padding is optional; when present the text is a multiple of 4 and ends in up to two '='.
    if (!text.empty() && text.size() % 4 == 0) {
        for (int i = 0; i < 2 && !text.empty() && text.back() == '='; ++i)
            text.remove_suffix(1);
    }
    std::size_t const tail = text.size() % 4; // 0, 2 or 3 characters in the last group
    if (tail == 1)
        return false;
    std::size_t const bytes = text.size() / 4 * 3 + (tail == 0 ? 0 : tail - 1);
    if (bytes % 4 != 0)
        return false;
    out.clear();
    out.reserve(bytes / 4);

    std::uint32_t word = 0; // little-endian float being assembled
    int word_bytes = 0;
    auto push_byte = [&](std::uint32_t byte) {
        word |= byte << (8 * word_bytes);
        if (++word_bytes == 4) {
            out.push_back(std::bit_cast<float>(word));
            word = 0;
            word_bytes = 0;
        }
    };
    std::uint32_t bits = 0;
    int nbits = 0;
    for (char c : text) {
        std::uint8_t const v = kBase64[static_cast<unsigned char>(c)];
        if (v == kInvalid)
            return false;
        bits = (bits << 6) | v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            push_byte((bits >> nbits) & 0xffu);
        }
    }
    return word_bytes == 0 && out.size() == bytes / 4;
}

} // namespace llmio

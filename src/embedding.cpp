#include <llmio/embedding.hpp>

#include <llmio/detail/json_read.hpp>

#include <array>
#include <bit>
#include <cstdint>

namespace llmio {

namespace json = boost::json;
using boost::system::error_code;

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

void tag_invoke(json::value_from_tag, json::value& jv, EmbeddingEncoding encoding)
{
    jv = to_string(encoding);
}

boost::system::result<EmbeddingEncoding> tag_invoke(json::try_value_to_tag<EmbeddingEncoding>,
                                                    json::value const& jv)
{
    json::string const* s = jv.if_string();
    if (s == nullptr)
        return error_code(json::error::not_string);
    if (*s == "float")
        return EmbeddingEncoding::float32;
    if (*s == "base64")
        return EmbeddingEncoding::base64;
    return error_code(json::error::unknown_name);
}

void tag_invoke(json::value_from_tag, json::value& jv, EmbeddingRequest const& r)
{
    json::object& o = jv.emplace_object();
    o["model"] = r.model;
    o["input"] = json::value_from(r.input, o.storage());
    detail::put_if(o, "encoding", r.encoding);
    detail::put_if(o, "dimensions", r.dimensions);
    detail::put_if(o, "user", r.user);
    if (!r.extra.empty())
        o["extra"] = r.extra;
}

boost::system::result<EmbeddingRequest> tag_invoke(json::try_value_to_tag<EmbeddingRequest>,
                                                   json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    EmbeddingRequest r;
    r.model = detail::string_field(*o, "model", err);
    if (json::value const* in = detail::field(*o, "input"); in && in->is_string())
        r.input.emplace_back(in->get_string());
    else
        detail::list_field(*o, "input", r.input, err);
    detail::typed_field(*o, "encoding", r.encoding, err);
    r.dimensions = detail::integer_field(*o, "dimensions", err);
    if (json::value const* v = detail::field(*o, "user")) {
        if (!v->is_string())
            return error_code(json::error::not_string);
        r.user = std::string(v->get_string());
    }
    if (json::object const* extra = detail::object_field(*o, "extra", err))
        r.extra = *extra;
    if (err)
        return err.code();
    return r;
}

void tag_invoke(json::value_from_tag, json::value& jv, EmbeddingResponse const& r)
{
    json::object& o = jv.emplace_object();
    o["model"] = r.model;
    o["embeddings"] = json::value_from(r.embeddings, o.storage());
    detail::put_if(o, "usage", r.usage);
}

boost::system::result<EmbeddingResponse> tag_invoke(json::try_value_to_tag<EmbeddingResponse>,
                                                    json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    EmbeddingResponse r;
    r.model = detail::string_field(*o, "model", err);
    if (json::array const* vectors = detail::array_field(*o, "embeddings", err)) {
        r.embeddings.reserve(vectors->size());
        for (json::value const& v : *vectors) {
            json::array const* numbers = v.if_array();
            if (numbers == nullptr)
                return error_code(json::error::not_array);
            std::vector<float>& out = r.embeddings.emplace_back();
            out.reserve(numbers->size());
            for (json::value const& n : *numbers) {
                auto d = detail::as_double(n);
                if (!d)
                    return error_code(json::error::not_number);
                out.push_back(static_cast<float>(*d));
            }
        }
    }
    detail::typed_field(*o, "usage", r.usage, err);
    if (err)
        return err.code();
    return r;
}

} // namespace llmio

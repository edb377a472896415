// POST /v1/embeddings: vectors as float arrays, or base64 of little-endian float32 when the
// request's encoding_format is base64.

#include "openai_endpoints.hpp"

#include "json_text.hpp"
#include "model_resolution.hpp"
#include "openai_request.hpp"

#include <bit>
#include <charconv>
#include <cstring>

namespace llmio::gateway {

namespace asio = boost::asio;

namespace {

void append_floats(std::string& out, std::vector<float> const& vector)
{
    out += '[';
    char digits[32];
    for (std::size_t i = 0; i < vector.size(); ++i) {
        if (i)
            out += ',';
        // Shortest text that reads back as the same float.
        auto const end = std::to_chars(digits, digits + sizeof digits, vector[i]).ptr;
        out.append(digits, end);
    }
    out += ']';
}

void append_base64_floats(std::string& out, std::vector<float> const& vector)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string bytes(vector.size() * 4, '\0');
    for (std::size_t i = 0; i < vector.size(); ++i) {
        auto bits = std::bit_cast<std::uint32_t>(vector[i]);
        for (int b = 0; b < 4; ++b, bits >>= 8)
            bytes[i * 4 + b] = static_cast<char>(bits & 0xFF); // little-endian whatever the host
    }
    out += '"';
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        auto const n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) | (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) |
                       std::uint8_t(bytes[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    if (auto const rest = bytes.size() - i; rest > 0) {
        std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
        if (rest == 2)
            n |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    out += '"';
}

} // namespace

asio::awaitable<void> openai_embeddings(Exchange& exchange)
{
    auto call = read_embedding_call(parse_body_object(exchange.body()));
    auto const client_model = call.request.model;
    auto resolved = resolve_model(exchange.services(), client_model);
    call.request.model = std::move(resolved.model);
    auto const response = co_await resolved.provider->embed(std::move(call.request));
    if (response.usage)
        exchange.used_tokens(*response.usage);

    std::string body = "{\"object\":\"list\",\"data\":[";
    for (std::size_t i = 0; i < response.embeddings.size(); ++i) {
        body += i ? ",{\"object\":\"embedding\",\"index\":" : "{\"object\":\"embedding\",\"index\":";
        append_json_int(body, static_cast<std::int64_t>(i));
        body += ",\"embedding\":";
        if (call.base64)
            append_base64_floats(body, response.embeddings[i]);
        else
            append_floats(body, response.embeddings[i]);
        body += '}';
    }
    body += "],\"model\":";
    append_json_string(body, client_model);
    auto const usage = response.usage.value_or(Usage{});
    body += ",\"usage\":{\"prompt_tokens\":";
    append_json_int(body, usage.prompt_tokens);
    body += ",\"total_tokens\":";
    append_json_int(body, usage.total_tokens);
    body += "}}";
    co_await exchange.reply(Status::ok, "application/json", body);
}

} // namespace llmio::gateway

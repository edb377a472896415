#ifndef LLMIO_EMBEDDING_HPP
#define LLMIO_EMBEDDING_HPP

// Embeddings, provider-neutral.

#include <llmio/usage.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio {

/// How the server should encode vectors on the wire. The answer is `float` vectors either way.
enum class EmbeddingEncoding {
    float32, ///< JSON number arrays ("float").
    base64,  ///< Packed little-endian float32, base64 (smaller, exact).
};

/// "float" or "base64" (the wire names).
std::string_view to_string(EmbeddingEncoding encoding) noexcept;

/// An embedding request for one or more inputs.
struct EmbeddingRequest {
    std::string model;
    /// The texts to embed. One input is sent as a string, several as an array; the answer has
    /// one vector per input, in this order. Token-id inputs go through `extra`.
    std::vector<std::string> input;
    std::optional<EmbeddingEncoding> encoding; ///< Unset = not sent (server default: float).
    std::optional<std::int64_t> dimensions;     ///< Truncate vectors (models that support it).
    std::optional<std::string> user;
    boost::json::object extra;                  ///< Merged last, as in ChatRequest.

    friend bool operator==(EmbeddingRequest const&, EmbeddingRequest const&) = default;
};

/// One vector per input, in input order. The raw body is not kept: it would double the memory
/// of large batches.
struct EmbeddingResponse {
    std::string model;
    std::vector<std::vector<float>> embeddings;
    std::optional<Usage> usage;
    /// Served from a response cache (CachingProvider) instead of the server.
    bool cached = false;

    friend bool operator==(EmbeddingResponse const&, EmbeddingResponse const&) = default;
};

/// Decodes a base64 embedding (standard alphabet, padding optional) of packed little-endian
/// float32 values. Returns false, leaving `out` unspecified, when the text is not base64 or
/// its byte length is not a multiple of 4.
bool decode_base64_floats(std::string_view text, std::vector<float>& out);

} // namespace llmio

#endif // LLMIO_EMBEDDING_HPP

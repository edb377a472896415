#ifndef LLMIO_SRC_CACHE_CODEC_HPP
#define LLMIO_SRC_CACHE_CODEC_HPP

// How CachingProvider turns answers into cache entries (bytes) and requests into keys. Private.
//
// An entry is a compact binary encoding: a magic byte, a format version and a kind, then the
// fields in a fixed order (length-prefixed strings, little-endian numbers as in memory).
// Decoding checks every length and throws std::runtime_error on anything malformed: the cache
// then treats the entry as a miss.

#include <llmio/chat.hpp>
#include <llmio/completion.hpp>
#include <llmio/embedding.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace llmio::detail {

enum class EntryKind : unsigned char {
    chat = 1,       ///< A ChatResponse.
    chat_stream = 2, ///< The chunks of a streamed chat, as delivered.
    completion = 3,
    embedding = 4,
};

std::string encode_entry(ChatResponse const& response);
std::string encode_entry(std::vector<ChatChunk> const& chunks);
std::string encode_entry(CompletionResponse const& response);
std::string encode_entry(EmbeddingResponse const& response);

EntryKind entry_kind(std::string_view bytes);
/// A chat entry of either kind as a response (a stream's chunks assembled).
ChatResponse decode_chat(std::string_view bytes);
/// A chat entry of either kind as stream chunks (a whole answer becomes one chunk).
std::vector<ChatChunk> decode_chat_chunks(std::string_view bytes);
CompletionResponse decode_completion(std::string_view bytes);
EmbeddingResponse decode_embedding(std::string_view bytes);

/// The bytes a recorded chunk adds to an entry, about (for the entry bound).
std::size_t approximate_size(ChatChunk const& chunk) noexcept;

/// SHA-256 of the canonical JSON of everything that changes the answer, in hex.
std::string cache_key(std::string_view scope, ChatRequest const& request);
std::string cache_key(std::string_view scope, CompletionRequest const& request);
std::string cache_key(std::string_view scope, EmbeddingRequest const& request);

/// `value` serialised with every object's keys sorted (recursively), no spaces.
void canonical_json(boost::json::value const& value, std::string& out);

} // namespace llmio::detail

#endif

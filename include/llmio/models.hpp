#ifndef LLMIO_MODELS_HPP
#define LLMIO_MODELS_HPP

// What a server says about its models, provider-neutral.

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace llmio {

/// What a model can do. Unset = the server did not say (not "no").
struct ModelCapabilities {
    /// Maximum context in tokens as the server reports it (llama.cpp: the training context;
    /// vLLM: `max_model_len`). See `ModelInfo::loaded_context_length` for the loaded one.
    std::optional<std::int64_t> context_length;
    std::optional<bool> tool_use;
    std::optional<bool> vision;
    std::optional<bool> embeddings;
    std::optional<bool> reasoning;

    friend bool operator==(ModelCapabilities const&, ModelCapabilities const&) = default;
};

/// One model as listed by a server. Fields a server does not report stay empty.
struct ModelInfo {
    std::string id;           ///< What to put in a request's `model`.
    std::string display_name;
    std::string type;         ///< "llm", "vlm", "embedding" or "" when unknown.
    std::string owned_by;
    std::string publisher;
    std::string architecture;
    std::string quantization;
    std::string format;       ///< e.g. "gguf", "mlx".
    std::optional<std::int64_t> size_bytes;
    bool loaded_known = false; ///< Whether `loaded` carries information.
    bool loaded = false;
    std::optional<std::int64_t> loaded_context_length;
    ModelCapabilities capabilities;
    boost::json::value raw;    ///< The server's entry for this model, as received.

    friend bool operator==(ModelInfo const&, ModelInfo const&) = default;
};

} // namespace llmio

#endif // LLMIO_MODELS_HPP

#ifndef LLMIO_MODEL_ID_HPP
#define LLMIO_MODEL_ID_HPP

// The one check every provider runs on a model id before it goes into a request: a CR or LF
// could forge protocol lines (Ollama's and LM Studio's model management put ids in URLs and
// bodies), and no server names a model with control characters.

#include <string_view>

namespace llmio {

enum class ModelIdUse {
    optional, ///< Empty is fine (chat, complete, embed: the server picks its loaded model).
    required, ///< Empty is refused (load, unload, download, delete, supports_model, ...).
};

/// Throws InvalidRequestError (errc::invalid_request) when `model` contains a control character
/// (C0, DEL or C1 U+0080-U+009F), or is empty and `use` is `required`. The message shows the id
/// escaped (error_sanitize.hpp). `provider` names the provider in the error (may be empty).
void validate_model_id(std::string_view model, ModelIdUse use, std::string_view provider = {});

} // namespace llmio

#endif // LLMIO_MODEL_ID_HPP

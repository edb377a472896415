#ifndef LLMIO_GATEWAY_OPENAI_REQUEST_HPP
#define LLMIO_GATEWAY_OPENAI_REQUEST_HPP

// OpenAI request bodies read into llmio's request types: the reverse of
// providers/openai's writers. Every problem is an ApiException (400) naming the field.

#include <llmio/chat.hpp>
#include <llmio/completion.hpp>
#include <llmio/embedding.hpp>

#include <boost/json/object.hpp>

#include <string_view>

namespace llmio::gateway {

/// The body as a JSON object; 400 for malformed JSON or another type.
boost::json::object parse_body_object(std::string_view body);

/// A chat completion request as the client wants it served.
struct ChatCall {
    ChatRequest request;
    bool stream = false;
    bool include_usage = false; ///< stream_options.include_usage
};
ChatCall read_chat_call(boost::json::object body);

/// A legacy completion request as the client wants it served.
struct CompletionCall {
    CompletionRequest request;
    bool stream = false;
    bool include_usage = false;
};
CompletionCall read_completion_call(boost::json::object body);

/// An embedding request; `base64` when the client asked for `encoding_format` base64.
struct EmbeddingCall {
    EmbeddingRequest request;
    bool base64 = false;
};
EmbeddingCall read_embedding_call(boost::json::object body);

/// The `model` field (required, a non-empty string).
std::string read_model(boost::json::object const& body);

} // namespace llmio::gateway

#endif

#ifndef LLMIO_GATEWAY_OPENAI_ENDPOINTS_HPP
#define LLMIO_GATEWAY_OPENAI_ENDPOINTS_HPP

// The OpenAI-compatible API (docs/gateway.md): requests are read into llmio's types, served
// by the provider the `model` resolves to, and answered in OpenAI's format.

#include "exchange.hpp"

#include <boost/asio/awaitable.hpp>

#include <string_view>

namespace llmio::gateway {

/// POST /v1/chat/completions, streamed (SSE) or not.
boost::asio::awaitable<void> openai_chat_completions(Exchange& exchange);
/// POST /v1/completions, streamed (SSE) or not.
boost::asio::awaitable<void> openai_completions(Exchange& exchange);
/// POST /v1/embeddings.
boost::asio::awaitable<void> openai_embeddings(Exchange& exchange);
/// GET /v1/models: the routes, then every provider's models as `provider/model`.
boost::asio::awaitable<void> openai_models(Exchange& exchange);
/// GET /v1/models/{model}: one entry of that list (the id may be percent-encoded), else 404.
boost::asio::awaitable<void> openai_model(Exchange& exchange);
inline constexpr std::string_view kModelPathPrefix = "/v1/models/";

} // namespace llmio::gateway

#endif

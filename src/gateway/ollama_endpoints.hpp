#ifndef LLMIO_GATEWAY_OLLAMA_ENDPOINTS_HPP
#define LLMIO_GATEWAY_OLLAMA_ENDPOINTS_HPP

// The Ollama-compatible API (docs/gateway.md, "Ollama clients"): Ollama requests are read into
// llmio's types (ollama_wire.hpp), served by the provider the `model` resolves to, whatever
// server it is, and answered in Ollama's JSON and NDJSON. Errors are `{"error": "..."}`.

#include "exchange.hpp"

#include <boost/asio/awaitable.hpp>

namespace llmio::gateway {

/// POST /api/chat, streamed as NDJSON unless `"stream": false`.
boost::asio::awaitable<void> ollama_chat(Exchange& exchange);
/// POST /api/generate.
boost::asio::awaitable<void> ollama_generate(Exchange& exchange);
/// POST /api/embed and the legacy POST /api/embeddings.
boost::asio::awaitable<void> ollama_embed(Exchange& exchange);
boost::asio::awaitable<void> ollama_embeddings(Exchange& exchange);
/// POST /api/show: what the model's server lists of it, in Ollama's shape.
boost::asio::awaitable<void> ollama_show(Exchange& exchange);
/// GET /api/tags: the routes, then every provider's models as `provider/model`.
boost::asio::awaitable<void> ollama_tags(Exchange& exchange);
/// GET /api/ps: the models the servers say are loaded.
boost::asio::awaitable<void> ollama_ps(Exchange& exchange);
/// GET /api/version.
boost::asio::awaitable<void> ollama_version(Exchange& exchange);

} // namespace llmio::gateway

#endif

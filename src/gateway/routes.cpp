// The gateway's endpoints: one line each. Middleware (access control, CORS) is added first,
// since it runs in the order added.

#include "routes.hpp"

#include "ollama_endpoints.hpp"
#include "openai_endpoints.hpp"
#include "ops_endpoints.hpp"
#include "web_access.hpp"

namespace llmio::gateway {

namespace http = boost::beast::http;

void register_routes(RouteTable& table, Services& services)
{
    // CORS, client keys and rate limits, then the playground's page.
    add_web_access(table, services);

    // Operations.
    table.add(http::verb::get, "/health", serve_health);
    table.add(http::verb::get, "/metrics", serve_metrics);

    // The OpenAI-compatible API.
    table.add(http::verb::post, "/v1/chat/completions", openai_chat_completions);
    table.add(http::verb::post, "/v1/completions", openai_completions);
    table.add(http::verb::post, "/v1/embeddings", openai_embeddings);
    table.add(http::verb::get, "/v1/models", openai_models);

    // The Ollama-compatible API.
    table.add(http::verb::post, "/api/chat", ollama_chat);
    table.add(http::verb::post, "/api/generate", ollama_generate);
    table.add(http::verb::post, "/api/embed", ollama_embed);
    table.add(http::verb::post, "/api/embeddings", ollama_embeddings);
    table.add(http::verb::post, "/api/show", ollama_show);
    table.add(http::verb::get, "/api/tags", ollama_tags);
    table.add(http::verb::get, "/api/ps", ollama_ps);
    table.add(http::verb::get, "/api/version", ollama_version);

    // Last: a prefix, after every exact path.
    table.add_prefix(http::verb::get, std::string(kModelPathPrefix), openai_model);
}

} // namespace llmio::gateway

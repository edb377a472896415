#include <llmio/openai/provider.hpp>

#include <llmio/answer_limit.hpp>
#include <llmio/error.hpp>
#include <llmio/openai/error_rules.hpp>
#include <llmio/openai/sse_chat_source.hpp>
#include <llmio/openai/wire.hpp>

#include <boost/json/serialize.hpp>

#include <chrono>

namespace llmio::openai {

namespace asio = boost::asio;
using boost::beast::http::verb;

namespace {

TransportOptions transport_options(Options const& options, std::function<void()> on_model_not_found)
{
    TransportOptions out;
    out.provider = options.name;
    out.http = options.http;
    out.retry = options.retry;
    out.headers = options.headers;
    if (!options.api_key.empty())
        out.headers.push_back({"Authorization", "Bearer " + options.api_key, true});
    out.error_rules = error_rules();
    out.on_model_not_found = std::move(on_model_not_found);
    return out;
}

ModelCache::Options cache_options(Options const& options)
{
    ModelCache::Options out;
    out.ttl = options.model_cache_ttl;
    return out;
}

bool is_openai_host(http::Endpoint const& endpoint) { return endpoint.host() == "api.openai.com"; }

} // namespace

OpenAICompatibleProvider::OpenAICompatibleProvider(asio::any_io_executor executor, Options options)
    : options_(std::move(options))
    , include_usage_(false)
    , transport_(std::move(executor), http::Endpoint::parse(options_.base_url),
                 // A model the server no longer knows makes the cached list stale.
                 transport_options(options_, [this] { cache_.invalidate(); }))
    , cache_([this]() { return do_list_models(); }, cache_options(options_))
{
    include_usage_ = options_.include_usage.value_or(is_openai_host(transport_.endpoint()));
    set_metrics(options_.metrics);
}

asio::awaitable<std::vector<ModelInfo>> OpenAICompatibleProvider::do_list_models()
{
    JsonCall request{verb::get, "/v1/models", {}, "data"};
    auto response = co_await transport_.call_json(std::move(request), {});
    co_return transport_.decoded([&] { return parse_models(response.body); });
}

asio::awaitable<ChatResponse> OpenAICompatibleProvider::do_chat(ChatRequest request, CallOptions call)
{
    auto body = co_await chat_body(request, false);
    JsonCall http_request{verb::post, "/v1/chat/completions", std::move(body), "choices"};
    auto response = co_await transport_.call_json(std::move(http_request), call);
    auto answer = transport_.decoded([&] { return parse_chat_response(response.body); });
    AnswerLimit::check(answer, options_.http.limits.max_answer_bytes, options_.name);
    co_return answer;
}

asio::awaitable<bool> OpenAICompatibleProvider::is_llamacpp()
{
    if (!options_.server_kind.empty())
        co_return options_.server_kind == "llamacpp";
    try {
        for (auto const& m : co_await cache_.models())
            if (m.owned_by == "llamacpp")
                co_return true;
    } catch (CancelledError const&) {
        throw;
    } catch (ProviderError const&) {
        // Unknown server: the chat itself reports what is wrong with it.
    }
    co_return false;
}

asio::awaitable<std::string> OpenAICompatibleProvider::chat_body(ChatRequest const& request, bool stream)
{
    bool const wants_schema = request.response_format &&
                              request.response_format->type == ResponseFormat::Type::json_schema;
    if (!wants_schema)
        co_return chat_request_text(request, stream, include_usage_);
    auto body = chat_request_body(request, stream, include_usage_);
    if (!body.contains("json_schema") && co_await is_llamacpp())
        add_llamacpp_json_schema(body);
    co_return boost::json::serialize(body);
}

asio::awaitable<ChatStream> OpenAICompatibleProvider::do_chat_stream(ChatRequest request, CallOptions call)
{
    auto body = co_await chat_body(request, true);
    StreamCall http_request{verb::post,          "/v1/chat/completions", std::move(body),
                            "text/event-stream", "text/event-stream",    "choices",
                            "a streamed chat"};
    auto stream = co_await transport_.open_stream(std::move(http_request), call);
    co_return ChatStream(std::make_unique<SseChatSource>(std::move(stream), transport_));
}

asio::awaitable<CompletionResponse> OpenAICompatibleProvider::do_complete(CompletionRequest request,
                                                                        CallOptions call)
{
    JsonCall http_request{verb::post, "/v1/completions",
                          boost::json::serialize(completion_request_body(request, false, include_usage_)),
                          "choices"};
    auto response = co_await transport_.call_json(std::move(http_request), call);
    co_return transport_.decoded([&] { return parse_completion_response(response.body); });
}

asio::awaitable<CompletionStream> OpenAICompatibleProvider::do_complete_stream(CompletionRequest request,
                                                                             CallOptions call)
{
    // docs/protocols.md, OpenAI: streaming: the same events as chat with `text_completion`
    // chunks; a server that answers JSON anyway is handled by open_stream as for chat.
    StreamCall http_request{verb::post,
                            "/v1/completions",
                            boost::json::serialize(completion_request_body(request, true, include_usage_)),
                            "text/event-stream",
                            "text/event-stream",
                            "choices",
                            "a streamed completion"};
    auto stream = co_await transport_.open_stream(std::move(http_request), call);
    co_return CompletionStream(std::make_unique<SseCompletionSource>(std::move(stream), transport_));
}

asio::awaitable<EmbeddingResponse> OpenAICompatibleProvider::do_embed(EmbeddingRequest request,
                                                                     CallOptions call)
{
    JsonCall http_request{verb::post, "/v1/embeddings",
                          boost::json::serialize(embedding_request_body(request)), "data"};
    auto response = co_await transport_.call_json(std::move(http_request), call);
    co_return transport_.decoded([&] { return parse_embedding_response(response.body); });
}

asio::awaitable<bool> OpenAICompatibleProvider::do_supports_model(std::string model)
{
    auto const found = co_await cache_.find(std::move(model));
    co_return found.has_value();
}

asio::awaitable<std::optional<ModelCapabilities>>
OpenAICompatibleProvider::do_model_capabilities(std::string model)
{
    auto found = co_await cache_.find(std::move(model));
    if (!found)
        co_return std::nullopt;
    co_return std::move(found->capabilities);
}

asio::awaitable<HealthStatus> OpenAICompatibleProvider::do_health()
{
    return models_health(transport_);
}

asio::awaitable<ServerInfo> OpenAICompatibleProvider::do_info()
{
    ServerInfo info;
    info.base_url = transport_.endpoint().to_string();
    info.kind = "openai";
    try {
        auto models = co_await do_list_models();
        info.model_count = models.size();
        // The model cards tell compatible servers apart (docs/protocols.md, Discovery).
        for (auto const& m : models) {
            if (m.owned_by == "llamacpp")
                info.kind = "llamacpp";
            else if (m.owned_by == "vllm")
                info.kind = "vllm";
        }
    } catch (AuthenticationError const&) {
        info.auth_required = true;
    }
    co_return info;
}

asio::awaitable<HealthStatus> models_health(ProviderTransport& transport)
{
    auto const started = std::chrono::steady_clock::now();
    HealthStatus status;
    try {
        CallOptions once;
        once.retry = RetryPolicy::none();
        JsonCall request{verb::get, "/v1/models", {}, "data"};
        auto response = co_await transport.call_json(std::move(request), once);
        status.ok = true;
        status.detail = "GET /v1/models answered " + std::to_string(response.status);
    } catch (CancelledError const&) {
        throw;
    } catch (ProviderError const& e) {
        status.detail = e.what();
    }
    status.latency = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    co_return status;
}

} // namespace llmio::openai

#include <llmio/openai/provider.hpp>

#include <llmio/answer_limit.hpp>
#include <llmio/detail/forget_on_model_not_found.hpp>
#include <llmio/error.hpp>
#include <llmio/openai/sse_chat_source.hpp>
#include <llmio/openai/wire.hpp>

#include <boost/json/serialize.hpp>

#include <chrono>

namespace llmio::openai {

namespace asio = boost::asio;
using boost::beast::http::verb;

namespace {

TransportOptions transport_options(Options const& options)
{
    TransportOptions out;
    out.provider = options.name;
    out.http = options.http;
    out.retry = options.retry;
    out.headers = options.headers;
    if (!options.api_key.empty())
        out.headers.push_back({"Authorization", "Bearer " + options.api_key, true});
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
                 transport_options(options_))
    , cache_([this]() { return do_list_models(); }, cache_options(options_))
{
    include_usage_ = options_.include_usage.value_or(is_openai_host(transport_.endpoint()));
}

asio::awaitable<std::vector<ModelInfo>> OpenAICompatibleProvider::do_list_models()
{
    auto response = co_await transport_.send(transport_.json_request(verb::get, "/v1/models"), {});
    transport_.check_json_answer(response, "data");
    co_return parse_models(response.body);
}

asio::awaitable<ChatResponse> OpenAICompatibleProvider::do_chat(ChatRequest request, CallOptions call)
{
    co_return co_await detail::forget_on_model_not_found(cache_, send_chat(std::move(request), std::move(call)));
}

asio::awaitable<ChatResponse> OpenAICompatibleProvider::send_chat(ChatRequest request, CallOptions call)
{
    auto body = co_await chat_body(request, false);
    auto response = co_await transport_.send(
        transport_.json_request(verb::post, "/v1/chat/completions", std::move(body)), call);
    transport_.check_json_answer(response, "choices");
    auto answer = parse_chat_response(response.body);
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
    auto body = chat_request_body(request, stream, include_usage_);
    bool const wants_schema = request.response_format &&
                              request.response_format->type == ResponseFormat::Type::json_schema;
    if (wants_schema && !body.contains("json_schema") && co_await is_llamacpp())
        add_llamacpp_json_schema(body);
    co_return boost::json::serialize(body);
}

asio::awaitable<ChatStream> OpenAICompatibleProvider::do_chat_stream(ChatRequest request, CallOptions call)
{
    co_return co_await detail::forget_on_model_not_found(cache_, open_chat_stream(std::move(request), std::move(call)));
}

asio::awaitable<ChatStream> OpenAICompatibleProvider::open_chat_stream(ChatRequest request, CallOptions call)
{
    auto body = co_await chat_body(request, true);
    auto http_request = transport_.json_request(verb::post, "/v1/chat/completions", std::move(body));
    http_request.headers.back().value = "text/event-stream";
    auto stream = co_await transport_.open(std::move(http_request), call);

    auto const type = stream.header("Content-Type");
    if (type.find("text/event-stream") == std::string_view::npos) {
        // The server ignored `stream` or answered an error as JSON with status 200.
        http::HttpResponse response;
        response.status = stream.status();
        response.headers = stream.headers();
        response.body = co_await stream.read_all(transport_.options().http.limits.max_body_bytes);
        transport_.check_json_answer(response, "choices");
        ErrorInfo info;
        info.provider = options_.name;
        info.http_status = static_cast<int>(response.status);
        set_raw_body(info, response.body);
        info.detail = "expected text/event-stream for a streamed chat, got " +
                      (type.empty() ? std::string("no Content-Type") : std::string(type));
        throw_error(errc::unexpected_content_type, std::move(info));
    }
    co_return ChatStream(std::make_unique<SseChatSource>(std::move(stream), transport_));
}

asio::awaitable<CompletionResponse> OpenAICompatibleProvider::do_complete(CompletionRequest request,
                                                                        CallOptions call)
{
    co_return co_await detail::forget_on_model_not_found(cache_, send_complete(std::move(request), std::move(call)));
}

asio::awaitable<CompletionResponse> OpenAICompatibleProvider::send_complete(CompletionRequest request,
                                                                          CallOptions call)
{
    auto body = boost::json::serialize(completion_request_body(request, false, include_usage_));
    auto response = co_await transport_.send(
        transport_.json_request(verb::post, "/v1/completions", std::move(body)), call);
    transport_.check_json_answer(response, "choices");
    co_return parse_completion_response(response.body);
}

asio::awaitable<EmbeddingResponse> OpenAICompatibleProvider::do_embed(EmbeddingRequest request,
                                                                     CallOptions call)
{
    co_return co_await detail::forget_on_model_not_found(cache_, send_embed(std::move(request), std::move(call)));
}

asio::awaitable<EmbeddingResponse> OpenAICompatibleProvider::send_embed(EmbeddingRequest request,
                                                                      CallOptions call)
{
    auto body = boost::json::serialize(embedding_request_body(request));
    auto response = co_await transport_.send(
        transport_.json_request(verb::post, "/v1/embeddings", std::move(body)), call);
    transport_.check_json_answer(response, "data");
    co_return parse_embedding_response(response.body);
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
    auto const started = std::chrono::steady_clock::now();
    HealthStatus status;
    try {
        CallOptions once;
        once.retry = RetryPolicy::none();
        auto response = co_await transport_.send(transport_.json_request(verb::get, "/v1/models"), once);
        transport_.check_json_answer(response, "data");
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

} // namespace llmio::openai

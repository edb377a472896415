#include <llmio/lmstudio/provider.hpp>

#include <llmio/answer_limit.hpp>
#include <llmio/error.hpp>

#include <llmio/lmstudio/error_rules.hpp>
#include <llmio/lmstudio/stats_wire.hpp>
#include <llmio/openai/provider.hpp>
#include <llmio/openai/sse_chat_source.hpp>
#include <llmio/openai/wire.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <utility>

namespace llmio::lmstudio {

namespace asio = boost::asio;
using boost::beast::http::verb;

namespace {

// `api_key`, else the deprecated `api_token` that code written for older versions may set.
std::string api_key(Options const& options)
{
    if (!options.api_key.empty())
        return options.api_key;
    return options.api_token;
}

http::Endpoint endpoint(Options const& options)
{
    // LM Studio's prefixes: `/api/v0` or `/api/v1` at the end of the URL is an API prefix, not
    // a base path.
    http::Endpoint::ParseOptions parse;
    parse.api_prefixes = kApiPrefixes;
    return http::Endpoint::parse(options.base_url, parse);
}

TransportOptions transport_options(Options const& options, std::function<void()> on_model_not_found)
{
    TransportOptions out;
    out.provider = options.name;
    out.http = options.http;
    out.retry = options.retry;
    out.headers = options.headers;
    if (auto key = api_key(options); !key.empty())
        out.headers.push_back({"Authorization", "Bearer " + key, true});
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

bool asks_for_json_object(ChatRequest const& request)
{
    if (auto const* format = request.extra.if_contains("response_format")) {
        // `extra` replaces llmio's field, so what it says is what would be sent.
        auto const* object = format->if_object();
        if (!object)
            return false;
        auto const* type = object->if_contains("type");
        return type && type->is_string() && type->get_string() == "json_object";
    }
    return request.response_format && request.response_format->type == ResponseFormat::Type::json_object;
}

} // namespace

Provider::Provider(asio::any_io_executor executor, Options options)
    : options_(std::move(options))
    , transport_(std::move(executor), endpoint(options_),
                 // A model the server no longer knows makes the cached list stale.
                 transport_options(options_, [this] { cache_.invalidate(); }))
    , cache_([this]() { return do_list_models(); }, cache_options(options_))
{
    set_metrics(options_.metrics);
}

ProviderFeatures Provider::features() const noexcept
{
    ProviderFeatures f;
    f.model_management = true;
    f.completion_streaming = true;
    return f;
}

void Provider::add_defaults(boost::json::object& extra, bool generation) const
{
    if (options_.ttl && !extra.contains("ttl"))
        extra["ttl"] = options_.ttl->count();
    if (generation && options_.draft_model && !extra.contains("draft_model"))
        extra["draft_model"] = *options_.draft_model;
}

void Provider::check_chat_request(ChatRequest const& request) const
{
    if (!asks_for_json_object(request))
        return;
    ErrorInfo info;
    info.provider = options_.name;
    info.detail = "LM Studio rejects response_format type json_object (it accepts only "
                  "json_schema or text)";
    info.hint = "use ResponseFormat::json_schema(name, schema) to get JSON output";
    throw_error(errc::unsupported, std::move(info));
}

asio::awaitable<Provider::Probe> Provider::probe(CallOptions const& call)
{
    // LM Studio answers a route it lacks with 200 + {"error":"Unexpected endpoint ..."}; a
    // proxy or another server may answer 404. Either means "not this API". Other failures
    // (a refused connection, 5xx) are retried per the call's policy like any request.
    auto fetch = [&](std::string path, std::string_view member) -> asio::awaitable<std::optional<std::string>> {
        try {
            auto response = co_await transport_.send(transport_.json_request(verb::get, std::move(path)), call);
            if (is_error_body(response.body, member))
                co_return std::nullopt;
            transport_.check_json_answer(response, member); // an HTML page is no answer at all
            co_return std::move(response.body);
        } catch (InvalidRequestError const&) {
            co_return std::nullopt;
        } catch (ModelNotFoundError const&) {
            co_return std::nullopt;
        }
    };
    Probe found;
    if (auto body = co_await fetch("/api/v1/models", "models")) {
        found = {NativeApi::v1, std::move(*body)};
    } else if (auto body0 = co_await fetch("/api/v0/models", "data")) {
        found = {NativeApi::v0, std::move(*body0)};
    }
    native_.store(static_cast<int>(found.api));
    co_return found;
}

asio::awaitable<NativeApi> Provider::native_api(CallOptions call)
{
    if (auto const known = native_.load(); known >= 0)
        co_return static_cast<NativeApi>(known);
    co_return (co_await probe(call)).api;
}

asio::awaitable<std::vector<ModelInfo>> Provider::native_models(NativeApi api, CallOptions call)
{
    bool const v1 = api == NativeApi::v1;
    JsonCall request{verb::get, v1 ? "/api/v1/models" : "/api/v0/models", {}, v1 ? "models" : "data"};
    auto response = co_await transport_.call_json(std::move(request), call);
    co_return transport_.decoded([&] {
        return v1 ? parse_api_v1_models(response.body) : parse_api_v0_models(response.body);
    });
}

asio::awaitable<std::optional<std::vector<ModelInfo>>> Provider::native_listing(CallOptions call)
{
    auto api = NativeApi::none;
    if (auto const known = native_.load(); known >= 0) {
        api = static_cast<NativeApi>(known);
    } else {
        // The probe's answer is the first listing: one GET, not two.
        auto found = co_await probe(call);
        if (found.api == NativeApi::v1)
            co_return parse_api_v1_models(found.models_body);
        if (found.api == NativeApi::v0)
            co_return parse_api_v0_models(found.models_body);
    }
    if (api == NativeApi::none)
        co_return std::nullopt;
    co_return co_await native_models(api, std::move(call));
}

asio::awaitable<std::vector<ModelInfo>> Provider::do_list_models()
{
    if (auto models = co_await native_listing())
        co_return std::move(*models);
    co_return co_await v1_models();
}

asio::awaitable<std::vector<ModelInfo>> Provider::v1_models()
{
    JsonCall request{verb::get, "/v1/models", {}, "data"};
    CallOptions const call;
    auto response = co_await transport_.call_json(std::move(request), call);
    co_return transport_.decoded([&] { return openai::parse_models(response.body); });
}

asio::awaitable<bool> Provider::use_v0(CallOptions const& call)
{
    if (!options_.native_stats)
        co_return false;
    // The probe is not the measured request: its answer is no part of the call's figures.
    CallOptions probe = call;
    probe.meter = nullptr;
    auto const api = co_await native_api(std::move(probe));
    co_return api != NativeApi::none;
}

// /api/v0 when it answers with `stats`, else /v1: the same body either way.
asio::awaitable<ChatResponse> Provider::do_chat(ChatRequest request, CallOptions call)
{
    check_chat_request(request);
    add_defaults(request.extra, true);
    auto const v0 = co_await use_v0(call);
    JsonCall http_request{verb::post, v0 ? "/api/v0/chat/completions" : "/v1/chat/completions",
                          openai::chat_request_text(request, false, false),
                          "choices"};
    auto response = co_await transport_.call_json(std::move(http_request), call);
    auto answer = transport_.decoded([&] {
        return v0 ? parse_v0_chat_response(response.body) : openai::parse_chat_response(response.body);
    });
    AnswerLimit::check(answer, options_.http.limits.max_answer_bytes, options_.name);
    co_return answer;
}

asio::awaitable<CompletionResponse> Provider::do_complete(CompletionRequest request, CallOptions call)
{
    add_defaults(request.extra, true);
    auto const v0 = co_await use_v0(call);
    JsonCall http_request{verb::post, v0 ? "/api/v0/completions" : "/v1/completions",
                          boost::json::serialize(openai::completion_request_body(request, false, false)),
                          "choices"};
    auto response = co_await transport_.call_json(std::move(http_request), call);
    co_return transport_.decoded([&] {
        return v0 ? parse_v0_completion_response(response.body)
                  : openai::parse_completion_response(response.body);
    });
}

// Streams stay on /v1: /api/v0 streams carry no stats (docs/protocols.md, LM Studio).
asio::awaitable<ChatStream> Provider::do_chat_stream(ChatRequest request, CallOptions call)
{
    check_chat_request(request);
    add_defaults(request.extra, true);
    StreamCall http_request{verb::post,
                            "/v1/chat/completions",
                            openai::chat_request_text(request, true, options_.include_usage),
                            "text/event-stream",
                            "text/event-stream",
                            "choices",
                            "a streamed chat"};
    auto stream = co_await transport_.open_stream(std::move(http_request), call);
    co_return ChatStream(std::make_unique<openai::SseChatSource>(std::move(stream), transport_));
}

asio::awaitable<CompletionStream> Provider::do_complete_stream(CompletionRequest request, CallOptions call)
{
    add_defaults(request.extra, true);
    StreamCall http_request{
        verb::post,
        "/v1/completions",
        boost::json::serialize(openai::completion_request_body(request, true, options_.include_usage)),
        "text/event-stream",
        "text/event-stream",
        "choices",
        "a streamed completion"};
    auto stream = co_await transport_.open_stream(std::move(http_request), call);
    co_return CompletionStream(std::make_unique<openai::SseCompletionSource>(std::move(stream), transport_));
}

asio::awaitable<EmbeddingResponse> Provider::do_embed(EmbeddingRequest request, CallOptions call)
{
    add_defaults(request.extra, false);
    JsonCall http_request{verb::post, "/v1/embeddings",
                          boost::json::serialize(openai::embedding_request_body(request)), "data"};
    auto response = co_await transport_.call_json(std::move(http_request), call);
    co_return transport_.decoded([&] { return openai::parse_embedding_response(response.body); });
}

asio::awaitable<bool> Provider::do_supports_model(std::string model)
{
    auto const found = co_await cache_.find(std::move(model));
    co_return found.has_value();
}

asio::awaitable<std::optional<ModelCapabilities>>
Provider::do_model_capabilities(std::string model)
{
    auto found = co_await cache_.find(std::move(model));
    if (!found)
        co_return std::nullopt;
    co_return std::move(found->capabilities);
}

asio::awaitable<HealthStatus> Provider::do_health()
{
    return openai::models_health(transport_);
}

asio::awaitable<ServerInfo> Provider::do_info()
{
    ServerInfo info;
    info.kind = "lmstudio";
    info.base_url = transport_.endpoint().to_string();
    // `/lmstudio-greeting` is what LM Studio's own tools probe; it needs no token.
    CallOptions once;
    once.retry = RetryPolicy::none();
    auto response = co_await transport_.send(transport_.json_request(verb::get, "/lmstudio-greeting"), once);
    boost::system::error_code ec;
    auto greeting = boost::json::parse(response.body, ec);
    auto const* object = ec ? nullptr : greeting.if_object();
    auto const* flag = object ? object->if_contains("lmstudio") : nullptr;
    if (!flag || !flag->is_bool() || !flag->get_bool()) {
        ErrorInfo error;
        error.provider = options_.name;
        error.http_status = static_cast<int>(response.status);
        set_raw_body(error, response.body);
        error.detail = "GET /lmstudio-greeting did not answer {\"lmstudio\":true}: not an LM Studio server";
        throw_error(errc::malformed_response, std::move(error));
    }
    if (auto const* version = object->if_contains("version"); version && version->is_string())
        info.version = std::string(version->get_string());
    info.raw = std::move(greeting);
    try {
        info.model_count = (co_await v1_models()).size();
    } catch (AuthenticationError const&) {
        info.auth_required = true;
    }
    co_return info;
}

} // namespace llmio::lmstudio

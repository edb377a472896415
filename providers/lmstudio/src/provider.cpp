#include <llmio/lmstudio/provider.hpp>

#include <llmio/answer_limit.hpp>
#include <llmio/detail/forget_on_model_not_found.hpp>
#include <llmio/error.hpp>

#include <llmio/lmstudio/stats_wire.hpp>
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

openai::Options v1_options(Options const& options)
{
    openai::Options out;
    // Parsed with LM Studio's prefixes, so that `/api/v0` or `/api/v1` at the end of the URL
    // is recognised as an API prefix rather than kept as a base path.
    http::Endpoint::ParseOptions parse;
    parse.api_prefixes = kApiPrefixes;
    out.base_url = http::Endpoint::parse(options.base_url, parse).to_string();
    out.api_key = api_key(options);
    out.include_usage = options.include_usage;
    out.name = "lmstudio";
    out.http = options.http;
    out.retry = options.retry;
    out.headers = options.headers;
    out.model_cache_ttl = options.model_cache_ttl;
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
    , v1_(std::move(executor), v1_options(options_))
    , cache_([this]() { return do_list_models(); }, cache_options(options_))
{
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
    info.provider = "lmstudio";
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
            auto response = co_await transport().send(transport().json_request(verb::get, std::move(path)), call);
            if (is_error_body(response.body, member))
                co_return std::nullopt;
            transport().check_json_answer(response, member); // an HTML page is no answer at all
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
    auto response = co_await transport().send(
        transport().json_request(verb::get, v1 ? "/api/v1/models" : "/api/v0/models"), call);
    transport().check_json_answer(response, v1 ? "models" : "data");
    co_return v1 ? parse_api_v1_models(response.body) : parse_api_v0_models(response.body);
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
    co_return co_await v1_.list_models();
}

asio::awaitable<bool> Provider::use_v0(CallOptions const& call)
{
    if (!options_.native_stats)
        co_return false;
    auto const api = co_await native_api(call);
    co_return api != NativeApi::none;
}

asio::awaitable<ChatResponse> Provider::do_chat(ChatRequest request, CallOptions call)
{
    check_chat_request(request);
    add_defaults(request.extra, true);
    auto const v0 = co_await use_v0(call);
    if (v0)
        co_return co_await detail::forget_on_model_not_found(cache_, v0_chat(std::move(request), std::move(call)));
    co_return co_await detail::forget_on_model_not_found(cache_, v1_.chat(std::move(request), std::move(call)));
}

asio::awaitable<ChatResponse> Provider::v0_chat(ChatRequest request, CallOptions call)
{
    auto body = boost::json::serialize(openai::chat_request_body(request, false, false));
    auto response = co_await transport().send(
        transport().json_request(verb::post, "/api/v0/chat/completions", std::move(body)), call);
    // LM Studio answers errors (even "No models loaded") in JSON, some with status 200.
    transport().check_json_answer(response, "choices");
    auto answer = parse_v0_chat_response(response.body);
    AnswerLimit::check(answer, options_.http.limits.max_answer_bytes, "lmstudio");
    co_return answer;
}

asio::awaitable<CompletionResponse> Provider::v0_complete(CompletionRequest request, CallOptions call)
{
    auto body = boost::json::serialize(openai::completion_request_body(request, false, false));
    auto response = co_await transport().send(
        transport().json_request(verb::post, "/api/v0/completions", std::move(body)), call);
    transport().check_json_answer(response, "choices");
    co_return parse_v0_completion_response(response.body);
}

asio::awaitable<ChatStream> Provider::do_chat_stream(ChatRequest request, CallOptions call)
{
    check_chat_request(request);
    add_defaults(request.extra, true);
    co_return co_await detail::forget_on_model_not_found(cache_, v1_.chat_stream(std::move(request), std::move(call)));
}

asio::awaitable<CompletionStream> Provider::do_complete_stream(CompletionRequest request, CallOptions call)
{
    // Streams carry no stats on /api/v0 (docs/protocols.md, LM Studio): /v1, as do_chat_stream.
    add_defaults(request.extra, true);
    co_return co_await detail::forget_on_model_not_found(cache_, v1_.complete_stream(std::move(request), std::move(call)));
}

asio::awaitable<CompletionResponse> Provider::do_complete(CompletionRequest request,
                                                                 CallOptions call)
{
    add_defaults(request.extra, true);
    auto const v0 = co_await use_v0(call);
    if (v0)
        co_return co_await detail::forget_on_model_not_found(cache_, v0_complete(std::move(request), std::move(call)));
    co_return co_await detail::forget_on_model_not_found(cache_, v1_.complete(std::move(request), std::move(call)));
}

asio::awaitable<EmbeddingResponse> Provider::do_embed(EmbeddingRequest request, CallOptions call)
{
    add_defaults(request.extra, false);
    co_return co_await detail::forget_on_model_not_found(cache_, v1_.embed(std::move(request), std::move(call)));
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
    co_return co_await v1_.health();
}

asio::awaitable<ServerInfo> Provider::do_info()
{
    ServerInfo info;
    info.kind = "lmstudio";
    info.base_url = transport().endpoint().to_string();
    // `/lmstudio-greeting` is what LM Studio's own tools probe; it needs no token.
    CallOptions once;
    once.retry = RetryPolicy::none();
    auto response = co_await transport().send(transport().json_request(verb::get, "/lmstudio-greeting"), once);
    boost::system::error_code ec;
    auto greeting = boost::json::parse(response.body, ec);
    auto const* object = ec ? nullptr : greeting.if_object();
    auto const* flag = object ? object->if_contains("lmstudio") : nullptr;
    if (!flag || !flag->is_bool() || !flag->get_bool()) {
        ErrorInfo error;
        error.provider = "lmstudio";
        error.http_status = static_cast<int>(response.status);
        set_raw_body(error, response.body);
        error.detail = "GET /lmstudio-greeting did not answer {\"lmstudio\":true}: not an LM Studio server";
        throw_error(errc::malformed_response, std::move(error));
    }
    if (auto const* version = object->if_contains("version"); version && version->is_string())
        info.version = std::string(version->get_string());
    info.raw = std::move(greeting);
    try {
        info.model_count = (co_await v1_.list_models()).size();
    } catch (AuthenticationError const&) {
        info.auth_required = true;
    }
    co_return info;
}

} // namespace llmio::lmstudio

#include <llmio/ollama/provider.hpp>

#include <llmio/answer_limit.hpp>
#include <llmio/error.hpp>
#include <llmio/http/ndjson_splitter.hpp>
#include <llmio/model_id.hpp>
#include <llmio/ollama/error_rules.hpp>
#include <llmio/ollama/ndjson_chat_source.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/serialize.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <chrono>

namespace llmio::ollama {

namespace asio = boost::asio;
namespace json = boost::json;
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

// `https://ollama.com/api` names the API root; requests add `/api/...` themselves.
http::Endpoint resolve_endpoint(std::string const& host)
{
    std::string_view text = host;
    while (!text.empty() && (text.back() == '/' || text.back() == ' '))
        text.remove_suffix(1);
    if (text.size() >= 4 && text.substr(text.size() - 4) == "/api")
        text.remove_suffix(4);
    return parse_ollama_host(text.empty() ? std::string_view("127.0.0.1:11434") : text);
}

ModelCache::Options cache_options(Options const& options)
{
    ModelCache::Options out;
    out.ttl = options.model_cache_ttl;
    out.clock = options.model_cache_clock;
    out.key = [](std::string_view id) { return canonical_model_name(id); };
    return out;
}

[[noreturn]] void throw_pull_cancelled(std::string const& provider, std::string const& model)
{
    ErrorInfo info;
    info.provider = provider;
    info.detail = "download of " + model + " cancelled";
    throw_error(errc::cancelled, std::move(info));
}

// Distinct names asked about between invalidations; past this the per-model caches start over.
constexpr std::size_t kMaxShowCaches = 256;

} // namespace

OllamaProvider::OllamaProvider(asio::any_io_executor executor, Options options)
    : options_(std::move(options))
    // "Model not found" means our cached view of the server is stale (a model was removed or
    // renamed behind our back): the caches are forgotten, whatever request heard it.
    , transport_(std::move(executor),
                 resolve_endpoint(options_.base_url.empty() ? options_.host : options_.base_url),
                 transport_options(options_, [this] { invalidate_model_cache(); }))
    , models_([this] { return fetch_tags(); }, cache_options(options_))
{
    set_metrics(options_.metrics);
}

void OllamaProvider::invalidate_model_cache() noexcept
{
    models_.invalidate();
    std::unordered_map<std::string, std::shared_ptr<ModelCache>> dropped;
    {
        std::lock_guard lock(shows_mutex_);
        dropped.swap(shows_);
    }
}

std::shared_ptr<ModelCache> OllamaProvider::show_cache(std::string const& canonical_name)
{
    std::lock_guard lock(shows_mutex_);
    if (auto it = shows_.find(canonical_name); it != shows_.end())
        return it->second;
    // Callers that hold a cache keep it alive; only the map forgets.
    if (shows_.size() >= kMaxShowCaches)
        shows_.clear();
    auto cache = std::make_shared<ModelCache>([this, canonical_name] { return fetch_show(canonical_name); },
                                              cache_options(options_));
    shows_.emplace(canonical_name, cache);
    return cache;
}

ProviderFeatures OllamaProvider::features() const noexcept
{
    ProviderFeatures f;
    f.model_management = true;
    f.completion_streaming = true;
    return f;
}

// Not coroutines: the transport's call is the caller's next frame.
asio::awaitable<http::HttpResponse> OllamaProvider::post_json(std::string path, std::string body,
                                                              CallOptions const& call,
                                                              std::string_view expected_member)
{
    JsonCall request{verb::post, std::move(path), std::move(body), expected_member};
    return transport_.call_json(std::move(request), call);
}

asio::awaitable<http::HttpResponse> OllamaProvider::get_json(std::string path, std::string_view expected_member)
{
    JsonCall request{verb::get, std::move(path), {}, expected_member};
    return transport_.call_json(std::move(request), {});
}

asio::awaitable<std::vector<ModelInfo>> OllamaProvider::fetch_tags()
{
    auto response = co_await get_json("/api/tags", "models");
    co_return transport_.decoded([&] { return parse_tags(response.body); });
}

asio::awaitable<std::vector<ModelInfo>> OllamaProvider::do_list_models()
{
    auto models = co_await fetch_tags();
    // Loaded state and loaded context length: /api/ps. A server without it (a proxy, a cloud
    // endpoint answering 404) leaves them unknown rather than failing the listing.
    std::optional<std::vector<ModelInfo>> loaded;
    try {
        auto response = co_await get_json("/api/ps", "models");
        loaded = transport_.decoded([&] { return parse_ps(response.body); });
    } catch (InvalidRequestError const&) {
    } catch (ModelNotFoundError const&) {
    }
    if (loaded) {
        for (auto& model : models) {
            model.loaded_known = true;
            auto const name = canonical_model_name(model.id);
            for (auto const& l : *loaded) {
                if (canonical_model_name(l.id) != name)
                    continue;
                model.loaded = true;
                model.loaded_context_length = l.loaded_context_length;
            }
        }
    }
    co_await add_shown_capabilities(models);
    co_return models;
}

asio::awaitable<void> OllamaProvider::add_shown_capabilities(std::vector<ModelInfo>& models)
{
    using namespace asio::experimental::awaitable_operators;
    // Each model's /api/show answer comes from its cache (single flight, model_cache_ttl), at
    // most kShowsAtOnce requests in flight. Workers take the next index until none is left.
    std::atomic<std::size_t> next{0};
    auto worker = [&]() -> asio::awaitable<void> {
        for (auto i = next++; i < models.size(); i = next++) {
            auto& model = models[i];
            auto const name = canonical_model_name(model.id);
            auto const cache = show_cache(name);
            std::optional<ModelInfo> shown;
            try {
                shown = co_await cache->find(name);
            } catch (CancelledError const&) {
                throw;
            } catch (ProviderError const&) {
                // Details are extras: a model removed since it was listed, or a server (a
                // proxy, an older Ollama) that cannot show it, leaves them unknown. A worker
                // that threw would also cancel its siblings from its own thread.
            }
            if (!shown)
                continue;
            if (model.type.empty())
                model.type = shown->type;
            // What the listing said stays; /api/show fills the rest.
            auto& caps = model.capabilities;
            auto const& seen = shown->capabilities;
            auto const fill = [](auto& mine, auto const& theirs) {
                if (!mine)
                    mine = theirs;
            };
            fill(caps.context_length, seen.context_length);
            fill(caps.tool_use, seen.tool_use);
            fill(caps.vision, seen.vision);
            fill(caps.embeddings, seen.embeddings);
            fill(caps.reasoning, seen.reasoning);
        }
    };
    static_assert(kShowsAtOnce == 4, "the workers below are kShowsAtOnce");
    co_await (worker() && worker() && worker() && worker());
}

asio::awaitable<ChatResponse> OllamaProvider::do_chat(ChatRequest request, CallOptions call)
{
    auto body = json::serialize(chat_request_body(request, false, defaults()));
    auto response = co_await post_json("/api/chat", std::move(body), call, "message");
    auto answer = transport_.decoded([&] { return parse_chat_response(response.body); });
    AnswerLimit::check(answer, options_.http.limits.max_answer_bytes, options_.name);
    co_return answer;
}

asio::awaitable<ChatStream> OllamaProvider::do_chat_stream(ChatRequest request, CallOptions call)
{
    auto body = json::serialize(chat_request_body(request, true, defaults()));
    // Any type but a page (a proxy's login, a captive portal) is read as NDJSON: Ollama sends
    // application/x-ndjson, proxies in front of it do not always keep it.
    StreamCall http_request{verb::post, "/api/chat", std::move(body), "application/x-ndjson", "",
                            "message",  "a streamed chat"};
    auto stream = co_await transport_.open_stream(std::move(http_request), call);
    co_return ChatStream(std::make_unique<NdjsonChatSource>(std::move(stream), transport_));
}

asio::awaitable<CompletionResponse> OllamaProvider::do_complete(CompletionRequest request, CallOptions call)
{
    // /api/generate takes one prompt: a prompt list becomes one request per prompt, in order.
    std::size_t const prompts = std::holds_alternative<std::string>(request.prompt)
                                    ? 1
                                    : std::get<std::vector<std::string>>(request.prompt).size();
    CompletionResponse out;
    for (std::size_t i = 0; i < prompts; ++i) {
        auto body = json::serialize(generate_request_body(request, i, false, defaults()));
        auto answer = co_await post_json("/api/generate", std::move(body), call, "response");
        auto one = transport_.decoded(
            [&] { return parse_generate_response(answer.body, static_cast<std::int64_t>(i)); });
        out.model = one.model;
        if (one.usage) {
            Usage sum = out.usage.value_or(Usage{});
            sum.prompt_tokens += one.usage->prompt_tokens;
            sum.completion_tokens += one.usage->completion_tokens;
            sum.total_tokens += one.usage->total_tokens;
            out.usage = sum;
        }
        out.stats = one.stats;
        out.raw = std::move(one.raw);
        out.choices.push_back(std::move(one.choices.front()));
    }
    co_return out;
}

asio::awaitable<CompletionStream> OllamaProvider::do_complete_stream(CompletionRequest request,
                                                                    CallOptions call)
{
    // /api/generate streams one prompt; do_complete answers a list with one request per prompt,
    // which a single stream cannot interleave.
    if (auto const* list = std::get_if<std::vector<std::string>>(&request.prompt); list && list->size() != 1) {
        ErrorInfo info;
        info.provider = options_.name;
        info.detail = "Ollama streams one prompt per completion; got " + std::to_string(list->size());
        throw_error(errc::invalid_request, std::move(info));
    }
    auto body = json::serialize(generate_request_body(request, 0, true, defaults()));
    // As for /api/chat: any type but a page is read as NDJSON (docs/protocols.md, Ollama).
    StreamCall http_request{verb::post, "/api/generate", std::move(body), "application/x-ndjson", "",
                            "response", "a streamed completion"};
    auto stream = co_await transport_.open_stream(std::move(http_request), call);
    co_return CompletionStream(std::make_unique<NdjsonGenerateSource>(std::move(stream), transport_));
}

asio::awaitable<EmbeddingResponse> OllamaProvider::do_embed(EmbeddingRequest request, CallOptions call)
{
    auto body = json::serialize(embed_request_body(request, defaults()));
    auto answer = co_await post_json("/api/embed", std::move(body), call, "embeddings");
    auto response = transport_.decoded([&] { return parse_embed_response(answer.body); });
    if (response.embeddings.size() != request.input.size()) {
        ErrorInfo info;
        info.provider = options_.name;
        info.detail = "asked for " + std::to_string(request.input.size()) + " embeddings, got " +
                      std::to_string(response.embeddings.size());
        throw_error(errc::malformed_response, std::move(info));
    }
    co_return response;
}

asio::awaitable<bool> OllamaProvider::do_supports_model(std::string model)
{
    // The cache keys by canonical name: `name` finds `name:latest` as Ollama lists it.
    auto const found = co_await models_.find(std::move(model));
    co_return found.has_value();
}

asio::awaitable<std::vector<ModelInfo>> OllamaProvider::fetch_show(std::string model)
{
    validate_model_id(model, ModelIdUse::required, options_.name);
    auto body = json::serialize(json::object{{"model", model}});
    std::vector<ModelInfo> out;
    auto answer = co_await post_json("/api/show", std::move(body), {}, "capabilities");
    out.push_back(transport_.decoded([&] { return parse_show_model(answer.body, model); }));
    co_return out;
}

asio::awaitable<std::optional<ModelCapabilities>> OllamaProvider::do_model_capabilities(std::string model)
{
    // A model the list lacks (after one refresh) has no capabilities to show.
    auto const listed = co_await models_.find(model);
    if (!listed)
        co_return std::nullopt;
    auto const cache = show_cache(canonical_model_name(model));
    std::optional<ModelInfo> shown;
    try {
        shown = co_await cache->find(std::move(model));
    } catch (ModelNotFoundError const&) {
        // Listed a moment ago but gone now; the transport has already forgotten the stale list.
    }
    if (!shown)
        co_return std::nullopt;
    co_return shown->capabilities;
}

asio::awaitable<HealthStatus> OllamaProvider::do_health()
{
    auto const started = std::chrono::steady_clock::now();
    HealthStatus status;
    try {
        CallOptions once;
        once.retry = RetryPolicy::none();
        auto response = co_await transport_.send(transport_.json_request(verb::get, "/api/version"), once);
        status.detail = "Ollama " + parse_version(response.body);
        status.ok = true;
    } catch (CancelledError const&) {
        throw;
    } catch (ProviderError const& e) {
        status.detail = e.what();
    }
    status.latency = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    co_return status;
}

asio::awaitable<ServerInfo> OllamaProvider::do_info()
{
    ServerInfo info;
    info.kind = "ollama";
    info.base_url = transport_.endpoint().to_string();
    try {
        auto body = (co_await get_json("/api/version", "version")).body;
        info.version = transport_.decoded([&] { return parse_version(body); });
        info.raw = json::object{{"version", info.version}};
        info.model_count = (co_await fetch_tags()).size();
    } catch (AuthenticationError const&) {
        info.auth_required = true;
    }
    co_return info;
}

// ---- LocalModelManager -------------------------------------------------------------------------

asio::awaitable<std::vector<ModelInfo>> OllamaProvider::list_loaded()
{
    auto response = co_await get_json("/api/ps", "models");
    auto models = transport_.decoded([&] { return parse_ps(response.body); });
    co_await add_shown_capabilities(models);
    co_return models;
}

asio::awaitable<std::vector<ModelInfo>> OllamaProvider::list_downloaded()
{
    co_return co_await do_list_models();
}

asio::awaitable<LoadResult> OllamaProvider::load(std::string model, LoadOptions options)
{
    validate_model_id(model, ModelIdUse::required, options_.name);
    auto body = json::serialize(load_request_body(model, options));
    auto answer = (co_await post_json("/api/generate", std::move(body), {}, "done")).body;
    invalidate_model_cache();
    auto parsed = transport_.decoded([&] { return parse_generate_response(answer); });
    LoadResult result;
    result.model = model;
    if (parsed.stats && parsed.stats->model_load_time_s)
        result.load_time_seconds = parsed.stats->model_load_time_s;
    result.raw = std::move(parsed.raw);
    co_return result;
}

asio::awaitable<void> OllamaProvider::unload(std::string model)
{
    validate_model_id(model, ModelIdUse::required, options_.name);
    auto body = json::serialize(unload_request_body(model));
    auto answer = (co_await post_json("/api/generate", std::move(body), {}, "done")).body;
    invalidate_model_cache();
    transport_.decoded([&] { return parse_generate_response(answer); });
}

asio::awaitable<void> OllamaProvider::delete_model(std::string model)
{
    validate_model_id(model, ModelIdUse::required, options_.name);
    auto body = json::serialize(json::object{{"model", model}});
    try {
        auto response = co_await transport_.send(
            transport_.json_request(verb::delete_, "/api/delete", std::move(body)), {});
        // 200 with an empty body; anything else in a 200 is an error object.
        if (!response.body.empty() && is_error_body(response.body, "status"))
            transport_.throw_for(response);
    } catch (...) {
        invalidate_model_cache();
        throw;
    }
    invalidate_model_cache();
}

asio::awaitable<DownloadResult> OllamaProvider::download(std::string model,
                                                         std::function<void(DownloadProgress const&)> on_progress)
{
    validate_model_id(model, ModelIdUse::required, options_.name);
    // Whatever the outcome, the server's list may have changed: a failed or cancelled pull can
    // still have written layers or a manifest.
    std::optional<DownloadResult> result;
    try {
        result = co_await pull(model, std::move(on_progress));
    } catch (boost::system::system_error const& e) {
        invalidate_model_cache();
        // Asio throws this at a co_await when the caller was cancelled between two operations.
        if (e.code() == asio::error::operation_aborted)
            throw_pull_cancelled(options_.name, model);
        throw;
    } catch (...) {
        invalidate_model_cache();
        throw;
    }
    invalidate_model_cache();
    co_return std::move(*result);
}

asio::awaitable<DownloadResult> OllamaProvider::pull(std::string model,
                                                     std::function<void(DownloadProgress const&)> on_progress)
{
    // Checked before each progress callback: a cancel that arrives while this coroutine runs
    // (e.g. emitted from the progress callback itself) must stop the callbacks at once, even for
    // lines already received in the same slice.
    auto const cancellation = co_await asio::this_coro::cancellation_state;
    auto body = json::serialize(json::object{{"model", model}, {"stream", true}});
    StreamCall request{verb::post, "/api/pull", std::move(body), "application/x-ndjson", "", "status",
                       "a model download"};
    auto stream = co_await transport_.open_stream(std::move(request), {});

    http::NdjsonSplitter splitter(transport_.options().http.limits.max_line_bytes);
    PullProgress progress;
    DownloadResult result;
    result.model = model;
    std::exception_ptr error;
    bool success = false;
    auto on_line = [&](std::string_view line) {
        try {
            if (cancellation.cancelled() != asio::cancellation_type::none)
                throw_pull_cancelled(options_.name, model);
            auto parsed = parse_pull_line(line);
            if (auto* e = std::get_if<InBandError>(&parsed))
                transport_.throw_in_band(e->body);
            auto const overall = progress.add(std::get<PullLine>(parsed));
            result.status = overall.status;
            result.total_bytes = overall.total_bytes;
            if (on_progress)
                on_progress(overall);
            if (overall.status == "success") {
                success = true;
                return false;
            }
            return true;
        } catch (...) {
            error = std::current_exception();
            return false;
        }
    };
    // Bounded by the stream: each pass consumes one body slice until the end.
    for (;;) {
        if (cancellation.cancelled() != asio::cancellation_type::none) {
            stream.close();
            throw_pull_cancelled(options_.name, model);
        }
        auto slice = co_await stream.read_some();
        auto ec = slice ? splitter.feed(*slice, on_line) : splitter.finish(on_line);
        if (error) {
            stream.close();
            std::rethrow_exception(error);
        }
        if (ec) {
            stream.close();
            ErrorInfo info;
            info.provider = options_.name;
            info.cause = ec;
            info.detail = "a pull progress line exceeds the line limit";
            throw_error(errc::body_too_large, std::move(info));
        }
        if (success) {
            stream.close();
            co_return result;
        }
        if (!slice) {
            ErrorInfo info;
            info.provider = options_.name;
            info.detail = "the pull progress stream ended without \"success\"";
            throw_error(errc::stream_truncated, std::move(info));
        }
    }
}

} // namespace llmio::ollama

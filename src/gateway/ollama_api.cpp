// The Ollama-compatible endpoints: /api/chat, /api/generate, /api/embed(dings), /api/show,
// /api/tags, /api/ps, /api/version. Translation is ollama_wire's; this is the I/O around it.

#include "ollama_endpoints.hpp"

#include "api_error.hpp"
#include "ollama_wire.hpp"
#include "stream_relay.hpp"
#include "services.hpp"

#include <llmio/caching_provider.hpp>
#include <llmio/chat_stream.hpp>
#include <llmio/completion_stream.hpp>
#include <llmio/error.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/router.hpp>

#include <chrono>
#include <exception>

namespace llmio::gateway {

namespace asio = boost::asio;
namespace ow = ollama;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kNdjson = "application/x-ndjson";

std::int64_t nanoseconds_since(Clock::time_point start)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
}

// What the client asked for, and where it goes.
struct Target {
    std::string client_model; ///< As the client named it: answers echo it.
    ResolvedModel resolved;
    bool ollama = false;      ///< Served by an Ollama provider (not through a route).
};

bool served_by_ollama(ModelProvider& provider)
{
    ModelProvider* inner = &provider;
    if (auto* cached = dynamic_cast<CachingProvider*>(inner))
        inner = &cached->upstream();
    return dynamic_cast<llmio::ollama::OllamaProvider*>(inner) != nullptr;
}

[[noreturn]] void throw_model_not_found(std::string_view model)
{
    ApiError error;
    error.status = Status::not_found;
    error.message = ow::model_not_found_message(model);
    throw ApiException(std::move(error));
}

Target resolve(Exchange& exchange, std::string model)
{
    Target target;
    try {
        target.resolved = exchange.services().resolve(model);
    } catch (InvalidRequestError const&) {
        throw_model_not_found(model);
    }
    target.ollama = served_by_ollama(*target.resolved.provider);
    target.client_model = std::move(model);
    return target;
}

// Reads a request with `parse`; what it refuses is a 400 in the client's words.
template <class Call>
Call read(Call (*parse)(std::string_view), std::string_view body)
{
    try {
        return parse(body);
    } catch (InvalidRequestError const& e) {
        throw_invalid(e.info().detail);
    }
}

// Options only Ollama understands reach Ollama providers alone.
template <class Request>
void apply_ollama_only(Request& request, ow::OllamaOnly& ollama_only, Target const& target)
{
    request.model = target.resolved.model;
    if (target.ollama)
        request.extra = std::move(ollama_only);
}

// Ollama's error answer: `{"error": ...}` with the status the failure means; an unknown model
// in Ollama's words. Inside a started stream, the error is the stream's last line.
asio::awaitable<void> answer_failure(Exchange& exchange, std::exception_ptr failure, std::string_view model)
{
    // Nobody to tell, or a whole answer already on its way: the connection ends it.
    if (exchange.client_gone() || exchange.finished() || (exchange.started() && !exchange.streaming()))
        co_return;
    ApiError error = api_error_from(failure);
    if (error.code == "model_not_found" && !model.empty()) // upstream's, in Ollama's words
        error.message = ow::model_not_found_message(model);
    std::string body = ow::error_body(error.message);
    if (exchange.streaming()) {
        body += '\n';
        co_await exchange.write(body);
        co_await exchange.finish();
        co_return;
    }
    if (error.retry_after) {
        auto const seconds = std::to_string(error.retry_after->count());
        Header const retry_after[] = {{"Retry-After", seconds}};
        co_await exchange.reply(error.status, kJson, body, retry_after);
    } else {
        co_await exchange.reply(error.status, kJson, body);
    }
}

// Runs `serve`, answering any failure in Ollama's shape. `model` is filled in by `serve` as
// soon as it is known, for the not-found message.
template <class Serve>
asio::awaitable<void> guarded(Exchange& exchange, Serve serve)
{
    std::string model;
    std::exception_ptr failure;
    try {
        co_await serve(exchange, model);
    } catch (std::exception const&) {
        failure = std::current_exception();
    }
    if (failure)
        co_await answer_failure(exchange, failure, model);
}

// One stream's lines: text deltas as they come (all those of one upstream read in one write),
// the gateway's timing, and the end.
struct LineWriter {
    Exchange& exchange;
    std::string const& model;
    ow::Timing timing;
    Clock::time_point start;
    std::string head;  // what every line starts with
    std::string batch; // lines not written yet

    asio::awaitable<void> begin()
    {
        head = ow::line_head(model, timing.created_at);
        co_await exchange.begin_stream(kNdjson);
    }

    // Relays the stream's deltas; `text_of(chunk)` says which text a chunk adds. An upstream
    // failure is thrown after the lines received before it have gone out.
    template <class Stream, class TextOf>
    asio::awaitable<void> relay(Stream& stream, bool chat, TextOf text_of)
    {
        auto encode = [&](std::string& out, typename Stream::Chunk const& chunk) {
            auto const [text, thinking] = text_of(chunk);
            delta(out, chat, text, thinking);
        };
        std::exception_ptr failure;
        try {
            co_await relay_chunks(exchange, stream, batch, encode);
        } catch (ProviderError const&) {
            failure = std::current_exception();
        }
        if (failure) {
            if (!exchange.client_gone())
                co_await exchange.write(batch);
            batch.clear();
            std::rethrow_exception(failure);
        }
    }

    // A delta line; the first one dates the first token.
    void delta(std::string& out, bool chat, std::string_view text, std::string_view thinking)
    {
        if (text.empty() && thinking.empty())
            return;
        if (timing.first_token_ns == 0)
            timing.first_token_ns = nanoseconds_since(start);
        if (chat)
            ow::append_chat_delta(out, head, text, thinking);
        else
            ow::append_generate_delta(out, head, text, thinking);
        out += '\n';
    }

    // A whole line after the deltas (assembled tool calls), written with the last one.
    void line(std::string_view text)
    {
        batch += text;
        batch += '\n';
    }

    asio::awaitable<void> last(std::string_view text)
    {
        line(text);
        co_await exchange.finish(batch);
    }

    ow::Timing const& finished()
    {
        timing.total_ns = nanoseconds_since(start);
        return timing;
    }
};

asio::awaitable<void> stream_chat(Exchange& exchange, ModelProvider& provider, ChatRequest request,
                                  LineWriter& out, bool generate)
{
    auto stream = co_await provider.chat_stream(std::move(request));
    co_await out.begin();
    auto const text_of = [](ChatChunk const& chunk) {
        return std::pair<std::string_view, std::string_view>(chunk.content, chunk.reasoning);
    };
    co_await out.relay(stream, !generate, text_of);
    ChatResponse const& result = stream.result();
    ow::Final const end{result.finish_reason, result.usage, result.stats};
    if (result.usage)
        exchange.used_tokens(*result.usage);
    if (generate) {
        auto const done = ow::generate_done_line(out.model, out.finished(), end);
        co_await out.last(done);
        co_return;
    }
    // Tool calls go out whole, assembled from the deltas, before the last line.
    if (!result.tool_calls.empty())
        out.line(ow::chat_tool_calls_line(out.model, out.timing.created_at, result.tool_calls));
    auto const done = ow::chat_done_line(out.model, out.finished(), end);
    co_await out.last(done);
}

asio::awaitable<void> stream_completion(Exchange& exchange, ModelProvider& provider, CompletionRequest request,
                                        LineWriter& out)
{
    auto stream = co_await provider.complete_stream(std::move(request));
    co_await out.begin();
    auto const text_of = [](CompletionChunk const& chunk) {
        return std::pair<std::string_view, std::string_view>(chunk.text, {});
    };
    co_await out.relay(stream, false, text_of);
    CompletionResponse const& result = stream.result();
    if (result.usage)
        exchange.used_tokens(*result.usage);
    FinishReason const reason = result.choices.empty() ? FinishReason::stop : result.choices.front().finish_reason;
    ow::Final const end{reason, result.usage, result.stats};
    auto const done = ow::generate_done_line(out.model, out.finished(), end);
    co_await out.last(done);
}

asio::awaitable<void> serve_chat(Exchange& exchange, std::string& model)
{
    auto const start = Clock::now();
    auto call = read(ow::parse_chat_request, exchange.body());
    model = call.request.model;
    Target const target = resolve(exchange, model);
    std::string const created_at = ow::created_at_text(std::chrono::system_clock::now());
    if (call.load_only) {
        auto const body = ow::chat_load_response(model, created_at, ow::unloads(call.ollama_only));
        co_await exchange.reply(Status::ok, kJson, body);
        co_return;
    }
    apply_ollama_only(call.request, call.ollama_only, target);
    ModelProvider& provider = *target.resolved.provider;
    if (call.stream) {
        call.request.include_usage = true; // the last line carries the counts
        LineWriter out{exchange, model, ow::Timing{created_at, 0, 0}, start, {}, {}};
        co_await stream_chat(exchange, provider, std::move(call.request), out, false);
        co_return;
    }
    auto const response = co_await provider.chat(std::move(call.request));
    if (response.usage)
        exchange.used_tokens(*response.usage);
    ow::Timing const timing{created_at, nanoseconds_since(start), 0};
    auto const body = ow::chat_response(model, timing, response);
    co_await exchange.reply(Status::ok, kJson, body);
}

asio::awaitable<void> serve_generate(Exchange& exchange, std::string& model)
{
    auto const start = Clock::now();
    auto call = read(ow::parse_generate_request, exchange.body());
    model = call.model();
    Target const target = resolve(exchange, model);
    std::string const created_at = ow::created_at_text(std::chrono::system_clock::now());
    if (call.load_only) {
        auto const body = ow::generate_load_response(model, created_at, ow::unloads(call.ollama_only));
        co_await exchange.reply(Status::ok, kJson, body);
        co_return;
    }
    ModelProvider& provider = *target.resolved.provider;
    LineWriter out{exchange, model, ow::Timing{created_at, 0, 0}, start, {}, {}};
    if (auto* chat = std::get_if<ChatRequest>(&call.request)) {
        apply_ollama_only(*chat, call.ollama_only, target);
        if (call.stream) {
            chat->include_usage = true;
            co_await stream_chat(exchange, provider, std::move(*chat), out, true);
            co_return;
        }
        auto const r = co_await provider.chat(std::move(*chat));
        if (r.usage)
            exchange.used_tokens(*r.usage);
        auto const body = ow::generate_done_line(model, out.finished(), ow::Final{r.finish_reason, r.usage, r.stats},
                                                 r.content, r.reasoning);
        co_await exchange.reply(Status::ok, kJson, body);
        co_return;
    }
    auto& completion = std::get<CompletionRequest>(call.request);
    apply_ollama_only(completion, call.ollama_only, target);
    if (call.stream && provider.features().completion_streaming) {
        completion.include_usage = true;
        co_await stream_completion(exchange, provider, std::move(completion), out);
        co_return;
    }
    // A server without streamed completions answers whole: one line, or one body.
    auto const r = co_await provider.complete(std::move(completion));
    if (r.usage)
        exchange.used_tokens(*r.usage);
    FinishReason const reason = r.choices.empty() ? FinishReason::stop : r.choices.front().finish_reason;
    auto const body = ow::generate_done_line(model, out.finished(), ow::Final{reason, r.usage, r.stats}, r.text());
    if (call.stream) {
        co_await out.begin();
        co_await out.last(body);
        co_return;
    }
    co_await exchange.reply(Status::ok, kJson, body);
}

asio::awaitable<void> serve_embed(Exchange& exchange, std::string& model, bool legacy)
{
    auto const start = Clock::now();
    auto call = legacy ? read(ow::parse_legacy_embeddings_request, exchange.body())
                       : read(ow::parse_embed_request, exchange.body());
    model = call.request.model;
    Target const target = resolve(exchange, model);
    EmbeddingResponse response;
    if (!call.request.input.empty()) { // nothing to embed: Ollama answers no vectors
        apply_ollama_only(call.request, call.ollama_only, target);
        response = co_await target.resolved.provider->embed(std::move(call.request));
        if (response.usage)
            exchange.used_tokens(*response.usage);
    }
    auto const body = legacy ? ow::legacy_embeddings_response(response)
                             : ow::embed_response(model, response, nanoseconds_since(start));
    co_await exchange.reply(Status::ok, kJson, body);
}

// What the model's server lists of it (a route's: what the router lists of the route); a model
// it does not list is still shown, by name only, since it resolves.
asio::awaitable<void> serve_show(Exchange& exchange, std::string& model)
{
    model = read(ow::parse_show_request, exchange.body());
    Target const target = resolve(exchange, model);
    auto const listed = co_await target.resolved.provider->list_models();
    ModelInfo const* info = nullptr;
    for (auto const& m : listed)
        if (m.id == target.resolved.model)
            info = &m;
    auto const body = ow::show_response(info);
    co_await exchange.reply(Status::ok, kJson, body);
}

// The routes first, then each provider's models (a provider that cannot list is left out:
// /health says why), as /v1/models lists them. `loaded_only` for /api/ps.
asio::awaitable<void> serve_models(Exchange& exchange, bool loaded_only)
{
    auto& registry = exchange.services().registry();
    std::vector<ow::ListedModel> models;
    if (!loaded_only)
        for (auto& route : registry.route_names())
            models.push_back({std::move(route), nullptr});
    // A router's models are its routes, listed above.
    auto const listing = co_await registry.list_models();
    for (auto const& [provider, info] : listing.models)
        if ((!loaded_only || (info.loaded_known && info.loaded)) &&
            !std::dynamic_pointer_cast<Router>(registry.get(provider)))
            models.push_back({provider + "/" + info.id, &info});
    auto const body = loaded_only ? ow::ps_response(models) : ow::tags_response(models);
    co_await exchange.reply(Status::ok, kJson, body);
}

} // namespace

asio::awaitable<void> ollama_chat(Exchange& exchange)
{
    co_await guarded(exchange, serve_chat);
}

asio::awaitable<void> ollama_generate(Exchange& exchange)
{
    co_await guarded(exchange, serve_generate);
}

asio::awaitable<void> ollama_embed(Exchange& exchange)
{
    co_await guarded(exchange, [](Exchange& e, std::string& model) { return serve_embed(e, model, false); });
}

asio::awaitable<void> ollama_embeddings(Exchange& exchange)
{
    co_await guarded(exchange, [](Exchange& e, std::string& model) { return serve_embed(e, model, true); });
}

asio::awaitable<void> ollama_show(Exchange& exchange)
{
    co_await guarded(exchange, serve_show);
}

asio::awaitable<void> ollama_tags(Exchange& exchange)
{
    co_await guarded(exchange, [](Exchange& e, std::string&) { return serve_models(e, false); });
}

asio::awaitable<void> ollama_ps(Exchange& exchange)
{
    co_await guarded(exchange, [](Exchange& e, std::string&) { return serve_models(e, true); });
}

asio::awaitable<void> ollama_version(Exchange& exchange)
{
    co_await exchange.reply(Status::ok, kJson, ow::version_response());
}

} // namespace llmio::gateway

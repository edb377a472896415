// POST /v1/chat/completions.

#include "openai_endpoints.hpp"

#include "api_error.hpp"
#include "model_resolution.hpp"
#include "openai_request.hpp"
#include "openai_response.hpp"

#include <llmio/error.hpp>

namespace llmio::gateway {

namespace asio = boost::asio;

namespace {

// Whether a chunk has anything for the client's delta (the usage trailer has not).
bool has_delta(ChatChunk const& chunk) noexcept
{
    return !chunk.content.empty() || !chunk.reasoning.empty() || !chunk.refusal.empty() ||
           !chunk.tool_calls.empty() || chunk.finish_reason.has_value();
}

asio::awaitable<void> stream_chat(Exchange& exchange, ModelProvider& provider, ChatCall call,
                                  std::string const& client_model)
{
    bool const include_usage = call.include_usage;
    auto stream = co_await provider.chat_stream(std::move(call.request));
    ChatChunkWriter const writer(make_response_id("chatcmpl"), client_model, unix_now(), include_usage);
    std::string event;
    writer.role(event);
    co_await exchange.begin_stream("text/event-stream");
    co_await exchange.write(event);

    std::optional<Usage> usage;
    std::exception_ptr upstream_failure;
    try {
        for (;;) {
            auto chunk = co_await stream.next();
            if (!chunk)
                break;
            if (chunk->usage)
                usage = chunk->usage;
            if (!has_delta(*chunk))
                continue;
            event.clear();
            writer.chunk(event, *chunk);
            co_await exchange.write(event);
        }
    } catch (ProviderError const&) {
        upstream_failure = std::current_exception();
    }
    event.clear();
    if (upstream_failure) {
        if (exchange.client_gone())
            co_return; // the client's leaving cancelled the stream: nobody to tell
        // Past the commit point: the error is the stream's last event.
        event += "data: ";
        append_error_object(event, api_error_from(upstream_failure));
        event += "\n\n";
    } else {
        if (!usage)
            usage = stream.result().usage;
        if (usage) {
            exchange.used_tokens(*usage);
            if (include_usage)
                writer.usage(event, *usage);
        }
        ChatChunkWriter::done(event);
    }
    co_await exchange.write(event);
    co_await exchange.finish();
}

} // namespace

asio::awaitable<void> openai_chat_completions(Exchange& exchange)
{
    auto call = read_chat_call(parse_body_object(exchange.body()));
    auto const client_model = call.request.model;
    auto resolved = resolve_model(exchange.services(), client_model);
    call.request.model = std::move(resolved.model);
    if (call.stream) {
        co_await stream_chat(exchange, *resolved.provider, std::move(call), client_model);
        co_return;
    }
    auto const response = co_await resolved.provider->chat(std::move(call.request));
    if (response.usage)
        exchange.used_tokens(*response.usage);
    auto const body = chat_completion_body(response, make_response_id("chatcmpl"), client_model, unix_now());
    co_await exchange.reply(Status::ok, "application/json", body);
}

} // namespace llmio::gateway

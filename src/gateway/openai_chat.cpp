// POST /v1/chat/completions.

#include "openai_endpoints.hpp"

#include "api_error.hpp"
#include "model_resolution.hpp"
#include "openai_request.hpp"
#include "openai_response.hpp"
#include "openai_stream.hpp"

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
    std::string role;
    writer.role(role);
    std::optional<Usage> usage;
    auto const encode = [&](std::string& out, ChatChunk const& chunk) {
        if (chunk.usage)
            usage = chunk.usage;
        if (has_delta(chunk))
            writer.chunk(out, chunk);
    };
    auto const tail = [&](std::string& out) {
        if (!usage)
            usage = stream.result().usage;
        if (usage) {
            exchange.used_tokens(*usage);
            if (include_usage)
                writer.usage(out, *usage);
        }
        ChatChunkWriter::done(out);
    };
    co_await relay_events(exchange, stream, role, encode, tail);
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

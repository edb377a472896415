// POST /v1/completions (the legacy text completion API), streamed or not.

#include "openai_endpoints.hpp"

#include "api_error.hpp"
#include "json_text.hpp"
#include "model_resolution.hpp"
#include "openai_request.hpp"
#include "openai_response.hpp"
#include "openai_stream.hpp"

#include <boost/json/serialize.hpp>

namespace llmio::gateway {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string completion_body(CompletionResponse const& response, std::string_view id, std::string_view model,
                            std::int64_t created)
{
    json::array choices;
    for (auto const& choice : response.choices) {
        auto const finish = finish_reason_text(choice.finish_reason, choice.finish_reason_raw);
        choices.push_back(json::object{{"text", choice.text},
                                       {"index", choice.index},
                                       {"logprobs", choice.logprobs},
                                       {"finish_reason", finish.empty() ? json::value(nullptr) : json::value(finish)}});
    }
    std::string out = json::serialize(json::object{{"id", id},
                                                   {"object", "text_completion"},
                                                   {"created", created},
                                                   {"model", model},
                                                   {"choices", std::move(choices)}});
    if (response.usage) {
        out.pop_back();
        out += ",\"usage\":";
        append_usage(out, *response.usage);
        out += '}';
    }
    return out;
}

void append_chunk(std::string& out, std::string const& prefix, CompletionChunk const& chunk)
{
    out += prefix;
    out += "{\"text\":";
    append_json_string(out, chunk.text);
    out += ",\"index\":";
    append_json_int(out, chunk.index);
    out += ",\"logprobs\":null,\"finish_reason\":";
    append_finish_reason(out, chunk.finish_reason.value_or(FinishReason::none), chunk.finish_reason_raw);
    out += "}]}\n\n";
}

asio::awaitable<void> stream_completion(Exchange& exchange, ModelProvider& provider, CompletionCall call,
                                        std::string const& client_model)
{
    bool const include_usage = call.include_usage;
    auto stream = co_await provider.complete_stream(std::move(call.request));
    auto const prefix = event_prefix(make_response_id("cmpl"), "text_completion", client_model, unix_now());
    std::optional<Usage> usage;
    auto const encode = [&](std::string& out, CompletionChunk const& chunk) {
        if (chunk.usage)
            usage = chunk.usage;
        if (!chunk.no_choice)
            append_chunk(out, prefix, chunk);
    };
    auto const tail = [&](std::string& out) {
        if (usage)
            exchange.used_tokens(*usage);
        if (include_usage && usage) {
            out += prefix;
            out += "],\"usage\":";
            append_usage(out, *usage);
            out += "}\n\n";
        }
        out += "data: [DONE]\n\n";
    };
    std::string_view const no_first_event;
    co_await relay_events(exchange, stream, no_first_event, encode, tail);
}

} // namespace

asio::awaitable<void> openai_completions(Exchange& exchange)
{
    auto call = read_completion_call(parse_body_object(exchange.body()));
    auto const client_model = call.request.model;
    auto resolved = resolve_model(exchange.services(), client_model);
    call.request.model = std::move(resolved.model);
    if (call.stream) {
        co_await stream_completion(exchange, *resolved.provider, std::move(call), client_model);
        co_return;
    }
    auto const response = co_await resolved.provider->complete(std::move(call.request));
    if (response.usage)
        exchange.used_tokens(*response.usage);
    auto const body = completion_body(response, make_response_id("cmpl"), client_model, unix_now());
    co_await exchange.reply(Status::ok, "application/json", body);
}

} // namespace llmio::gateway

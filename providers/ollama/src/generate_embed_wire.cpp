#include "wire_common.hpp"

#include <llmio/error.hpp>

namespace llmio::ollama {

namespace json = boost::json;
using detail::ShapeError;

json::object generate_request_body(CompletionRequest const& request, std::size_t prompt_index, bool stream,
                                   RequestDefaults const& defaults)
{
    json::object body;
    body["model"] = request.model;
    if (auto const* one = std::get_if<std::string>(&request.prompt)) {
        body["prompt"] = *one;
    } else {
        auto const& list = std::get<std::vector<std::string>>(request.prompt);
        if (prompt_index >= list.size())
            detail::throw_invalid_request("prompt index " + std::to_string(prompt_index) + " out of range");
        body["prompt"] = list[prompt_index];
    }
    if (request.suffix)
        body["suffix"] = *request.suffix;
    json::object options;
    detail::put_sampling(options, request.temperature, request.top_p, request.max_tokens, request.stop,
                         request.seed, request.presence_penalty, request.frequency_penalty, defaults);
    if (!options.empty())
        body["options"] = std::move(options);
    body["stream"] = stream;
    if (defaults.keep_alive)
        detail::put_keep_alive(body, *defaults.keep_alive);
    detail::merge_extra_with_options(body, request.extra);
    return body;
}

CompletionResponse parse_generate_response(std::string_view body, std::int64_t index)
{
    json::object o = detail::parse_object(body);
    ShapeError err;
    CompletionResponse r;
    r.model = llmio::detail::string_field(o, "model", err);
    CompletionChoice choice;
    choice.index = index;
    choice.text = llmio::detail::string_field(o, "response", err);
    if (!llmio::detail::bool_field(o, "done", err).value_or(false) && !err)
        err.fail("the answer is not done (expected \"done\": true in a non-streamed answer)");
    choice.finish_reason_raw = llmio::detail::string_field(o, "done_reason", err);
    choice.finish_reason = finish_reason_from_string(choice.finish_reason_raw);
    detail::check_shape(err, body);
    r.choices.push_back(std::move(choice));
    read_metrics(o, r.usage, r.stats);
    r.raw = std::move(o);
    return r;
}

LineKind GenerateLineParser::parse_into(std::string_view line, CompletionChunk& chunk)
{
    json::object const& o = detail::as_object(json_, line);
    if (detail::has_error(o))
        return LineKind::error;
    ShapeError err;
    CompletionChunk out;
    out.model = llmio::detail::string_field(o, "model", err);
    out.text = llmio::detail::string_field(o, "response", err);
    bool const done = llmio::detail::bool_field(o, "done", err).value_or(false);
    // A line with neither a `response` nor `done` carries no part of the answer
    // (docs/protocols.md, Ollama: /api/generate); the done line always finishes the choice.
    out.no_choice = !done && !o.contains("response");
    if (done) {
        out.finish_reason_raw = llmio::detail::string_field(o, "done_reason", err);
        // Done without a reason: the generation was cut short (as for /api/chat).
        out.finish_reason = out.finish_reason_raw.empty()
                                ? FinishReason::other
                                : finish_reason_from_string(out.finish_reason_raw);
        read_metrics(o, out.usage, out.stats);
    }
    detail::check_shape(err, line);
    chunk = std::move(out);
    return done ? LineKind::done : LineKind::chunk;
}

json::object embed_request_body(EmbeddingRequest const& request, RequestDefaults const& defaults)
{
    json::object body;
    body["model"] = request.model;
    json::array input;
    for (auto const& text : request.input)
        input.emplace_back(text);
    body["input"] = std::move(input);
    llmio::detail::put_if(body, "dimensions", request.dimensions);
    if (defaults.keep_alive)
        detail::put_keep_alive(body, *defaults.keep_alive);
    detail::merge_extra_with_options(body, request.extra);
    return body;
}

EmbeddingResponse parse_embed_response(std::string_view body)
{
    json::object o = detail::parse_object(body);
    ShapeError err;
    EmbeddingResponse r;
    r.model = llmio::detail::string_field(o, "model", err);
    json::array const* vectors = llmio::detail::array_field(o, "embeddings", err);
    if (vectors == nullptr && !err)
        err.fail("the answer has no embeddings");
    if (vectors != nullptr) {
        r.embeddings.reserve(vectors->size());
        for (std::size_t i = 0; i < vectors->size() && !err; ++i) {
            json::array const* v = (*vectors)[i].if_array();
            if (v == nullptr) {
                err.fail("embeddings[" + std::to_string(i) + "]: expected an array of numbers");
                break;
            }
            std::vector<float> values;
            values.reserve(v->size());
            for (auto const& x : *v) {
                auto d = llmio::detail::as_double(x);
                if (!d) {
                    err.fail("embeddings[" + std::to_string(i) + "]: expected numbers");
                    break;
                }
                values.push_back(static_cast<float>(*d));
            }
            r.embeddings.push_back(std::move(values));
        }
    }
    if (auto prompt = llmio::detail::integer_field(o, "prompt_eval_count", err)) {
        Usage u;
        u.prompt_tokens = *prompt;
        u.total_tokens = *prompt;
        r.usage = u;
    }
    detail::check_shape(err, body);
    return r;
}

} // namespace llmio::ollama

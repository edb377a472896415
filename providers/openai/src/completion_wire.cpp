// OpenAI legacy text completions (`/v1/completions`).

#include <llmio/detail/parsed_document.hpp>
#include <llmio/openai/wire.hpp>

#include "wire_common.hpp"

#include <algorithm>

namespace llmio::openai {

namespace json = boost::json;
using llmio::detail::put_if;
using llmio::detail::ShapeError;

json::object completion_request_body(CompletionRequest const& r, bool stream,
                                      bool include_usage_default)
{
    json::object body;
    if (!r.model.empty())
        body["model"] = r.model;
    if (auto const* one = std::get_if<std::string>(&r.prompt))
        body["prompt"] = *one;
    else
        body["prompt"] =
            json::value_from(std::get<std::vector<std::string>>(r.prompt), body.storage());
    put_if(body, "suffix", r.suffix);
    put_if(body, "max_tokens", r.max_tokens);
    put_if(body, "temperature", r.temperature);
    put_if(body, "top_p", r.top_p);
    put_if(body, "n", r.n);
    put_if(body, "best_of", r.best_of);
    put_if(body, "logprobs", r.logprobs);
    put_if(body, "echo", r.echo);
    if (!r.stop.empty())
        body["stop"] = json::value_from(r.stop, body.storage());
    put_if(body, "presence_penalty", r.presence_penalty);
    put_if(body, "frequency_penalty", r.frequency_penalty);
    if (!r.logit_bias.empty()) {
        json::object& bias = body["logit_bias"].emplace_object();
        for (auto const& [token, value] : r.logit_bias)
            bias[std::to_string(token)] = value; // JSON keys are token ids as text
    }
    put_if(body, "seed", r.seed);
    put_if(body, "user", r.user);
    if (stream) {
        body["stream"] = true;
        if (r.include_usage.value_or(include_usage_default))
            body["stream_options"] = {{"include_usage", true}};
    }
    llmio::detail::merge_extra(body, r.extra);
    return body;
}

namespace {

// Adds one `text_completion` object's choices and usage to `r`.
void read_completion_object(json::object const& o, CompletionResponse& r, ShapeError& err,
                            bool first)
{
    if (first) {
        llmio::detail::id_field(o, "id", r.id, err);
        r.model = llmio::detail::string_field(o, "model", err);
    }
    if (json::array const* choices = llmio::detail::array_field(o, "choices", err)) {
        for (json::value const& v : *choices) {
            json::object const* c = v.if_object();
            if (c == nullptr) {
                err.expected("", "choices", "an array of objects", v, json::error::not_object);
                return;
            }
            CompletionChoice& choice = r.choices.emplace_back();
            choice.index = llmio::detail::integer_field(*c, "index", err, "choices[]")
                               .value_or(static_cast<std::int64_t>(r.choices.size() - 1));
            choice.text = llmio::detail::string_field(*c, "text", err, "choices[]");
            choice.finish_reason =
                detail::read_finish(*c, choice.finish_reason_raw, err, "choices[]", false)
                    .value_or(FinishReason::none);
            if (json::value const* lp = c->if_contains("logprobs"))
                choice.logprobs = *lp;
        }
    }
    if (auto usage = detail::read_usage(o, err)) {
        if (!r.usage) {
            r.usage = usage;
        } else {
            r.usage->prompt_tokens += usage->prompt_tokens;
            r.usage->completion_tokens += usage->completion_tokens;
            r.usage->total_tokens += usage->total_tokens;
        }
    }
}

} // namespace

CompletionResponse parse_completion_response(std::string_view body)
{
    json::value v = detail::parse_body(body);
    ShapeError err;
    CompletionResponse r;
    if (json::array const* many = v.if_array()) {
        // llama.cpp: one completion object per prompt of an array prompt.
        for (std::size_t i = 0; i < many->size() && !err; ++i) {
            json::object const* o = (*many)[i].if_object();
            if (o == nullptr)
                detail::throw_malformed(body, "expected an array of completion objects");
            read_completion_object(*o, r, err, i == 0);
        }
        if (many->size() == 1)
            r.stats = detail::read_timings(many->front().get_object(), err);
    } else {
        json::object const& root = detail::root_object(v, body);
        read_completion_object(root, r, err, true);
        r.stats = detail::read_timings(root, err);
    }
    if (err)
        detail::throw_malformed(body, err.message());
    if (r.choices.empty())
        detail::throw_malformed(body, "the response has no choices");
    std::stable_sort(r.choices.begin(), r.choices.end(),
                     [](CompletionChoice const& a, CompletionChoice const& b) {
                         return a.index < b.index;
                     });
    llmio::detail::adopt(r.raw, std::move(v)); // keeps the parsed document, no copy
    return r;
}

} // namespace llmio::openai

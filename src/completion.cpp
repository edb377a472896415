#include <llmio/completion.hpp>

#include <llmio/detail/json_read.hpp>

#include <charconv>

namespace llmio {

namespace json = boost::json;
using boost::system::error_code;

std::string const& CompletionResponse::text() const noexcept
{
    static std::string const empty;
    return choices.empty() ? empty : choices.front().text;
}

namespace {

void put_finish(json::object& o, std::optional<FinishReason> reason, std::string const& raw)
{
    if (!reason)
        return;
    o["finish_reason"] = to_string(*reason);
    o["finish_reason_raw"] = raw;
}

} // namespace

void tag_invoke(json::value_from_tag, json::value& jv, CompletionRequest const& r)
{
    json::object& o = jv.emplace_object();
    o["model"] = r.model;
    if (auto const* one = std::get_if<std::string>(&r.prompt))
        o["prompt"] = *one;
    else
        o["prompt"] = json::value_from(std::get<std::vector<std::string>>(r.prompt), o.storage());
    detail::put_if(o, "suffix", r.suffix);
    detail::put_if(o, "max_tokens", r.max_tokens);
    detail::put_if(o, "temperature", r.temperature);
    detail::put_if(o, "top_p", r.top_p);
    detail::put_if(o, "n", r.n);
    detail::put_if(o, "best_of", r.best_of);
    detail::put_if(o, "logprobs", r.logprobs);
    detail::put_if(o, "echo", r.echo);
    detail::put_list(o, "stop", r.stop);
    detail::put_if(o, "presence_penalty", r.presence_penalty);
    detail::put_if(o, "frequency_penalty", r.frequency_penalty);
    if (!r.logit_bias.empty()) {
        json::object& bias = o["logit_bias"].emplace_object();
        for (auto const& [token, value] : r.logit_bias)
            bias[std::to_string(token)] = value;
    }
    detail::put_if(o, "seed", r.seed);
    detail::put_if(o, "user", r.user);
    detail::put_if(o, "include_usage", r.include_usage);
    if (!r.extra.empty())
        o["extra"] = r.extra;
}

boost::system::result<CompletionRequest> tag_invoke(json::try_value_to_tag<CompletionRequest>,
                                                    json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    CompletionRequest r;
    r.model = detail::string_field(*o, "model", err);
    if (json::value const* prompt = detail::field(*o, "prompt")) {
        if (prompt->is_string()) {
            r.prompt = std::string(prompt->get_string());
        } else {
            std::vector<std::string> prompts;
            detail::list_field(*o, "prompt", prompts, err);
            r.prompt = std::move(prompts);
        }
    }
    if (json::value const* v = detail::field(*o, "suffix")) {
        if (!v->is_string())
            return error_code(json::error::not_string);
        r.suffix = std::string(v->get_string());
    }
    r.max_tokens = detail::integer_field(*o, "max_tokens", err);
    r.temperature = detail::double_field(*o, "temperature", err);
    r.top_p = detail::double_field(*o, "top_p", err);
    r.n = detail::integer_field(*o, "n", err);
    r.best_of = detail::integer_field(*o, "best_of", err);
    r.logprobs = detail::integer_field(*o, "logprobs", err);
    r.echo = detail::bool_field(*o, "echo", err);
    detail::list_field(*o, "stop", r.stop, err);
    r.presence_penalty = detail::double_field(*o, "presence_penalty", err);
    r.frequency_penalty = detail::double_field(*o, "frequency_penalty", err);
    if (json::object const* bias = detail::object_field(*o, "logit_bias", err)) {
        for (auto const& kv : *bias) {
            std::int64_t token = 0;
            std::string_view key = kv.key();
            auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), token);
            auto value = detail::as_double(kv.value());
            if (ec != std::errc() || end != key.data() + key.size() || !value)
                return error_code(json::error::not_number);
            r.logit_bias[token] = *value;
        }
    }
    r.seed = detail::integer_field(*o, "seed", err);
    if (json::value const* v = detail::field(*o, "user")) {
        if (!v->is_string())
            return error_code(json::error::not_string);
        r.user = std::string(v->get_string());
    }
    r.include_usage = detail::bool_field(*o, "include_usage", err);
    if (json::object const* extra = detail::object_field(*o, "extra", err))
        r.extra = *extra;
    if (err)
        return err.code();
    return r;
}

void tag_invoke(json::value_from_tag, json::value& jv, CompletionChoice const& c)
{
    json::object& o = jv.emplace_object();
    o["index"] = c.index;
    o["text"] = c.text;
    o["finish_reason"] = to_string(c.finish_reason);
    o["finish_reason_raw"] = c.finish_reason_raw;
    if (!c.logprobs.is_null())
        o["logprobs"] = c.logprobs;
}

boost::system::result<CompletionChoice> tag_invoke(json::try_value_to_tag<CompletionChoice>,
                                                   json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    CompletionChoice c;
    c.index = detail::integer_field(*o, "index", err).value_or(0);
    c.text = detail::string_field(*o, "text", err);
    std::optional<FinishReason> reason;
    detail::typed_field(*o, "finish_reason", reason, err);
    c.finish_reason = reason.value_or(FinishReason::none);
    c.finish_reason_raw = detail::string_field(*o, "finish_reason_raw", err);
    if (json::value const* lp = o->if_contains("logprobs"))
        c.logprobs = *lp;
    if (err)
        return err.code();
    return c;
}

void tag_invoke(json::value_from_tag, json::value& jv, CompletionResponse const& r)
{
    json::object& o = jv.emplace_object();
    o["id"] = r.id;
    o["model"] = r.model;
    o["choices"] = json::value_from(r.choices, o.storage());
    detail::put_if(o, "usage", r.usage);
    detail::put_if(o, "stats", r.stats);
    if (!r.raw.is_null())
        o["raw"] = r.raw;
}

boost::system::result<CompletionResponse> tag_invoke(json::try_value_to_tag<CompletionResponse>,
                                                     json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    CompletionResponse r;
    r.id = detail::string_field(*o, "id", err);
    r.model = detail::string_field(*o, "model", err);
    detail::list_field(*o, "choices", r.choices, err);
    detail::typed_field(*o, "usage", r.usage, err);
    detail::typed_field(*o, "stats", r.stats, err);
    if (json::value const* raw = o->if_contains("raw"))
        r.raw = *raw;
    if (err)
        return err.code();
    return r;
}

void tag_invoke(json::value_from_tag, json::value& jv, CompletionChunk const& c)
{
    json::object& o = jv.emplace_object();
    if (!c.id.empty())
        o["id"] = c.id;
    if (!c.model.empty())
        o["model"] = c.model;
    o["index"] = c.index;
    o["text"] = c.text;
    put_finish(o, c.finish_reason, c.finish_reason_raw);
    detail::put_if(o, "usage", c.usage);
    detail::put_if(o, "stats", c.stats);
    if (c.no_choice)
        o["no_choice"] = true;
}

boost::system::result<CompletionChunk> tag_invoke(json::try_value_to_tag<CompletionChunk>,
                                                  json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    CompletionChunk c;
    c.id = detail::string_field(*o, "id", err);
    c.model = detail::string_field(*o, "model", err);
    c.index = detail::integer_field(*o, "index", err).value_or(0);
    c.text = detail::string_field(*o, "text", err);
    detail::typed_field(*o, "finish_reason", c.finish_reason, err);
    c.finish_reason_raw = detail::string_field(*o, "finish_reason_raw", err);
    detail::typed_field(*o, "usage", c.usage, err);
    detail::typed_field(*o, "stats", c.stats, err);
    c.no_choice = detail::bool_field(*o, "no_choice", err).value_or(false);
    if (err)
        return err.code();
    return c;
}

} // namespace llmio

#include <llmio/usage.hpp>

#include <llmio/detail/json_read.hpp>

namespace llmio {

namespace json = boost::json;

void tag_invoke(json::value_from_tag, json::value& jv, Usage const& u)
{
    json::object& o = jv.emplace_object();
    o["prompt_tokens"] = u.prompt_tokens;
    o["completion_tokens"] = u.completion_tokens;
    o["total_tokens"] = u.total_tokens;
    detail::put_if(o, "cached_tokens", u.cached_tokens);
    detail::put_if(o, "reasoning_tokens", u.reasoning_tokens);
}

boost::system::result<Usage> tag_invoke(json::try_value_to_tag<Usage>, json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return boost::system::error_code(json::error::not_object);
    detail::ShapeError err;
    Usage u;
    u.prompt_tokens = detail::integer_field(*o, "prompt_tokens", err).value_or(0);
    u.completion_tokens = detail::integer_field(*o, "completion_tokens", err).value_or(0);
    u.total_tokens = detail::integer_field(*o, "total_tokens", err)
                         .value_or(u.prompt_tokens + u.completion_tokens);
    u.cached_tokens = detail::integer_field(*o, "cached_tokens", err);
    u.reasoning_tokens = detail::integer_field(*o, "reasoning_tokens", err);
    if (err)
        return err.code();
    return u;
}

void tag_invoke(json::value_from_tag, json::value& jv, ServerStats const& s)
{
    json::object& o = jv.emplace_object();
    detail::put_if(o, "tokens_per_second", s.tokens_per_second);
    detail::put_if(o, "time_to_first_token_s", s.time_to_first_token_s);
    detail::put_if(o, "generation_time_s", s.generation_time_s);
    detail::put_if(o, "prompt_tokens_per_second", s.prompt_tokens_per_second);
    detail::put_if(o, "model_load_time_s", s.model_load_time_s);
    detail::put_if(o, "prompt_tokens", s.prompt_tokens);
    detail::put_if(o, "predicted_tokens", s.predicted_tokens);
    detail::put_if(o, "cached_prompt_tokens", s.cached_prompt_tokens);
    detail::put_if(o, "stop_reason", s.stop_reason);
}

boost::system::result<ServerStats> tag_invoke(json::try_value_to_tag<ServerStats>,
                                              json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return boost::system::error_code(json::error::not_object);
    detail::ShapeError err;
    ServerStats s;
    s.tokens_per_second = detail::double_field(*o, "tokens_per_second", err);
    s.time_to_first_token_s = detail::double_field(*o, "time_to_first_token_s", err);
    s.generation_time_s = detail::double_field(*o, "generation_time_s", err);
    s.prompt_tokens_per_second = detail::double_field(*o, "prompt_tokens_per_second", err);
    s.model_load_time_s = detail::double_field(*o, "model_load_time_s", err);
    s.prompt_tokens = detail::integer_field(*o, "prompt_tokens", err);
    s.predicted_tokens = detail::integer_field(*o, "predicted_tokens", err);
    s.cached_prompt_tokens = detail::integer_field(*o, "cached_prompt_tokens", err);
    if (detail::field(*o, "stop_reason") != nullptr)
        s.stop_reason = std::string(detail::string_field(*o, "stop_reason", err));
    if (err)
        return err.code();
    return s;
}

} // namespace llmio

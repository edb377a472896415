#include <llmio/lmstudio/stats_wire.hpp>

#include <llmio/error.hpp>
#include <llmio/openai/wire.hpp>

namespace llmio::lmstudio {

namespace json = boost::json;
using llmio::detail::ShapeError;

namespace {

// `raw` is the answer's JSON as the OpenAI parser kept it: reads its `stats` into `stats`.
void read_stats_member(json::value const& raw, std::string_view body, std::optional<ServerStats>& stats)
{
    json::object const* root = raw.if_object();
    json::value const* value = root ? root->if_contains("stats") : nullptr;
    if (value == nullptr)
        return;
    ShapeError err;
    stats = read_stats(*value, err);
    if (!err)
        return;
    ErrorInfo info;
    info.provider = "lmstudio";
    set_raw_body(info, body);
    info.detail = err.message();
    throw_error(errc::malformed_response, std::move(info));
}

} // namespace

std::optional<ServerStats> read_stats(json::value const& v, ShapeError& err)
{
    if (v.is_null())
        return std::nullopt;
    json::object const* o = v.if_object();
    if (o == nullptr) {
        err.expected("", "stats", "an object", v, json::error::not_object);
        return std::nullopt;
    }
    using llmio::detail::double_field;
    using llmio::detail::integer_field;
    ServerStats s;
    s.tokens_per_second = double_field(*o, "tokens_per_second", err, "stats");
    // v0 says `time_to_first_token`, v1 chat `time_to_first_token_seconds`; both are seconds.
    s.time_to_first_token_s = double_field(*o, "time_to_first_token", err, "stats");
    if (!s.time_to_first_token_s)
        s.time_to_first_token_s = double_field(*o, "time_to_first_token_seconds", err, "stats");
    s.generation_time_s = double_field(*o, "generation_time", err, "stats");
    s.model_load_time_s = double_field(*o, "model_load_time_seconds", err, "stats");
    s.prompt_tokens = integer_field(*o, "input_tokens", err, "stats");
    s.predicted_tokens = integer_field(*o, "total_output_tokens", err, "stats");
    if (llmio::detail::field(*o, "stop_reason") != nullptr)
        s.stop_reason = std::string(llmio::detail::string_field(*o, "stop_reason", err, "stats"));
    return s;
}

ChatResponse parse_v0_chat_response(std::string_view body)
{
    ChatResponse r = openai::parse_chat_response(body);
    read_stats_member(r.raw, body, r.stats);
    return r;
}

CompletionResponse parse_v0_completion_response(std::string_view body)
{
    CompletionResponse r = openai::parse_completion_response(body);
    read_stats_member(r.raw, body, r.stats);
    return r;
}

} // namespace llmio::lmstudio

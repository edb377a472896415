#ifndef LLMIO_USAGE_HPP
#define LLMIO_USAGE_HPP

// What a generation cost and how fast it ran, provider-neutral.
//
// Both structs are described (Boost.Describe), so `boost::json::value_from(usage)` gives an
// object with one key per member, in declaration order; an unset optional is `null`. The CLI's
// `--json` output is written that way.

#include <boost/describe/class.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace llmio {

/// Token counts as the server reported them.
struct Usage {
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    /// As reported; when the server omits it, prompt + completion.
    std::int64_t total_tokens = 0;
    std::optional<std::int64_t> cached_tokens;    ///< Prompt tokens served from a cache.
    std::optional<std::int64_t> reasoning_tokens; ///< Completion tokens spent on reasoning.

    friend bool operator==(Usage const&, Usage const&) = default;
};

/// Server-side performance figures, when the server reports them (llama.cpp `timings`,
/// LM Studio `stats`, Ollama durations). Every field is optional: absent means "not reported".
/// Times are seconds.
struct ServerStats {
    std::optional<double> tokens_per_second;        ///< Generation speed.
    std::optional<double> time_to_first_token_s;    ///< llama.cpp: prompt processing time.
    std::optional<double> generation_time_s;        ///< Time spent generating tokens.
    std::optional<double> prompt_tokens_per_second; ///< Prompt processing speed.
    std::optional<double> model_load_time_s;        ///< Time spent loading the model first.
    std::optional<std::int64_t> prompt_tokens;      ///< Prompt tokens actually evaluated.
    std::optional<std::int64_t> predicted_tokens;   ///< Tokens generated.
    std::optional<std::int64_t> cached_prompt_tokens; ///< Prompt tokens reused from the cache.
    /// Why generation stopped, in the server's own words (LM Studio `stats.stop_reason`:
    /// "eosFound", "maxPredictedTokensReached", ...; opaque). ChatResponse::finish_reason is
    /// the portable one.
    std::optional<std::string> stop_reason;

    friend bool operator==(ServerStats const&, ServerStats const&) = default;
};

BOOST_DESCRIBE_STRUCT(Usage, (),
                      (prompt_tokens, completion_tokens, total_tokens, cached_tokens,
                       reasoning_tokens))
BOOST_DESCRIBE_STRUCT(ServerStats, (),
                      (tokens_per_second, time_to_first_token_s, generation_time_s,
                       prompt_tokens_per_second, model_load_time_s, prompt_tokens,
                       predicted_tokens, cached_prompt_tokens, stop_reason))

} // namespace llmio

#endif // LLMIO_USAGE_HPP

#ifndef LLMIO_COMPLETION_HPP
#define LLMIO_COMPLETION_HPP

// Legacy text completions (`/v1/completions`), provider-neutral.

#include <llmio/finish_reason.hpp>
#include <llmio/usage.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace llmio {

/// A text completion request. Unset optionals are not sent.
struct CompletionRequest {
    std::string model;
    /// One prompt, or several (one completion each). Token-id prompts go through `extra`.
    std::variant<std::string, std::vector<std::string>> prompt;
    std::optional<std::string> suffix;
    std::optional<std::int64_t> max_tokens;
    std::optional<double> temperature;
    std::optional<double> top_p;
    std::optional<std::int64_t> n;
    std::optional<std::int64_t> best_of;
    std::optional<std::int64_t> logprobs; ///< Number of top log-probabilities per token.
    std::optional<bool> echo;
    std::vector<std::string> stop;         ///< Empty = not sent.
    std::optional<double> presence_penalty;
    std::optional<double> frequency_penalty;
    std::map<std::int64_t, double> logit_bias; ///< Token id -> bias; empty = not sent.
    std::optional<std::int64_t> seed;
    std::optional<std::string> user;
    std::optional<bool> include_usage;     ///< Streaming only, as in ChatRequest.
    boost::json::object extra;             ///< Merged last, as in ChatRequest.

    friend bool operator==(CompletionRequest const&, CompletionRequest const&) = default;
};

/// One generated text.
struct CompletionChoice {
    std::int64_t index = 0; ///< Which prompt / which of `n` it answers.
    std::string text;
    FinishReason finish_reason = FinishReason::none;
    std::string finish_reason_raw;
    boost::json::value logprobs; ///< As received (null when not requested).

    friend bool operator==(CompletionChoice const&, CompletionChoice const&) = default;
};

struct CompletionResponse {
    std::string id;
    std::string model;
    std::vector<CompletionChoice> choices; ///< Sorted by index.
    std::optional<Usage> usage;
    std::optional<ServerStats> stats;
    boost::json::value raw;
    /// Served from a response cache (CachingProvider) instead of the server.
    bool cached = false;

    /// The first choice's text, or "" when there is none.
    std::string const& text() const noexcept;

    friend bool operator==(CompletionResponse const&, CompletionResponse const&) = default;
};

/// One streamed piece of a completion.
struct CompletionChunk {
    std::int64_t index = 0;
    std::string text;
    std::optional<FinishReason> finish_reason;
    std::string finish_reason_raw;
    std::optional<Usage> usage;
    std::optional<ServerStats> stats;
    std::string id;
    std::string model;
    bool no_choice = false; ///< The wire chunk had no choice (usage trailer).

    friend bool operator==(CompletionChunk const&, CompletionChunk const&) = default;
};

} // namespace llmio

#endif // LLMIO_COMPLETION_HPP

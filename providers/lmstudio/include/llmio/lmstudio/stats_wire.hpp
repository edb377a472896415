#ifndef LLMIO_LMSTUDIO_STATS_WIRE_HPP
#define LLMIO_LMSTUDIO_STATS_WIRE_HPP

// LM Studio's `stats` object (docs/protocols.md, LM Studio: /api/v0 and /api/v1) and the v0
// answers that carry it. No I/O.
//
// The v0 chat and completion answers are OpenAI bodies plus `stats`: they are read with
// llmio::openai's parsers (which know nothing of `stats`), then `stats` is read here. Invalid
// JSON or a wrong shape throws MalformedResponseError with a bounded copy of the body.

#include <llmio/chat.hpp>
#include <llmio/completion.hpp>
#include <llmio/detail/json_read.hpp>
#include <llmio/usage.hpp>

#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

namespace llmio::lmstudio {

/// LM Studio's `stats` object as ServerStats (null = nullopt): v0 chat and completion answers
/// (`tokens_per_second`, `time_to_first_token`, `generation_time`, `stop_reason`) and
/// `/api/v1/chat` results (`tokens_per_second`, `time_to_first_token_seconds`,
/// `model_load_time_seconds`, `input_tokens`, `total_output_tokens`). Times are seconds on the
/// wire and in ServerStats. A wrong shape is recorded in `err`.
std::optional<ServerStats> read_stats(boost::json::value const& stats, llmio::detail::ShapeError& err);

/// A `POST /api/v0/chat/completions` answer: openai::parse_chat_response, plus `stats`.
ChatResponse parse_v0_chat_response(std::string_view body);

/// A `POST /api/v0/completions` answer: openai::parse_completion_response, plus `stats`.
CompletionResponse parse_v0_completion_response(std::string_view body);

} // namespace llmio::lmstudio

#endif

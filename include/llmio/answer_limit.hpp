#ifndef LLMIO_ANSWER_LIMIT_HPP
#define LLMIO_ANSWER_LIMIT_HPP

// The bound on one answer's assembled content (http::Limits::max_answer_bytes): text,
// reasoning, refusal, tool-call names and arguments, streamed or not. A server that streams
// valid chunks forever ends with an error instead of unbounded memory.

#include <llmio/chat.hpp>
#include <llmio/completion.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace llmio {

class AnswerLimit {
public:
    explicit AnswerLimit(std::size_t max_bytes) noexcept : max_(max_bytes) {}

    /// Counts what `chunk` adds to the answer; false once the answer is over the limit.
    bool add(ChatChunk const& chunk) noexcept;
    bool add(CompletionChunk const& chunk) noexcept { return add(chunk.text.size()); }
    /// Counts `bytes` more; false once the answer is over the limit.
    bool add(std::size_t bytes) noexcept;

    std::size_t used() const noexcept { return used_; }
    std::size_t max() const noexcept { return max_; }

    /// Throws MalformedResponseError (errc::body_too_large) naming `limits.max_answer_bytes`
    /// and its value; `provider` may be empty (the provider's call names it).
    [[noreturn]] void throw_exceeded(std::string_view provider) const;

    /// For complete (non-streamed) answers: throws as above when `response` is over `max_bytes`.
    static void check(ChatResponse const& response, std::size_t max_bytes, std::string_view provider);

private:
    std::size_t max_;
    std::size_t used_ = 0;
};

} // namespace llmio

#endif // LLMIO_ANSWER_LIMIT_HPP

#ifndef LLMIO_RETRY_HPP
#define LLMIO_RETRY_HPP

// When to try a request again, and after how long. Sans-io: the provider asks `decide_retry`
// after each failed attempt and sleeps for `delay` itself.
//
// Rules, in order (the first that applies decides):
//  1. `committed` (some byte of a stream already reached the caller): never; a retry would
//     replay output the caller has already seen (the commit point).
//  2. CancelledError (errc::cancelled): never.
//  3. `retries_done >= max_retries`: no, the budget is spent.
//  4. The server said `x-should-retry: false` (ErrorInfo::should_retry == false; the mapper also
//     sets it for a 429 insufficient_quota): no.
//  5. Retry only if `is_retryable(error.code())` (connection errors, connect/queue timeouts,
//     429, 5xx, 408, 409) or the server said `x-should-retry: true`. A first-byte timeout is
//     retried only with `retry_first_byte_timeout`: for a non-streaming generation it usually
//     means the server is still working, and a retry would run the whole prompt again
//     (docs/protocols.md, Edge cases: long generations and retries).
//  6. A Retry-After (ErrorInfo::retry_after) longer than `max_retry_after`: no; the error already
//     carries it (`RateLimitError::retry_after()`) so the caller can decide.
//  7. Delay: a positive Retry-After as given; otherwise (none, or 0 / a date in the past) full
//     jitter: random01 * min(initial_backoff * multiplier^retries_done, max_backoff).

#include <llmio/error.hpp>

#include <chrono>
#include <string_view>

namespace llmio {

/// How persistent to be. Configurable per provider and per call.
struct RetryPolicy {
    int max_retries = 2;                             ///< Retries after the first attempt.
    std::chrono::milliseconds initial_backoff{500};  ///< Backoff before the first retry.
    std::chrono::milliseconds max_backoff{8000};     ///< Backoff cap (before jitter).
    double multiplier = 2.0;                         ///< Growth per retry.
    std::chrono::milliseconds max_retry_after{60000}; ///< A longer Retry-After fails at once.
    bool retry_first_byte_timeout = false;           ///< See rule 5 above.

    /// No retries at all (max_retries = 0).
    static RetryPolicy none();
};

struct RetryDecision {
    bool retry = false;
    std::chrono::milliseconds delay{0};
    std::string_view reason; ///< Why, in a few words (a static string).
};

/// `retries_done`: retries already made for this call (0 after the first attempt failed).
/// `committed`: some byte of a stream already reached the caller.
/// `random01` in [0, 1) (values outside are clamped): full jitter = random01 * backoff; tests
/// inject it, providers draw it from their random engine.
RetryDecision decide_retry(RetryPolicy const& policy, int retries_done, ProviderError const& error,
                           bool committed, double random01);

} // namespace llmio

#endif // LLMIO_RETRY_HPP

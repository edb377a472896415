// decide_retry: the retry rules listed in retry.hpp, in the same order.

#include <llmio/retry.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace llmio {
namespace {

using std::chrono::milliseconds;

// min(initial * multiplier^k, max), computed in double so that a large k cannot overflow.
double backoff_ms(RetryPolicy const& policy, int retries_done)
{
    double const cap = std::max<double>(0.0, static_cast<double>(policy.max_backoff.count()));
    double const initial = std::max<double>(0.0, static_cast<double>(policy.initial_backoff.count()));
    double const grown = initial * std::pow(policy.multiplier, retries_done);
    // `!(grown <= cap)` also catches NaN and infinity from odd multipliers.
    return !(grown <= cap) ? cap : std::max(0.0, grown);
}

} // namespace

RetryPolicy RetryPolicy::none()
{
    RetryPolicy policy;
    policy.max_retries = 0;
    return policy;
}

RetryDecision decide_retry(RetryPolicy const& policy, int retries_done, ProviderError const& error,
                           bool committed, double random01)
{
    if (committed)
        return {false, {}, "output already reached the caller"};
    if (error.error() == errc::cancelled)
        return {false, {}, "cancelled"};
    retries_done = std::max(0, retries_done);
    if (retries_done >= policy.max_retries)
        return {false, {}, "retry budget exhausted"};

    ErrorInfo const& info = error.info();
    if (info.should_retry == false) {
        bool const quota = error.error() == errc::rate_limited &&
                           (info.server_code == "insufficient_quota" ||
                            info.server_type == "insufficient_quota");
        return {false, {}, quota ? "quota exhausted" : "server said x-should-retry: false"};
    }
    bool const server_says_retry = info.should_retry == true;
    if (!server_says_retry) {
        if (!is_retryable(error.code()))
            return {false, {}, "error is not retryable"};
        if (error.error() == errc::first_byte_timeout && !policy.retry_first_byte_timeout)
            return {false, {}, "first-byte timeout: a retry would run the prompt again"};
    }

    if (info.retry_after && *info.retry_after > policy.max_retry_after)
        return {false, {}, "Retry-After exceeds max_retry_after"};
    if (info.retry_after && info.retry_after->count() > 0)
        return {true, *info.retry_after,
                server_says_retry ? "server said x-should-retry: true; honouring Retry-After"
                                  : "honouring Retry-After"};

    double const jitter = std::isfinite(random01) ? std::clamp(random01, 0.0, 1.0) : 0.0;
    auto const delay = milliseconds(static_cast<std::int64_t>(jitter * backoff_ms(policy, retries_done)));
    return {true, delay, server_says_retry ? "server said x-should-retry: true" : "transient error; backing off"};
}

} // namespace llmio

#include "rate_limit.hpp"

#include <llmio/error.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace llmio::gateway {

namespace {

// Refills `bucket` for the time since its last update at `per_minute`, up to one minute's
// worth; a bucket seen for the first time starts full.
void refill(auto& bucket, std::uint64_t limit, auto now)
{
    auto const per_minute = static_cast<double>(limit);
    if (!bucket.started) {
        bucket.level = per_minute;
        bucket.started = true;
    } else {
        std::chrono::duration<double> const elapsed = now - bucket.updated;
        bucket.level = std::min(per_minute, bucket.level + std::max(0.0, elapsed.count()) * per_minute / 60.0);
    }
    bucket.updated = now;
}

// Seconds until a bucket refilling at `per_minute` rises from `level` to above `needed`.
double seconds_until(double level, double needed, std::uint64_t per_minute) noexcept
{
    return level >= needed ? 0.0 : (needed - level) * 60.0 / static_cast<double>(per_minute);
}

// How the bucket looks to the client: whole tokens left, time until full.
RateLimiter::BucketState state_of(double level, std::uint64_t per_minute) noexcept
{
    RateLimiter::BucketState state;
    state.limit = per_minute;
    state.remaining = level >= 1.0 ? static_cast<std::uint64_t>(std::floor(level)) : 0;
    auto const seconds = seconds_until(level, static_cast<double>(per_minute), per_minute);
    state.reset = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(std::min(seconds, 1e9) * 1000.0)));
    return state;
}

} // namespace

std::string reset_text(std::chrono::milliseconds duration)
{
    auto const ms = std::max<std::int64_t>(0, duration.count());
    if (ms < 1000)
        return std::to_string(ms) + "ms";
    std::string out;
    auto const minutes = ms / 60'000;
    if (minutes > 0)
        out = std::to_string(minutes) + "m";
    auto const rest = ms % 60'000;
    out += std::to_string(rest / 1000);
    if (auto const fraction = rest % 1000; fraction != 0) {
        std::string digits = std::to_string(1000 + fraction).substr(1); // three digits
        while (digits.back() == '0')
            digits.pop_back();
        out += '.' + digits;
    }
    return out + "s";
}

void check_rate(std::string_view name, std::uint64_t value)
{
    if (value < 1 || value > kMaxRatePerMinute)
        throw_error(errc::invalid_request, std::string(name) + " must be a whole number from 1 to 1000000000");
}

RateLimiter::RateLimiter(RateLimit defaults, Clock clock) : defaults_(defaults), clock_(std::move(clock)) {}

RateLimit RateLimiter::effective(RateLimit const* own) const noexcept
{
    RateLimit limits = defaults_;
    if (own && own->requests_per_minute)
        limits.requests_per_minute = own->requests_per_minute;
    if (own && own->tokens_per_minute)
        limits.tokens_per_minute = own->tokens_per_minute;
    return limits;
}

RateLimiter::TimePoint RateLimiter::now() const { return clock_ ? clock_() : std::chrono::steady_clock::now(); }

RateLimiter::Buckets& RateLimiter::buckets_of(std::string_view key_id)
{
    auto it = buckets_.find(key_id);
    if (it == buckets_.end())
        it = buckets_.emplace(std::string(key_id), Buckets{}).first;
    return it->second;
}

RateLimiter::Decision RateLimiter::admit(std::string_view key_id, RateLimit const* own)
{
    auto const limits = effective(own);
    if (!limits.requests_per_minute && !limits.tokens_per_minute)
        return {};
    auto const at = now();
    std::lock_guard lock(mutex_);
    auto& b = buckets_of(key_id);
    double wait = 0;
    if (limits.requests_per_minute) {
        refill(b.requests, *limits.requests_per_minute, at);
        wait = seconds_until(b.requests.level, 1.0, *limits.requests_per_minute);
    }
    if (limits.tokens_per_minute) {
        refill(b.tokens, *limits.tokens_per_minute, at);
        // Empty means nothing left: a request may start with a single token to spend.
        if (b.tokens.level <= 0)
            wait = std::max(wait, seconds_until(b.tokens.level, 1.0, *limits.tokens_per_minute));
    }
    Decision decision;
    if (wait > 0) {
        // Less a nanosecond, so that a rounding error of the division (1.0000000000000009 s)
        // does not add a whole second.
        auto const whole = std::max(1.0, std::ceil(wait - 1e-9));
        decision.allowed = false;
        decision.retry_after = std::chrono::seconds(static_cast<std::int64_t>(std::min(whole, 1e9)));
    } else if (limits.requests_per_minute) {
        b.requests.level -= 1.0;
    }
    if (limits.requests_per_minute)
        decision.requests = state_of(b.requests.level, *limits.requests_per_minute);
    if (limits.tokens_per_minute)
        decision.tokens = state_of(b.tokens.level, *limits.tokens_per_minute);
    return decision;
}

void RateLimiter::charge(std::string_view key_id, RateLimit const* own, std::uint64_t tokens)
{
    auto const limits = effective(own);
    if (!limits.tokens_per_minute || tokens == 0)
        return;
    auto const at = now();
    std::lock_guard lock(mutex_);
    auto& bucket = buckets_of(key_id).tokens;
    refill(bucket, *limits.tokens_per_minute, at);
    // Bounded below so that one enormous answer blocks its key for at most an hour.
    bucket.level = std::max(bucket.level - static_cast<double>(tokens), -60.0 * static_cast<double>(*limits.tokens_per_minute));
}

} // namespace llmio::gateway

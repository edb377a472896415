#ifndef LLMIO_SRC_GATEWAY_RATE_LIMIT_HPP
#define LLMIO_SRC_GATEWAY_RATE_LIMIT_HPP

// Per-key rate limits of the gateway: two token buckets per client key, one of requests and
// one of model tokens, each refilled continuously at its per-minute rate up to one minute's
// worth. A request takes one request token when it arrives; the model tokens it used are
// known only from the answer's usage and are charged after the call (the bucket may go below
// zero). A request is refused while either bucket is empty, with the seconds until it is not.
// Every decision also says how full the buckets are, for the x-ratelimit-* headers.
// Thread-safe: `llmio serve --threads N` admits from several threads.

#include <llmio/gateway.hpp> // RateLimit

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace llmio::gateway {

/// Largest accepted rate per minute.
inline constexpr std::uint64_t kMaxRatePerMinute = 1'000'000'000;

/// Throws InvalidRequestError naming `name` unless 1 <= value <= kMaxRatePerMinute.
void check_rate(std::string_view name, std::uint64_t value);

/// A duration as OpenAI writes its x-ratelimit-reset-* values: "250ms", "1.5s", "6m0s".
std::string reset_text(std::chrono::milliseconds duration);

class RateLimiter {
public:
    using TimePoint = std::chrono::steady_clock::time_point;
    /// Where "now" comes from; empty = std::chrono::steady_clock::now. Tests inject one.
    using Clock = std::function<TimePoint()>;

    /// One bucket as a client sees it (OpenAI's x-ratelimit-* headers).
    struct BucketState {
        std::uint64_t limit = 0;     ///< per minute
        std::uint64_t remaining = 0; ///< whole tokens left after this request
        std::chrono::milliseconds reset{0}; ///< until the bucket is full again
    };
    struct Decision {
        bool allowed = true;
        std::chrono::seconds retry_after{0}; ///< when refused: whole seconds, rounded up, >= 1
        std::optional<BucketState> requests; ///< set when requests are limited
        std::optional<BucketState> tokens;   ///< set when tokens are limited
    };

    explicit RateLimiter(RateLimit defaults, Clock clock = {});

    /// Admits one request of client `key_id` under `own` limits (unset fields: the defaults;
    /// `own` may be null), taking one request token, or refuses it and takes nothing.
    Decision admit(std::string_view key_id, RateLimit const* own);

    /// Whether tokens per minute are limited for a client with `own` limits (else charging
    /// them is pointless).
    bool limits_tokens(RateLimit const* own) const noexcept { return effective(own).tokens_per_minute.has_value(); }

    /// Charges the model tokens a finished call of `key_id` used (prompt + completion).
    void charge(std::string_view key_id, RateLimit const* own, std::uint64_t tokens);

private:
    struct Bucket {
        double level = 0;
        TimePoint updated{};
        bool started = false;
    };
    struct Buckets {
        Bucket requests;
        Bucket tokens;
    };
    RateLimit effective(RateLimit const* own) const noexcept;
    TimePoint now() const;
    Buckets& buckets_of(std::string_view key_id); // under mutex_

    RateLimit defaults_;
    Clock clock_;
    std::mutex mutex_;
    // One entry per configured key id (and "" without keys): bounded by the key ring's size.
    std::map<std::string, Buckets, std::less<>> buckets_;
};

} // namespace llmio::gateway

#endif

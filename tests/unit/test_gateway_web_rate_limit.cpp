// The gateway's per-key token buckets on an injected clock: requests and tokens per minute,
// refill, Retry-After rounded up, per-key overrides and keys kept apart.

#include "gateway/rate_limit.hpp"

#include "support/expect_error.hpp"

#include <llmio/error.hpp>

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using namespace llmio;
using namespace llmio::gateway;
using namespace std::chrono_literals;

namespace {

struct FakeClock {
    RateLimiter::TimePoint now{std::chrono::hours(1)};
    RateLimiter::Clock clock()
    {
        return [this] { return now; };
    }
};

RateLimit limits(std::optional<std::uint64_t> rpm, std::optional<std::uint64_t> tpm)
{
    RateLimit l;
    l.requests_per_minute = rpm;
    l.tokens_per_minute = tpm;
    return l;
}

} // namespace

TEST_CASE("rate limit: requests per minute empty the bucket, then Retry-After says when", "[gateway][access]")
{
    FakeClock time;
    RateLimiter limiter(limits(3, std::nullopt), time.clock());
    auto const first = limiter.admit("key-1", nullptr);
    CHECK(first.allowed);
    REQUIRE(first.requests);
    CHECK(first.requests->limit == 3);
    CHECK(first.requests->remaining == 2);
    CHECK(first.requests->reset == 20s); // one request back every 20 s at 3 per minute
    CHECK_FALSE(first.tokens);
    for (int i = 0; i < 2; ++i)
        CHECK(limiter.admit("key-1", nullptr).allowed);
    auto const refused = limiter.admit("key-1", nullptr);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after == 20s);
    CHECK(refused.requests->remaining == 0);
    CHECK(refused.requests->reset == 60s);

    time.now += 19s;
    auto const still = limiter.admit("key-1", nullptr);
    CHECK_FALSE(still.allowed);
    CHECK(still.retry_after == 1s);
    time.now += 500ms; // 0.5 s left: rounded up to a whole second
    CHECK(limiter.admit("key-1", nullptr).retry_after == 1s);
    time.now += 500ms;
    CHECK(limiter.admit("key-1", nullptr).allowed);
    CHECK_FALSE(limiter.admit("key-1", nullptr).allowed);

    // A long pause refills to one minute's worth, not more.
    time.now += 1h;
    for (int i = 0; i < 3; ++i)
        CHECK(limiter.admit("key-1", nullptr).allowed);
    CHECK_FALSE(limiter.admit("key-1", nullptr).allowed);
}

TEST_CASE("rate limit: each key has its own buckets", "[gateway][access]")
{
    FakeClock time;
    RateLimiter limiter(limits(1, std::nullopt), time.clock());
    CHECK(limiter.admit("key-1", nullptr).allowed);
    CHECK_FALSE(limiter.admit("key-1", nullptr).allowed);
    CHECK(limiter.admit("key-2", nullptr).allowed);
    CHECK(limiter.admit("", nullptr).allowed);
}

TEST_CASE("rate limit: tokens are charged after the call and refuse the next request when spent", "[gateway][access]")
{
    FakeClock time;
    RateLimiter limiter(limits(std::nullopt, 600), time.clock()); // 10 tokens a second
    CHECK(limiter.limits_tokens(nullptr));
    CHECK(limiter.admit("k", nullptr).allowed);
    limiter.charge("k", nullptr, 500);
    CHECK(limiter.admit("k", nullptr).allowed); // 100 left
    limiter.charge("k", nullptr, 400);          // 300 below empty
    auto const refused = limiter.admit("k", nullptr);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after == 31s); // back to one token: 301 tokens at 10 a second = 30.1 s
    time.now += 30s;
    CHECK_FALSE(limiter.admit("k", nullptr).allowed);
    time.now += 200ms;
    CHECK(limiter.admit("k", nullptr).allowed);
}

TEST_CASE("rate limit: one enormous answer blocks its key for at most an hour", "[gateway][access]")
{
    FakeClock time;
    RateLimiter limiter(limits(std::nullopt, 60), time.clock());
    limiter.charge("k", nullptr, 1'000'000'000);
    auto const refused = limiter.admit("k", nullptr);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after == 3601s);
}

TEST_CASE("rate limit: a key's own limits replace the defaults, field by field", "[gateway][access]")
{
    FakeClock time;
    RateLimiter limiter(limits(1, 1000), time.clock());
    auto const own = limits(2, std::nullopt);
    CHECK(limiter.admit("vip", &own).allowed);
    CHECK(limiter.admit("vip", &own).allowed);
    CHECK_FALSE(limiter.admit("vip", &own).allowed);
    limiter.charge("other", &own, 2000); // tokens: the default 1000 per minute applies
    CHECK_FALSE(limiter.admit("other", &own).allowed);
}

TEST_CASE("rate limit: without limits every request is admitted", "[gateway][access]")
{
    RateLimiter limiter({}, {});
    CHECK_FALSE(limiter.limits_tokens(nullptr));
    auto const own = limits(std::nullopt, 10);
    CHECK(limiter.limits_tokens(&own));
    for (int i = 0; i < 100; ++i)
        CHECK(limiter.admit("k", nullptr).allowed);
    limiter.charge("k", nullptr, 1'000'000);
    CHECK(limiter.admit("k", nullptr).allowed);
}

TEST_CASE("rate limit: admits exactly the budget from several threads", "[gateway][access]")
{
    FakeClock time;
    RateLimiter limiter(limits(1000, std::nullopt), time.clock());
    std::atomic<int> admitted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i)
                admitted += limiter.admit("k", nullptr).allowed ? 1 : 0;
        });
    for (auto& thread : threads)
        thread.join();
    CHECK(admitted == 1000);
}

TEST_CASE("rate limit: rates are checked", "[gateway][access]")
{
    check_rate("serve.rate_limits.requests_per_minute", 1);
    check_rate("serve.rate_limits.requests_per_minute", kMaxRatePerMinute);
    auto const e = test::expect_error<InvalidRequestError>([] { check_rate("serve.rate_limits.tokens_per_minute", 0); });
    CHECK(e.info().detail == "serve.rate_limits.tokens_per_minute must be a whole number from 1 to 1000000000");
}

TEST_CASE("rate limit: reset durations are written as OpenAI writes them", "[gateway][access]")
{
    CHECK(reset_text(0ms) == "0ms");
    CHECK(reset_text(250ms) == "250ms");
    CHECK(reset_text(1500ms) == "1.5s");
    CHECK(reset_text(20s) == "20s");
    CHECK(reset_text(6min) == "6m0s");
    CHECK(reset_text(90250ms) == "1m30.25s");
}

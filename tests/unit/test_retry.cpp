// The retry decision table (rules listed in retry.hpp).

#include <llmio/error_mapping.hpp>
#include <llmio/retry.hpp>

#include <catch2/catch.hpp>

#include <limits>

using namespace llmio;
using namespace std::chrono_literals;

namespace {

ProviderError error_with(errc code, int status = 0)
{
    ErrorInfo info;
    info.provider = "openai";
    info.http_status = status;
    return ProviderError(code, std::move(info));
}

ProviderError mapped(HttpErrorInput const& in)
{
    MappedError m = map_http_error(in);
    return ProviderError(m.code, std::move(m.info));
}

ProviderError mapped(int status, std::string_view body = "", std::string_view retry_after = "",
                     std::string_view should_retry = "")
{
    HttpErrorInput in;
    in.provider = "openai";
    in.status = status;
    in.body = body;
    in.retry_after = retry_after;
    in.should_retry = should_retry;
    return mapped(in);
}

} // namespace

TEST_CASE("RetryPolicy defaults: 2 retries, 0.5 s doubling to 8 s, Retry-After up to 60 s", "[retry]")
{
    RetryPolicy const p;
    CHECK(p.max_retries == 2);
    CHECK(p.initial_backoff == 500ms);
    CHECK(p.max_backoff == 8000ms);
    CHECK(p.multiplier == 2.0);
    CHECK(p.max_retry_after == 60000ms);
    CHECK_FALSE(p.retry_first_byte_timeout);
    CHECK(RetryPolicy::none().max_retries == 0);
    CHECK(RetryPolicy::none().initial_backoff == 500ms);
}

TEST_CASE("decide_retry: full jitter over a doubling, capped backoff", "[retry]")
{
    RetryPolicy p;
    p.max_retries = 10;
    auto const e = error_with(errc::server_error, 500);

    auto const first_low = decide_retry(p, 0, e, false, 0.0);
    CHECK(first_low.retry);
    CHECK(first_low.delay == 0ms);
    CHECK(first_low.reason == "transient error; backing off");
    CHECK(decide_retry(p, 0, e, false, 0.999).delay == 499ms);
    CHECK(decide_retry(p, 0, e, false, 0.5).delay == 250ms);
    CHECK(decide_retry(p, 1, e, false, 0.999).delay == 999ms);
    CHECK(decide_retry(p, 2, e, false, 0.999).delay == 1998ms);
    CHECK(decide_retry(p, 3, e, false, 0.999).delay == 3996ms);
    CHECK(decide_retry(p, 4, e, false, 0.999).delay == 7992ms); // 8 s: exactly the cap
    CHECK(decide_retry(p, 5, e, false, 0.999).delay == 7992ms); // 16 s capped at 8 s
    CHECK(decide_retry(p, 9, e, false, 0.999).delay == 7992ms);
    CHECK(decide_retry(p, 5, e, false, 0.0).delay == 0ms);

    // Out-of-range randomness is clamped, never a negative or endless wait.
    CHECK(decide_retry(p, 9, e, false, 7.0).delay == 8000ms);
    CHECK(decide_retry(p, 0, e, false, -1.0).delay == 0ms);
    CHECK(decide_retry(p, 0, e, false, std::numeric_limits<double>::quiet_NaN()).delay == 0ms);

    // Per-call policies change the curve.
    RetryPolicy fast;
    fast.max_retries = 5;
    fast.initial_backoff = 100ms;
    fast.multiplier = 3.0;
    fast.max_backoff = 1000ms;
    CHECK(decide_retry(fast, 0, e, false, 0.5).delay == 50ms);
    CHECK(decide_retry(fast, 1, e, false, 0.5).delay == 150ms);
    CHECK(decide_retry(fast, 2, e, false, 0.5).delay == 450ms);
    CHECK(decide_retry(fast, 3, e, false, 0.5).delay == 500ms);
    // An absurd multiplier still yields the cap.
    fast.multiplier = 1e300;
    CHECK(decide_retry(fast, 4, e, false, 0.5).delay == 500ms);
}

TEST_CASE("decide_retry: the retry budget", "[retry]")
{
    RetryPolicy const p; // 2 retries
    auto const e = error_with(errc::server_error, 503);
    CHECK(decide_retry(p, 0, e, false, 0.5).retry);
    CHECK(decide_retry(p, 1, e, false, 0.5).retry);
    auto const spent = decide_retry(p, 2, e, false, 0.5);
    CHECK_FALSE(spent.retry);
    CHECK(spent.reason == "retry budget exhausted");
    CHECK_FALSE(decide_retry(RetryPolicy::none(), 0, e, false, 0.5).retry);
}

TEST_CASE("decide_retry: never after the commit point, never when cancelled", "[retry]")
{
    RetryPolicy const p;
    auto const committed = decide_retry(p, 0, error_with(errc::connection_reset), true, 0.5);
    CHECK_FALSE(committed.retry);
    CHECK(committed.reason == "output already reached the caller");
    CHECK_FALSE(decide_retry(p, 0, mapped(503, "", "", "true"), true, 0.5).retry);

    auto const cancelled = decide_retry(p, 0, error_with(errc::cancelled), false, 0.5);
    CHECK_FALSE(cancelled.retry);
    CHECK(cancelled.reason == "cancelled");
}

TEST_CASE("decide_retry: which errors are retried", "[retry]")
{
    RetryPolicy const p;
    // Connection errors, 408, 409, 429 and 5xx.
    CHECK(decide_retry(p, 0, error_with(errc::connection_refused), false, 0.5).retry);
    CHECK(decide_retry(p, 0, error_with(errc::connection_reset), false, 0.5).retry);
    CHECK(decide_retry(p, 0, error_with(errc::network_error), false, 0.5).retry);
    CHECK(decide_retry(p, 0, error_with(errc::connect_timeout), false, 0.5).retry);
    CHECK(decide_retry(p, 0, mapped(408), false, 0.5).retry);
    CHECK(decide_retry(p, 0, mapped(409), false, 0.5).retry);
    CHECK(decide_retry(p, 0, mapped(429), false, 0.5).retry);
    CHECK(decide_retry(p, 0, mapped(500), false, 0.5).retry);
    CHECK(decide_retry(p, 0, mapped(502), false, 0.5).retry);
    CHECK(decide_retry(p, 0, mapped(503, R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})"), false, 0.5).retry);

    // Final errors.
    for (int status : {400, 401, 403, 404, 413, 422, 501}) {
        INFO(status);
        auto const d = decide_retry(p, 0, mapped(status), false, 0.5);
        CHECK_FALSE(d.retry);
        CHECK(d.reason == "error is not retryable");
    }
    CHECK_FALSE(decide_retry(p, 0, mapped(400, R"({"error":{"message":"x","code":"context_length_exceeded"}})"), false, 0.5).retry);
    CHECK_FALSE(decide_retry(p, 0, mapped(404, R"({"error":"model 'x' not found, try pulling it first"})"), false, 0.5).retry);
    CHECK_FALSE(decide_retry(p, 0, error_with(errc::malformed_response), false, 0.5).retry);
    CHECK_FALSE(decide_retry(p, 0, error_with(errc::idle_timeout), false, 0.5).retry);
    CHECK_FALSE(decide_retry(p, 0, error_with(errc::total_timeout), false, 0.5).retry);

    // A first-byte timeout re-runs the whole prompt: only when asked for.
    auto const fbt = decide_retry(p, 0, error_with(errc::first_byte_timeout), false, 0.5);
    CHECK_FALSE(fbt.retry);
    CHECK(fbt.reason == "first-byte timeout: a retry would run the prompt again");
    RetryPolicy eager;
    eager.retry_first_byte_timeout = true;
    CHECK(decide_retry(eager, 0, error_with(errc::first_byte_timeout), false, 0.5).retry);
}

TEST_CASE("decide_retry: x-should-retry overrides the status both ways", "[retry]")
{
    RetryPolicy const p;
    auto const yes = decide_retry(p, 0, mapped(400, "", "", "true"), false, 0.999);
    CHECK(yes.retry);
    CHECK(yes.delay == 499ms);
    CHECK(yes.reason == "server said x-should-retry: true");

    auto const no = decide_retry(p, 0, mapped(503, "", "", "false"), false, 0.5);
    CHECK_FALSE(no.retry);
    CHECK(no.reason == "server said x-should-retry: false");

    // Even a server's "true" does not beat the budget or the commit point.
    CHECK_FALSE(decide_retry(p, 2, mapped(400, "", "", "true"), false, 0.5).retry);
    CHECK_FALSE(decide_retry(p, 0, mapped(400, "", "", "true"), true, 0.5).retry);
}

TEST_CASE("decide_retry: an exhausted quota is not retried", "[retry]")
{
    RetryPolicy const p;
    auto const quota = mapped(429, R"({"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})");
    REQUIRE(quota.error() == errc::rate_limited);
    auto const d = decide_retry(p, 0, quota, false, 0.5);
    CHECK_FALSE(d.retry);
    CHECK(d.reason == "quota exhausted");
}

TEST_CASE("decide_retry: Retry-After is honoured up to max_retry_after", "[retry]")
{
    RetryPolicy const p;
    auto const two = decide_retry(p, 0, mapped(429, "", "2"), false, 0.0);
    CHECK(two.retry);
    CHECK(two.delay == 2000ms);
    CHECK(two.reason == "honouring Retry-After");

    // Retry-After beats the backoff cap, up to max_retry_after.
    CHECK(decide_retry(p, 0, mapped(503, "", "60"), false, 0.0).delay == 60000ms);

    // Retry-After: 0 (or a date in the past) falls back to the jittered backoff.
    CHECK(decide_retry(p, 1, mapped(429, "", "0"), false, 0.5).delay == 500ms);

    // Longer than the cap: fail at once; the thrown error tells the caller how long to wait.
    HttpErrorInput in;
    in.provider = "openai";
    in.status = 429;
    in.body = R"({"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}})";
    in.retry_after = "120";
    auto const long_wait = decide_retry(p, 0, mapped(in), false, 0.5);
    CHECK_FALSE(long_wait.retry);
    CHECK(long_wait.reason == "Retry-After exceeds max_retry_after");
    try {
        throw_http_error(in);
        FAIL("no exception");
    } catch (RateLimitError const& e) {
        CHECK(e.retry_after() == 120000ms);
        CHECK_FALSE(decide_retry(p, 0, e, false, 0.5).retry);
    }

    RetryPolicy patient;
    patient.max_retry_after = 300000ms;
    CHECK(decide_retry(patient, 0, mapped(in), false, 0.5).delay == 120000ms);
}

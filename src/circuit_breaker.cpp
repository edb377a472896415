#include <llmio/circuit_breaker.hpp>

#include <algorithm>

namespace llmio {

CircuitBreaker::CircuitBreaker(CircuitOptions options, Clock clock)
    : options_(options), clock_(std::move(clock)), backoff_(options.open_for)
{
}

std::chrono::steady_clock::time_point CircuitBreaker::now() const
{
    return clock_ ? clock_() : std::chrono::steady_clock::now();
}

CircuitBreaker::Admission CircuitBreaker::admit()
{
    std::lock_guard lock(mutex_);
    if (!open_)
        return Admission::closed;
    if (probing_ || now() < until_)
        return Admission::refused;
    probing_ = true;
    return Admission::probe;
}

void CircuitBreaker::succeeded()
{
    std::lock_guard lock(mutex_);
    failures_ = 0;
    open_ = false;
    probing_ = false;
    backoff_ = options_.open_for;
}

void CircuitBreaker::failed()
{
    std::lock_guard lock(mutex_);
    if (open_) {
        // The probe failed (or a request admitted before the circuit opened came back
        // failing): wait longer before the next probe.
        if (probing_)
            backoff_ = std::min(backoff_ * 2, options_.max_open_for);
        probing_ = false;
        until_ = now() + backoff_;
        return;
    }
    if (++failures_ < std::max(options_.failures_to_open, 1))
        return;
    open_ = true;
    probing_ = false;
    until_ = now() + backoff_;
}

void CircuitBreaker::released()
{
    std::lock_guard lock(mutex_);
    probing_ = false;
}

bool CircuitBreaker::open() const
{
    std::lock_guard lock(mutex_);
    return open_;
}

std::chrono::steady_clock::time_point CircuitBreaker::reopens_at() const
{
    std::lock_guard lock(mutex_);
    return until_;
}

bool CircuitBreaker::counts_as_failure(ProviderError const& e) noexcept
{
    switch (e.kind()) {
    case ErrorKind::network:
    case ErrorKind::server:
    case ErrorKind::malformed_response:
        return true;
    case ErrorKind::timeout:
        return e.error() != errc::queue_timeout;
    default:
        return false;
    }
}

} // namespace llmio

#ifndef LLMIO_CIRCUIT_BREAKER_HPP
#define LLMIO_CIRCUIT_BREAKER_HPP

// One server's circuit, as the router keeps it per provider instance (sans-io: the caller
// reports outcomes, the clock is injected).
//
//   closed ──(failures_to_open consecutive failures)──▶ open ──(open_for elapsed)──▶ half-open
//     ▲                                                  ▲                              │ one probe
//     └──────────────────(the probe succeeds)────────────┼──────────────────────────────┤
//                                                        └──(the probe fails: open_for doubles,
//                                                            up to max_open_for)────────┘
//
// Every counted failure counts, whatever call it came from; a success closes the circuit and
// forgets the backoff.

#include <llmio/error.hpp>

#include <chrono>
#include <functional>
#include <mutex>

namespace llmio {

struct CircuitOptions {
    /// Consecutive failures (refused or reset connections, timeouts, 5xx, malformed answers)
    /// that open the circuit.
    int failures_to_open = 2;
    /// How long a circuit stays open the first time; each failed probe doubles it.
    std::chrono::milliseconds open_for{5000};
    std::chrono::milliseconds max_open_for{60000};
};

class CircuitBreaker {
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    /// `clock` empty: std::chrono::steady_clock.
    explicit CircuitBreaker(CircuitOptions options = {}, Clock clock = {});

    enum class Admission {
        closed,  ///< send the request
        probe,   ///< send it: it is the one half-open probe
        refused, ///< skip this server without a round trip
    };
    /// Whether a request may go to this server now. A `probe` admission must be followed by
    /// `succeeded`, `failed` or `released`.
    Admission admit();

    void succeeded();
    void failed();
    /// The attempt ended without saying anything about the server's health (cancelled, or an
    /// error the server's health does not explain): a probe's slot is given back.
    void released();

    bool open() const;
    /// When an open circuit lets its next probe through (meaningless while closed).
    std::chrono::steady_clock::time_point reopens_at() const;

    /// Whether an error says the server is unwell: refused, reset, timeouts (not a queue wait
    /// or the caller's cancellation), 5xx and answers that cannot be read.
    static bool counts_as_failure(ProviderError const& e) noexcept;

private:
    std::chrono::steady_clock::time_point now() const;

    CircuitOptions options_;
    Clock clock_;
    mutable std::mutex mutex_;
    int failures_ = 0;
    bool open_ = false;
    bool probing_ = false;
    std::chrono::milliseconds backoff_{0};
    std::chrono::steady_clock::time_point until_{};
};

} // namespace llmio

#endif // LLMIO_CIRCUIT_BREAKER_HPP

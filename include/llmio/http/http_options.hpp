#ifndef LLMIO_HTTP_HTTP_OPTIONS_HPP
#define LLMIO_HTTP_HTTP_OPTIONS_HPP

#include <llmio/http/host_policy.hpp>
#include <llmio/logger.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace llmio::http {

using Duration = std::chrono::steady_clock::duration;

/// Stage timeouts. Zero turns a stage's timeout off. Each expiry is its own llmio::errc and
/// surfaces as llmio::TimeoutError.
struct Timeouts {
    /// Resolve + TCP connect + TLS handshake.
    Duration connect = std::chrono::seconds(10);
    /// From the request being written to the response headers. Local servers answer only after
    /// loading the model and processing the prompt, so this is generous.
    Duration first_byte = std::chrono::minutes(10);
    /// Between two reads of the response body (llama.cpp pings every 30 s on a silent stream).
    Duration idle = std::chrono::minutes(2);
    /// The whole request, body or stream included: checked before every read, so a server that
    /// streams without pause is stopped too. Through a provider it is one deadline per call,
    /// covering every retry and retry wait. Off by default: a long generation that keeps
    /// producing tokens is legitimate, and the idle timeout already catches a dead stream.
    Duration total = Duration::zero();
};

/// Size bounds. Each overflow is errc::body_too_large (a MalformedResponseError).
struct Limits {
    std::size_t max_header_bytes = 64 * 1024;       ///< The response header block.
    std::size_t max_body_bytes = 64 * 1024 * 1024;  ///< A non-streamed body.
    std::size_t max_line_bytes = 16 * 1024 * 1024;  ///< One SSE line / event or NDJSON line.
    /// The assembled content of one answer (text, reasoning, refusal, tool-call names and
    /// arguments), streamed or not: a server streaming without end is stopped here and the
    /// connection closed.
    std::size_t max_answer_bytes = 64 * 1024 * 1024;
};

/// Keep-alive pooling, per origin (scheme, host, port).
struct PoolOptions {
    /// Idle connections kept per origin; more are closed when returned. As many as may be in
    /// flight (ConcurrencyOptions::max_in_flight), so a steady concurrent load reuses its
    /// connections instead of opening a new one for every request beyond the pool (measured
    /// behind `llmio serve` at 32 concurrent clients: a third of the requests paid a connect
    /// with 16). An idle connection costs one socket.
    std::size_t max_idle_per_origin = 64;
    /// Idle connections older than this are closed instead of reused. LM Studio (Express) and
    /// llama.cpp close idle sockets after 5 s; reusing one that the server is closing fails.
    Duration idle_expiry = std::chrono::seconds(4);
};

/// The concurrency limit of one client: requests (and open streams) in flight at once.
struct ConcurrencyOptions {
    std::size_t max_in_flight = 64; ///< 0 = unlimited.
    /// How long a request may wait for a free slot (first in, first out) before it fails with
    /// errc::queue_timeout. Zero = wait without limit.
    Duration queue_timeout = std::chrono::seconds(60);
};

struct TlsOptions {
    /// Verify the server's certificate chain and host name. Turn off only for testing.
    bool verify_peer = true;
    /// An extra PEM file of trusted CAs (self-signed or private CA), added to the system store.
    std::string ca_file;
};

struct HttpOptions {
    Timeouts timeouts;
    Limits limits;
    PoolOptions pool;
    ConcurrencyOptions concurrency;
    TlsOptions tls;
    /// Which hosts may be reached (see host_policy.hpp); by default any host but link-local
    /// (cloud metadata) addresses.
    HostPolicy host_policy;
    std::string user_agent = "llmio/0.1";
    Logger logger;
};

} // namespace llmio::http

#endif

#ifndef LLMIO_GATEWAY_HPP
#define LLMIO_GATEWAY_HPP

// `llmio serve` as a library: an HTTP/1.1 server that puts the providers of a ProviderRegistry
// (its instances, routes and default provider) behind one OpenAI-compatible endpoint
// (docs/gateway.md).
//
//     llmio::ProviderRegistry registry;
//     ... register factories, registry.add_from_file(ex, file, env) ...
//     llmio::gateway::Gateway gateway(ex, registry, options);
//     gateway.listen();                              // binds now: local_endpoint() is known
//     co_await gateway.run();                        // until stop() and the drain are over
//
// Threads: run the io_context on any number of threads; each connection is served on its own
// strand (unless GatewayOptions::threads says there is only one), and `stop` may be called from
// any thread.

#include <llmio/caching_provider.hpp>
#include <llmio/metrics.hpp>
#include <llmio/registry.hpp>
#include <llmio/serve_config.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llmio::gateway {

/// Bounds on what one client may make the gateway hold.
struct Limits {
    std::size_t body_bytes = 16 * 1024 * 1024;  ///< Larger request bodies: 413.
    std::size_t header_bytes = 16 * 1024;       ///< Larger header blocks (with the request line): 431.
    std::size_t connections = 1024;             ///< Open connections in all; more are closed at once.
    std::size_t connections_per_client = 256;   ///< Open connections from one client address.
    /// From a request's first byte to its last: a client sending slower is disconnected.
    std::chrono::milliseconds request_timeout{30'000};
    /// How long a kept-alive connection may wait for its next request, and a client may leave
    /// a response unread (a reader that stalls longer is disconnected).
    std::chrono::milliseconds idle_timeout{60'000};
};

/// A client's request and token budget per minute (unset: unlimited).
struct RateLimit {
    std::optional<std::uint64_t> requests_per_minute;
    std::optional<std::uint64_t> tokens_per_minute;
};

/// A client key (docs/gateway.md, "API keys and rate limits"): its text, the non-secret id that
/// names it in logs and metrics, and limits of its own (unset fields: GatewayOptions::rate_limit).
struct ClientKey {
    std::string secret;
    std::string id;
    RateLimit limits;
};

struct GatewayOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 4000; ///< 0: any free port (see Gateway::local_endpoint).
    /// How many threads run the executor. 1: each connection runs on the executor itself (no
    /// strand: no locking and no allocation per operation). 0 (not said) or more: each
    /// connection gets its own strand, which is safe on any number of threads. `llmio serve`
    /// runs this many (0: one).
    std::size_t threads = 0;
    /// After stop(): how long open requests and streams may go on before they are cut.
    std::chrono::milliseconds drain{10'000};
    Limits limits;
    // Web apps and access control (docs/gateway.md):
    std::vector<std::string> cors_origins; ///< Origins a browser may call from; empty: none.
    std::vector<ClientKey> api_keys;       ///< Client keys; empty: no key is asked for.
    RateLimit rate_limit;                  ///< Per client key (all clients together without keys).
    /// Listen beyond loopback without client keys (listen() refuses otherwise).
    bool insecure_no_auth = false;
    /// Where the rate limits' "now" comes from; empty: steady_clock. Tests inject one.
    std::function<std::chrono::steady_clock::time_point()> rate_limit_clock;
};

/// The client keys a config file's serve section names: the variable `api_keys_env` names
/// holds one key or a comma-separated list (ids key-1, key-2...); the file `api_keys_file` has
/// one key per line, each optionally followed by `id=NAME`, `requests_per_minute=N` and
/// `tokens_per_minute=N` ('#' starts a comment line). Empty when it names neither. Throws
/// InvalidRequestError naming the variable or the file and line, never a key.
std::vector<ClientKey> load_client_keys(ServeConfig const& config, Environment const& env);

class Server;

class Gateway {
public:
    /// `registry` must outlive the gateway. `metrics`, when given, is served on /metrics (the
    /// providers record into it when they were made with it). `cache`, when given, answers
    /// chat, completion and embedding requests from a response cache in front of each provider.
    Gateway(boost::asio::any_io_executor executor, ProviderRegistry& registry, GatewayOptions options,
            std::shared_ptr<Metrics> metrics = nullptr, std::optional<CachingOptions> cache = std::nullopt);
    ~Gateway();
    Gateway(Gateway const&) = delete;
    Gateway& operator=(Gateway const&) = delete;

    /// Binds and listens on options.host:options.port. Throws boost::system::system_error.
    void listen();
    /// The address listened on (the real port when options.port was 0). Requires listen().
    boost::asio::ip::tcp::endpoint local_endpoint() const;
    /// Serves (calling listen() first if needed) until stop() and the drain that follows end.
    boost::asio::awaitable<void> run();
    /// Stops accepting and closes idle connections; requests under way may finish for up to
    /// `drain`, then their connections are closed. Thread-safe, idempotent.
    void stop(std::chrono::milliseconds drain);
    void stop() { stop(options().drain); }

    GatewayOptions const& options() const noexcept;

private:
    std::unique_ptr<Server> server_;
};

} // namespace llmio::gateway

#endif // LLMIO_GATEWAY_HPP

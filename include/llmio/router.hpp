#ifndef LLMIO_ROUTER_HPP
#define LLMIO_ROUTER_HPP

// llmio::Router: one model name served by several servers. A route names targets tried in
// order; the providers of one target are equivalent replicas serving the target's model.
//
//     RouterOptions o;
//     o.providers = {{"ws", workstation}, {"box", gpu_box}, {"cloud", openai}};
//     o.routes["coder"] = {{{{"ws", "box"}, "qwen/qwen3-coder-30b"}, {{"cloud"}, "gpt-4o-mini"}}};
//     llmio::Router router(o);
//     auto answer = co_await router.chat({.model = "coder", .messages = ...});
//
// - Balancing: among a target's replicas, the one with fewer requests in flight of two picked
//   at random (power of two choices; seeded once per router unless `seed` is set).
// - Health: every provider instance has a CircuitBreaker. Its failures (refused, reset,
//   timeouts, 5xx, unreadable answers) open it after `circuit.failures_to_open` in a row; an
//   open circuit is skipped without a round trip until one half-open probe may go.
// - Fallbacks, only before the commit point: on a connection failure, a timeout, 429, 5xx, an
//   unreadable answer, an unknown model or a refused key, the next replica, then the next
//   target, is tried (a connect or first-byte timeout; not a total or idle timeout, which a
//   second server would repeat). A stream is committed once the server accepted it
//   (`chat_stream` returned): nothing is sent twice. An invalid request, a context overflow and a
//   cancellation end the call at once, as the provider threw them.
// - One budget: each replica of a target is tried at most once per call. While another
//   candidate is left, an attempt runs without the provider's own retries (a dead server is
//   failed over at once, not retried); the last candidate keeps its provider's policy.
//   `CallOptions::retry`, when given, applies to every attempt.
// - When the only candidate fails, its error is the caller's, as its provider threw it. When
//   several fail, the error is the router's, with the kind and server message of the most
//   telling failure (rate limit with its retry_after, authentication, model, server, timeout,
//   network), and its detail names each attempt: "no provider of route 'coder' answered
//   (ws/qwen3: connection refused, box/qwen3: circuit open)".
//
// The Router is a ModelProvider: it registers, nests, and passes the conformance suite.

#include <llmio/circuit_breaker.hpp>
#include <llmio/logger.hpp>
#include <llmio/provider.hpp>
#include <llmio/route.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace llmio {

struct RouterOptions {
    std::string name = "router"; ///< In errors and the registry.
    /// The provider instances routes may name. Shared: one instance may serve several routes
    /// (and keeps one circuit for all of them).
    std::map<std::string, std::shared_ptr<ModelProvider>> providers;
    /// Route name (what a request's `model` says) -> its targets.
    std::map<std::string, Route> routes;
    CircuitOptions circuit;
    /// Seeds the replica choice; unset: seeded from std::random_device once per router.
    std::optional<unsigned> seed;
    /// The circuits' and caches' clock; empty: std::chrono::steady_clock (tests inject one).
    CircuitBreaker::Clock clock;
    /// maintain(): how often every provider's health is checked; zero = never (passive
    /// health only: the circuits).
    std::chrono::milliseconds health_check_interval{0};
    /// maintain(): how often the models of keep_warm routes are checked and reloaded.
    std::chrono::milliseconds keep_warm_interval{60000};
    /// How long a local server's list of loaded models is trusted by the replica choice.
    std::chrono::milliseconds loaded_models_ttl{10000};
    /// Every attempt, fallback, load and health change, at debug (attempts) or info level.
    Logger logger;
    /// Ranks the models of routes by requirement; empty: rank_candidates.
    ModelPolicy policy;
    /// How long the model lists of routes by requirement are trusted.
    std::chrono::milliseconds model_list_ttl{60000};
};

/// Sets the options that `settings` give (the config file's "router" section).
void apply_router_settings(RouterOptions& options, RouterSettings const& settings);

/// One provider instance as `Router::check_now` found it.
struct RouterProviderState {
    std::string name;
    bool healthy = false;
    std::string detail;                      ///< Why not healthy, or the server's words.
    std::chrono::milliseconds latency{0};    ///< Of the health check.
    bool circuit_open = false;               ///< After the check counted.
    std::optional<std::vector<std::string>> loaded_models; ///< Local servers only.
};

class Router : public ModelProvider {
public:
    /// Throws InvalidRequestError (errc::invalid_request) for a route without targets, a target
    /// without providers or a model, and a provider name that `providers` lacks.
    explicit Router(RouterOptions options);
    ~Router() override;

    std::string_view name() const noexcept override { return options_.name; }
    /// A feature is on when every provider the routes use has it. No model management: the
    /// providers' own managers are theirs.
    ProviderFeatures features() const noexcept override;

    /// The circuit of a provider instance (by its name in RouterOptions::providers), or nullptr.
    CircuitBreaker const* circuit(std::string_view provider) const;
    /// Requests in flight to a provider instance (streams until they were accepted).
    int in_flight(std::string_view provider) const;
    /// The provider instances' names, sorted.
    std::vector<std::string> provider_names() const;
    std::map<std::string, Route> const& routes() const noexcept { return options_.routes; }
    /// Replaces RouterOptions::logger; call it before any call runs.
    void set_logger(Logger logger);

    /// Checks every provider instance now, concurrently: its health and, for a local server,
    /// the models it has loaded. A failed check counts against the provider's circuit like a
    /// failed call; a passed one closes it. Sorted by name.
    boost::asio::awaitable<std::vector<RouterProviderState>> check_now();
    /// Runs until cancelled (or its io_context stops), then returns: check_now() every
    /// `health_check_interval` when set (the first after one interval), and keep_warm_now()
    /// at once and every `keep_warm_interval` when a route keeps its model warm. Run it beside
    /// the calls: `co_await (calls() || router.maintain())`, or co_spawn it with a
    /// cancellation slot. The router must outlive it.
    boost::asio::awaitable<void> maintain();
    /// Once, what maintain() does every keep_warm_interval: every model of a keep_warm route
    /// that its local server does not hold now is loaded again. Failures are logged, not thrown.
    boost::asio::awaitable<void> keep_warm_now();

protected:
    boost::asio::awaitable<std::vector<ModelInfo>> do_list_models() override;
    boost::asio::awaitable<ChatResponse> do_chat(ChatRequest, CallOptions) override;
    boost::asio::awaitable<ChatStream> do_chat_stream(ChatRequest, CallOptions) override;
    boost::asio::awaitable<CompletionResponse> do_complete(CompletionRequest, CallOptions) override;
    boost::asio::awaitable<CompletionStream> do_complete_stream(CompletionRequest, CallOptions) override;
    boost::asio::awaitable<EmbeddingResponse> do_embed(EmbeddingRequest, CallOptions) override;
    boost::asio::awaitable<bool> do_supports_model(std::string model) override;
    boost::asio::awaitable<std::optional<ModelCapabilities>> do_model_capabilities(std::string model) override;
    boost::asio::awaitable<HealthStatus> do_health() override;
    boost::asio::awaitable<ServerInfo> do_info() override;

private:
    struct Replica;
    Route const& route(std::string const& model) const;
    Replica* replica(std::string_view name) const;
    /// Of the replicas left, the one to try: two picked at random, the less busy one, among
    /// those known to have `model` loaded when there are some.
    Replica& pick(std::vector<Replica*>& remaining, std::string const& model);
    /// Loads `model` on a local server that has it downloaded but not loaded.
    boost::asio::awaitable<void> make_ready(Replica& replica, std::string const& model);
    /// The targets of a route by requirement for one call, best first.
    boost::asio::awaitable<std::vector<RouteTarget>> choose(std::string const& route_name, Route const& route,
                                                            ChoiceInput input);
    boost::asio::awaitable<RouterProviderState> check(Replica& replica);
    void log(LogLevel level, std::string const& text) const;

    /// Runs `call` on the route's candidates in order until one succeeds (see the header
    /// comment); `Call` is `(ModelProvider&, std::string const& model, CallOptions)` ->
    /// awaitable<Result>.
    template <class Result, class Call>
    boost::asio::awaitable<Result> routed(std::string const& model, CallOptions call, Call const& attempt,
                                          ChatRequest const* chat = nullptr, bool embedding = false);

    RouterOptions options_;
    std::vector<std::unique_ptr<Replica>> replicas_;
    mutable std::mutex random_mutex_;
    std::minstd_rand random_;
};

} // namespace llmio

#endif // LLMIO_ROUTER_HPP

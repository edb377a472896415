#include <llmio/router.hpp>

#include "router_local_models.hpp"

#include <llmio/chat_stream.hpp>
#include <llmio/completion_stream.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <set>

namespace llmio {

namespace asio = boost::asio;

namespace {

[[noreturn]] void invalid_configuration(std::string detail)
{
    ErrorInfo info;
    info.provider = "router";
    info.detail = std::move(detail);
    throw_error(errc::invalid_request, std::move(info));
}

// Whether another server may answer what this one could not. Not for what any server would
// refuse too (an invalid request, an over-long prompt), a cancellation, or a total or idle
// timeout after the server had started answering (a second server would repeat the wait).
bool worth_another_server(ProviderError const& e) noexcept
{
    switch (e.kind()) {
    case ErrorKind::network:
    case ErrorKind::server:
    case ErrorKind::malformed_response:
    case ErrorKind::rate_limit:
    case ErrorKind::model_not_found:
    case ErrorKind::authentication:
        return true;
    case ErrorKind::timeout:
        return e.retryable(); // connect and first-byte timeouts
    default:
        return false;
    }
}

// Which failure the caller most needs to hear about when every candidate failed: one it can act
// on (shorten the prompt, wait for the rate limit, fix a key or a model name) before an outage.
int telling(ErrorKind kind) noexcept
{
    switch (kind) {
    case ErrorKind::context_length: return 7;
    case ErrorKind::rate_limit: return 6;
    case ErrorKind::authentication: return 5;
    case ErrorKind::model_not_found: return 4;
    case ErrorKind::server:
    case ErrorKind::malformed_response: return 3;
    case ErrorKind::timeout: return 2;
    default: return 1;
    }
}

// What happened to one candidate of a call.
struct Attempt {
    std::string const* provider = nullptr; // the replica's name
    std::string const* model = nullptr;    // the target's model
    std::string label() const { return *provider + "/" + *model; } // "ws/qwen3", when needed
    std::optional<ProviderError> error; // empty: skipped, its circuit open
    std::exception_ptr thrown;          // the error as the provider threw it
};

// The caller's request as one target gets it: naming that target's model.
template <class Request>
Request for_model(Request const& request, std::string const& model)
{
    Request copy = request;
    copy.model = model;
    return copy;
}

// Requests in flight to a replica, for the balancing, while an attempt runs.
class InFlight {
public:
    explicit InFlight(std::atomic<int>& count) : count_(count) { ++count_; }
    ~InFlight() { --count_; }
    InFlight(InFlight const&) = delete;
    InFlight& operator=(InFlight const&) = delete;

private:
    std::atomic<int>& count_;
};

} // namespace

struct Router::Replica {
    Replica(std::string n, std::shared_ptr<ModelProvider> p, RouterOptions const& options)
        : name(std::move(n)), provider(std::move(p)), circuit(options.circuit, options.clock)
    {
        if (auto* manager = provider->model_manager())
            local = std::make_unique<detail::RouterLocalModels>(*manager, options.loaded_models_ttl,
                                                                options.clock);
        auto* listed = provider.get();
        models = std::make_unique<ModelCache>([listed]() { return listed->list_models(); },
                                              ModelCache::Options{.ttl = options.model_list_ttl,
                                                                  .clock = options.clock, .key = {}});
    }
    std::string name;
    std::shared_ptr<ModelProvider> provider;
    CircuitBreaker circuit;
    std::atomic<int> in_flight{0};
    /// Local servers only (the provider has a model manager).
    std::unique_ptr<detail::RouterLocalModels> local;
    /// What the server lists, for routes by requirement.
    std::unique_ptr<ModelCache> models;
};

void apply_router_settings(RouterOptions& options, RouterSettings const& settings)
{
    if (settings.health_check_interval)
        options.health_check_interval = *settings.health_check_interval;
    if (settings.keep_warm_interval)
        options.keep_warm_interval = *settings.keep_warm_interval;
    if (settings.failures_to_open)
        options.circuit.failures_to_open = *settings.failures_to_open;
    if (settings.open_for)
        options.circuit.open_for = *settings.open_for;
    if (settings.max_open_for)
        options.circuit.max_open_for = *settings.max_open_for;
}

Router::~Router() = default;

Router::Router(RouterOptions options) : options_(std::move(options))
{
    if (options_.routes.empty())
        invalid_configuration("a router needs at least one route");
    for (auto const& [name, provider] : options_.providers) {
        if (!provider)
            invalid_configuration("provider '" + name + "' is null");
        replicas_.push_back(std::make_unique<Replica>(name, provider, options_));
    }
    for (auto const& [name, route] : options_.routes) {
        if (route.requirements) {
            if (!route.targets.empty())
                invalid_configuration("route '" + name + "' gives both targets and requirements");
            if (route.candidates.empty())
                invalid_configuration("route '" + name + "' has requirements but no candidate providers");
            for (auto const& provider : route.candidates)
                if (!replica(provider))
                    invalid_configuration("route '" + name + "' names provider '" + provider +
                                          "', which the router does not have");
            continue;
        }
        if (route.targets.empty())
            invalid_configuration("route '" + name + "' has no targets");
        for (auto const& target : route.targets) {
            if (target.providers.empty() || target.model.empty())
                invalid_configuration("a target of route '" + name + "' needs providers and a model");
            for (auto const& provider : target.providers)
                if (!replica(provider))
                    invalid_configuration("route '" + name + "' names provider '" + provider +
                                          "', which the router does not have");
        }
    }
    random_.seed(options_.seed ? *options_.seed : std::random_device{}());
}

Router::Replica* Router::replica(std::string_view name) const
{
    for (auto const& r : replicas_)
        if (r->name == name)
            return r.get();
    return nullptr;
}

CircuitBreaker const* Router::circuit(std::string_view provider) const
{
    auto const* r = replica(provider);
    return r ? &r->circuit : nullptr;
}

int Router::in_flight(std::string_view provider) const
{
    auto const* r = replica(provider);
    return r ? r->in_flight.load() : 0;
}

std::vector<std::string> Router::provider_names() const
{
    std::vector<std::string> names;
    for (auto const& r : replicas_)
        names.push_back(r->name);
    return names; // replicas_ follows the sorted map of providers
}

void Router::set_logger(Logger logger)
{
    options_.logger = std::move(logger);
}

void Router::log(LogLevel level, std::string const& text) const
{
    if (options_.logger)
        options_.logger(level, text);
}

ProviderFeatures Router::features() const noexcept
{
    ProviderFeatures all;
    all.completion_streaming = true;
    for (auto const& r : replicas_) {
        auto const f = r->provider->features();
        all.streaming = all.streaming && f.streaming;
        all.tools = all.tools && f.tools;
        all.structured_output = all.structured_output && f.structured_output;
        all.completions = all.completions && f.completions;
        all.completion_streaming = all.completion_streaming && f.completion_streaming;
        all.embeddings = all.embeddings && f.embeddings;
    }
    all.model_management = false;
    return all;
}

Route const& Router::route(std::string const& model) const
{
    if (model.empty() && options_.routes.size() == 1)
        return options_.routes.begin()->second;
    if (auto it = options_.routes.find(model); it != options_.routes.end())
        return it->second;
    std::string names;
    for (auto const& [name, route] : options_.routes)
        names += (names.empty() ? "" : ", ") + name;
    ErrorInfo info;
    info.provider = options_.name;
    info.detail = model.empty() ? "the request names no route" : "no route named '" + model + "'";
    info.hint = "the routes are: " + names;
    throw_error(errc::model_not_found, std::move(info));
}

Router::Replica& Router::pick(std::vector<Replica*>& remaining, std::string const& model)
{
    // Servers that hold the model answer without a load: prefer them while the (cached, I/O-free)
    // list of loaded models says so. Remote servers are always ready.
    auto const ready = [&model](Replica const* r) { return !r->local || r->local->known_loaded(model) == true; };
    std::size_t const ready_count = static_cast<std::size_t>(std::count_if(remaining.begin(), remaining.end(), ready));
    bool const only_ready = ready_count > 0;
    std::size_t const pool = only_ready ? ready_count : remaining.size();
    // The n-th replica of the pool, counted in `remaining` (no allocation per call).
    auto const nth = [&](std::size_t n) {
        for (std::size_t i = 0; i < remaining.size(); ++i)
            if ((!only_ready || ready(remaining[i])) && n-- == 0)
                return i;
        return std::size_t{0};
    };

    // Power of two choices: of two replicas picked at random, the less busy one.
    std::size_t pick = nth(0);
    if (pool > 1) {
        std::size_t a = 0;
        std::size_t b = 0;
        {
            std::lock_guard lock(random_mutex_);
            std::uniform_int_distribution<std::size_t> any(0, pool - 1);
            a = any(random_);
            b = any(random_);
        }
        if (b == a)
            b = (a + 1) % pool;
        a = nth(a);
        b = nth(b);
        pick = remaining[b]->in_flight.load() < remaining[a]->in_flight.load() ? b : a;
    }
    Replica& chosen = *remaining[pick];
    remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(pick));
    return chosen;
}

asio::awaitable<void> Router::make_ready(Replica& r, std::string const& model)
{
    if (r.local->known_loaded(model) == true)
        co_return;
    bool is_loaded = false;
    try {
        is_loaded = co_await r.local->loaded(model);
    } catch (ProviderError const& e) {
        // A server that cannot be reached fails this attempt now, without a second try by
        // the call; one that cannot list its models (an old version) may still answer it.
        if (e.error() == errc::cancelled || CircuitBreaker::counts_as_failure(e))
            throw;
        co_return;
    }
    if (is_loaded)
        co_return;
    log(LogLevel::info, "router: loading " + model + " on " + r.name);
    try {
        co_await r.local->load(model);
    } catch (ProviderError const& e) {
        if (e.error() != errc::unsupported)
            throw;
        co_return; // no load endpoint (LM Studio before 0.4): the server loads on the request
    }
    log(LogLevel::info, "router: loaded " + model + " on " + r.name);
}

asio::awaitable<std::vector<RouteTarget>> Router::choose(std::string const& route_name, Route const& route,
                                                         ChoiceInput input)
{
    std::vector<ModelCandidate> candidates;
    for (auto const& name : route.candidates) {
        Replica* r = replica(name);
        if (r->circuit.open())
            continue;
        std::vector<ModelInfo> models;
        try {
            models = co_await r->models->models();
        } catch (CancelledError const&) {
            throw;
        } catch (ProviderError const& e) {
            if (CircuitBreaker::counts_as_failure(e))
                r->circuit.failed();
            log(LogLevel::info, "router: " + route_name + ": " + name + " could not list its models (" +
                                    e.code().message() + ")");
            continue;
        }
        for (auto& m : models) {
            ModelCandidate c;
            c.provider = name;
            c.loaded = !r->local || (m.loaded_known ? m.loaded : r->local->known_loaded(m.id) == true);
            c.model = std::move(m);
            candidates.push_back(std::move(c));
        }
    }
    auto ranked = options_.policy ? options_.policy(input, std::move(candidates))
                                  : rank_candidates(input, std::move(candidates));
    constexpr std::size_t kMostTargets = 8; // one call's attempts stay bounded
    if (ranked.size() > kMostTargets)
        ranked.resize(kMostTargets);
    if (ranked.empty()) {
        ErrorInfo info;
        info.provider = options_.name;
        info.detail = "no model of the servers of route '" + route_name + "' meets its requirements";
        info.hint = "see which models the servers list (llmio models), or relax the route's requirements";
        throw_error(errc::model_not_found, std::move(info));
    }
    std::vector<RouteTarget> targets;
    std::string names;
    for (auto& c : ranked) {
        names += (names.empty() ? "" : ", ") + c.provider + "/" + c.model.id;
        RouteTarget t;
        t.providers.push_back(std::move(c.provider));
        t.model = std::move(c.model.id);
        targets.push_back(std::move(t));
    }
    log(LogLevel::debug, "router: " + route_name + ": task " + std::string(to_string(input.task)) +
                             ", candidates " + names);
    co_return targets;
}

template <class Result, class Call>
asio::awaitable<Result> Router::routed(std::string const& model, CallOptions call, Call const& attempt,
                                       ChatRequest const* chat, bool embedding)
{
    Route const& r = route(model);
    // A request without a model goes to the only route, when there is one.
    std::string const& route_name = model.empty() ? options_.routes.begin()->first : model;
    std::vector<RouteTarget> chosen_targets;
    if (r.requirements) {
        ChoiceInput input;
        input.chat = chat;
        input.task = chat ? classify_task(*chat) : Task::general;
        input.requirements = chat ? requirements_of(*chat, *r.requirements) : *r.requirements;
        input.requirements.embeddings = input.requirements.embeddings || embedding;
        input.preferences = &r.preferences;
        chosen_targets = co_await choose(route_name, r, std::move(input));
    }
    auto const& targets = r.requirements ? chosen_targets : r.targets;
    std::vector<Replica const*> failed; // servers that failed this call are not asked again
    std::size_t candidates_left = 0;
    for (auto const& target : targets)
        candidates_left += target.providers.size();
    std::vector<Attempt> attempts;
    attempts.reserve(candidates_left);

    for (auto const& target : targets) {
        std::vector<Replica*> remaining;
        remaining.reserve(target.providers.size());
        for (auto const& name : target.providers) {
            Replica* candidate = replica(name);
            if (std::find(failed.begin(), failed.end(), candidate) == failed.end())
                remaining.push_back(candidate);
            else
                --candidates_left;
        }
        while (!remaining.empty()) {
            Replica& chosen = pick(remaining, target.model);
            --candidates_left;
            Attempt& record = attempts.emplace_back();
            record.provider = &chosen.name;
            record.model = &target.model;
            if (chosen.circuit.admit() == CircuitBreaker::Admission::refused) {
                if (options_.logger)
                    log(LogLevel::debug, "router: " + route_name + ": skipped " + record.label() + " (circuit open)");
                continue;
            }

            CallOptions options = call;
            if (!call.retry && candidates_left > 0)
                options.retry = RetryPolicy::none(); // fail over at once instead
            try {
                InFlight counted(chosen.in_flight);
                if (options_.logger)
                    log(LogLevel::debug, "router: " + route_name + ": trying " + record.label());
                if (r.auto_load && chosen.local)
                    co_await make_ready(chosen, target.model);
                auto result = co_await attempt(*chosen.provider, target.model, std::move(options));
                chosen.circuit.succeeded();
                co_return std::move(result);
            } catch (ProviderError const& e) {
                if (e.error() == errc::cancelled) {
                    chosen.circuit.released();
                } else if (CircuitBreaker::counts_as_failure(e)) {
                    chosen.circuit.failed();
                    failed.push_back(&chosen);
                } else {
                    chosen.circuit.succeeded(); // it answered: alive, whatever it said
                }
                bool const too_long = e.kind() == ErrorKind::context_length;
                if (!too_long && !worth_another_server(e))
                    throw;
                record.error = e;
                record.thrown = std::current_exception();
                log(LogLevel::info, "router: " + route_name + ": " + record.label() + " failed (" +
                                        e.code().message() + "), trying the next candidate");
                if (too_long) {
                    // The target's other replicas serve the same model: only another target's
                    // model may have a larger context.
                    candidates_left -= remaining.size();
                    remaining.clear();
                }
            }
        }
    }

    // Every candidate failed or was skipped. One server's failure is its own error, as its
    // provider threw it. Of several, the error is the most telling one's (its server message,
    // status, retry_after and hint), named after the router, and its detail lists them all.
    if (attempts.size() == 1 && attempts.front().thrown)
        std::rethrow_exception(attempts.front().thrown);
    ProviderError const* most = nullptr;
    std::string tried;
    for (auto const& a : attempts) {
        tried += (tried.empty() ? "" : ", ") + a.label() + ": " +
                 (a.error ? a.error->code().message() : std::string("circuit open"));
        if (a.error && (!most || telling(a.error->kind()) > telling(most->kind())))
            most = &*a.error;
    }
    std::string detail = "no provider of route '" + route_name + "' answered (" + tried + ")";
    ErrorInfo info;
    errc code = errc::network_error;
    if (most) {
        info = most->info();
        code = most->error();
    } else {
        info.hint = "every server of this route failed recently; the router tries one again once "
                    "its circuit's wait is over";
        auto earliest = std::chrono::steady_clock::time_point::max();
        for (auto const& target : targets)
            for (auto const& name : target.providers)
                earliest = std::min(earliest, replica(name)->circuit.reopens_at());
        auto const now = options_.clock ? options_.clock() : std::chrono::steady_clock::now();
        auto const wait = earliest > now ? earliest - now : std::chrono::steady_clock::duration::zero();
        info.retry_after = std::chrono::ceil<std::chrono::milliseconds>(wait);
    }
    info.provider = options_.name;
    info.detail = std::move(detail);
    throw_error(code, std::move(info));
}

asio::awaitable<ChatResponse> Router::do_chat(ChatRequest request, CallOptions call)
{
    auto attempt = [&request](ModelProvider& provider, std::string const& model, CallOptions options) {
        return provider.chat(for_model(request, model), std::move(options));
    };
    co_return co_await routed<ChatResponse>(request.model, std::move(call), attempt, &request);
}

asio::awaitable<ChatStream> Router::do_chat_stream(ChatRequest request, CallOptions call)
{
    // The stream is committed once a server accepted it: the router hands it out unwrapped,
    // so its tokens cross no router code.
    auto attempt = [&request](ModelProvider& provider, std::string const& model, CallOptions options) {
        return provider.chat_stream(for_model(request, model), std::move(options));
    };
    co_return co_await routed<ChatStream>(request.model, std::move(call), attempt, &request);
}

asio::awaitable<CompletionResponse> Router::do_complete(CompletionRequest request, CallOptions call)
{
    auto attempt = [&request](ModelProvider& provider, std::string const& model, CallOptions options) {
        return provider.complete(for_model(request, model), std::move(options));
    };
    co_return co_await routed<CompletionResponse>(request.model, std::move(call), attempt);
}

asio::awaitable<CompletionStream> Router::do_complete_stream(CompletionRequest request, CallOptions call)
{
    auto attempt = [&request](ModelProvider& provider, std::string const& model, CallOptions options) {
        return provider.complete_stream(for_model(request, model), std::move(options));
    };
    co_return co_await routed<CompletionStream>(request.model, std::move(call), attempt);
}

asio::awaitable<EmbeddingResponse> Router::do_embed(EmbeddingRequest request, CallOptions call)
{
    auto attempt = [&request](ModelProvider& provider, std::string const& model, CallOptions options) {
        return provider.embed(for_model(request, model), std::move(options));
    };
    co_return co_await routed<EmbeddingResponse>(request.model, std::move(call), attempt, nullptr, true);
}

asio::awaitable<std::vector<ModelInfo>> Router::do_list_models()
{
    // The routes are this provider's models.
    std::vector<ModelInfo> models;
    for (auto const& [name, route] : options_.routes) {
        ModelInfo m;
        m.id = name;
        m.owned_by = options_.name;
        models.push_back(std::move(m));
    }
    co_return models;
}

asio::awaitable<bool> Router::do_supports_model(std::string model)
{
    co_return options_.routes.contains(model);
}

asio::awaitable<std::optional<ModelCapabilities>> Router::do_model_capabilities(std::string model)
{
    auto const it = options_.routes.find(model);
    if (it == options_.routes.end())
        co_return std::nullopt;
    // The first target whose server knows its model speaks for the route.
    for (auto const& target : it->second.targets) {
        for (auto const& name : target.providers) {
            auto* r = replica(name);
            if (r->circuit.open())
                continue;
            try {
                auto found = co_await r->provider->model_capabilities(target.model);
                if (found)
                    co_return found;
            } catch (CancelledError const&) {
                throw;
            } catch (ProviderError const&) {
                // Unreachable now: the next target may know.
            }
        }
    }
    co_return ModelCapabilities{};
}

asio::awaitable<HealthStatus> Router::do_health()
{
    // Healthy when any provider is: a route with one live server still answers.
    auto const started = std::chrono::steady_clock::now();
    HealthStatus status;
    for (auto const& r : replicas_) {
        auto const one = co_await r->provider->health();
        status.ok = status.ok || one.ok;
        status.detail += (status.detail.empty() ? "" : "; ") + r->name + ": " + (one.ok ? "ok" : one.detail);
    }
    status.latency =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    co_return status;
}

asio::awaitable<ServerInfo> Router::do_info()
{
    ServerInfo info;
    info.kind = "router";
    info.model_count = options_.routes.size();
    co_return info;
}

asio::awaitable<RouterProviderState> Router::check(Replica& r)
{
    RouterProviderState state;
    state.name = r.name;
    bool const was_open = r.circuit.open();
    HealthStatus health;
    try {
        health = co_await r.provider->health();
    } catch (CancelledError const&) {
        throw;
    } catch (ProviderError const& e) {
        health.ok = false;
        health.detail = e.what();
    }
    state.healthy = health.ok;
    state.detail = health.detail;
    state.latency = health.latency;
    if (health.ok)
        r.circuit.succeeded();
    else
        r.circuit.failed();
    if (health.ok && r.local) {
        try {
            state.loaded_models = co_await r.local->refresh();
        } catch (CancelledError const&) {
            throw;
        } catch (ProviderError const& e) {
            state.detail = std::string("cannot list its loaded models: ") + e.what();
        }
    }
    state.circuit_open = r.circuit.open();
    if (state.circuit_open != was_open)
        log(state.circuit_open ? LogLevel::warning : LogLevel::info,
            "router: " + r.name + (state.circuit_open ? " is down: " + state.detail : " is back"));
    co_return state;
}

asio::awaitable<std::vector<RouterProviderState>> Router::check_now()
{
    auto const executor = co_await asio::this_coro::executor;
    using Check = decltype(asio::co_spawn(executor, check(*replicas_.front()), asio::deferred));
    std::vector<Check> checks;
    for (auto const& r : replicas_)
        checks.push_back(asio::co_spawn(executor, check(*r), asio::deferred));
    // The group forwards the caller's cancellation to every check.
    auto [order, errors, states] = co_await asio::experimental::make_parallel_group(std::move(checks))
                                       .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    (void)order;
    for (auto const& error : errors)
        if (error)
            std::rethrow_exception(error); // only a cancellation escapes a check
    co_return std::move(states);
}

asio::awaitable<void> Router::keep_warm_now()
{
    std::set<std::pair<Replica*, std::string>> done; // a model two routes keep warm loads once
    for (auto const& [name, route] : options_.routes) {
        if (!route.keep_warm)
            continue;
        for (auto const& target : route.targets) {
            for (auto const& provider : target.providers) {
                Replica* r = replica(provider);
                if (!r->local || r->circuit.open() || !done.emplace(r, target.model).second)
                    continue;
                try {
                    co_await r->local->refresh();
                    bool const held = co_await r->local->loaded(target.model);
                    if (held)
                        continue;
                    log(LogLevel::info, "router: keep-warm: loading " + target.model + " on " + r->name);
                    co_await r->local->load_to_keep(target.model);
                } catch (CancelledError const&) {
                    throw;
                } catch (ProviderError const& e) {
                    if (CircuitBreaker::counts_as_failure(e))
                        r->circuit.failed();
                    log(LogLevel::warning, "router: keep-warm: " + target.model + " on " + r->name +
                                               ": " + e.what());
                }
            }
        }
    }
}

asio::awaitable<void> Router::maintain()
{
    using clock = std::chrono::steady_clock;
    bool const checks = options_.health_check_interval > std::chrono::milliseconds::zero();
    bool const warm = options_.keep_warm_interval > std::chrono::milliseconds::zero() &&
                      std::any_of(options_.routes.begin(), options_.routes.end(),
                                  [](auto const& entry) { return entry.second.keep_warm; });
    // The first health check after one interval (calls meanwhile tell the circuits), the first
    // keep-warm round at once. With nothing to do it still waits for its cancellation, so that
    // `co_await (calls() || router.maintain())` means the same whatever the settings.
    auto next_check = checks ? clock::now() + options_.health_check_interval : clock::time_point::max();
    auto next_warm = warm ? clock::now() : clock::time_point::max();
    asio::steady_timer timer(co_await asio::this_coro::executor);
    try {
        for (;;) { // ends when cancelled
            timer.expires_at(std::min(next_check, next_warm));
            co_await timer.async_wait(asio::use_awaitable);
            if (clock::now() >= next_check) {
                co_await check_now();
                next_check = clock::now() + options_.health_check_interval;
            }
            if (clock::now() >= next_warm) {
                co_await keep_warm_now();
                next_warm = clock::now() + options_.keep_warm_interval;
            }
        }
    } catch (CancelledError const&) {
    } catch (boost::system::system_error const& e) {
        if (e.code() != asio::error::operation_aborted)
            throw;
    }
}

} // namespace llmio

#include <llmio/router.hpp>

#include <llmio/chat_stream.hpp>
#include <llmio/completion_stream.hpp>

#include <algorithm>
#include <chrono>
#include <exception>

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
// on (wait for the rate limit, fix a key or a model name) before an outage.
int telling(ErrorKind kind) noexcept
{
    switch (kind) {
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
    std::string label; // "ws/qwen3"
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

Router::Router(RouterOptions options) : options_(std::move(options))
{
    if (options_.routes.empty())
        invalid_configuration("a router needs at least one route");
    for (auto const& [name, provider] : options_.providers) {
        if (!provider)
            invalid_configuration("provider '" + name + "' is null");
        replicas_.push_back(std::make_unique<Replica>(name, provider, options_.circuit, options_.clock));
    }
    for (auto const& [name, route] : options_.routes) {
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

template <class Result, class Call>
asio::awaitable<Result> Router::routed(std::string const& model, CallOptions call, Call const& attempt)
{
    Route const& r = route(model);
    // A request without a model goes to the only route, when there is one.
    std::string const& route_name = model.empty() ? options_.routes.begin()->first : model;
    std::vector<Attempt> attempts;
    std::size_t candidates_left = 0;
    for (auto const& target : r.targets)
        candidates_left += target.providers.size();

    for (auto const& target : r.targets) {
        std::vector<Replica*> remaining;
        for (auto const& name : target.providers)
            remaining.push_back(replica(name));
        while (!remaining.empty()) {
            // Power of two choices: of two replicas picked at random, the less busy one.
            std::size_t pick = 0;
            if (remaining.size() > 1) {
                std::lock_guard lock(random_mutex_);
                std::uniform_int_distribution<std::size_t> any(0, remaining.size() - 1);
                std::size_t const a = any(random_);
                std::size_t b = any(random_);
                if (b == a)
                    b = (a + 1) % remaining.size();
                pick = remaining[b]->in_flight.load() < remaining[a]->in_flight.load() ? b : a;
            }
            Replica& chosen = *remaining[pick];
            remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(pick));
            --candidates_left;
            Attempt& record = attempts.emplace_back();
            record.label = chosen.name + "/" + target.model;
            if (chosen.circuit.admit() == CircuitBreaker::Admission::refused)
                continue;

            CallOptions options = call;
            if (!call.retry && candidates_left > 0)
                options.retry = RetryPolicy::none(); // fail over at once instead
            try {
                InFlight counted(chosen.in_flight);
                auto result = co_await attempt(*chosen.provider, target.model, std::move(options));
                chosen.circuit.succeeded();
                co_return std::move(result);
            } catch (ProviderError const& e) {
                if (e.error() == errc::cancelled)
                    chosen.circuit.released();
                else if (CircuitBreaker::counts_as_failure(e))
                    chosen.circuit.failed();
                else
                    chosen.circuit.succeeded(); // it answered: alive, whatever it said
                if (!worth_another_server(e))
                    throw;
                record.error = e;
                record.thrown = std::current_exception();
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
        tried += (tried.empty() ? "" : ", ") + a.label + ": " +
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
        for (auto const& target : r.targets)
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
    co_return co_await routed<ChatResponse>(request.model, std::move(call), attempt);
}

asio::awaitable<ChatStream> Router::do_chat_stream(ChatRequest request, CallOptions call)
{
    // The stream is committed once a server accepted it: the router hands it out unwrapped,
    // so its tokens cross no router code.
    auto attempt = [&request](ModelProvider& provider, std::string const& model, CallOptions options) {
        return provider.chat_stream(for_model(request, model), std::move(options));
    };
    co_return co_await routed<ChatStream>(request.model, std::move(call), attempt);
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
    co_return co_await routed<EmbeddingResponse>(request.model, std::move(call), attempt);
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

} // namespace llmio

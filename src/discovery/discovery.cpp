#include <llmio/discovery.hpp>

#include <llmio/error.hpp>
#include <llmio/http/http_client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <array>
#include <atomic>
#include <variant>

namespace llmio {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using Outcome = std::variant<DiscoveredServer, NotFound>;

namespace {

// Discovery probes every kind of server, so a candidate URL may end with any of their API
// prefixes (LM Studio's /api/v0 and /api/v1 included): all reach the same server.
constexpr std::array<std::string_view, 3> kProbedApiPrefixes{"/v1", "/api/v0", "/api/v1"};

struct Prober {
    http::HttpClient& client;
    http::Endpoint endpoint;
    DiscoveryOptions const& options;
    Clock::time_point deadline;

    // Every GET gets what is left of the one overall deadline.
    asio::awaitable<http::HttpResponse> get(std::string path)
    {
        auto const left = deadline - Clock::now();
        if (left <= Clock::duration::zero())
            throw_error(errc::total_timeout, "discovery deadline passed");
        http::HttpRequest request;
        request.path = std::move(path);
        if (!options.api_key.empty())
            request.headers.push_back({"Authorization", "Bearer " + options.api_key, true});
        http::Timeouts t;
        t.connect = std::min<Clock::duration>(options.connect_timeout, left);
        t.first_byte = t.idle = t.total = left;
        request.timeouts = t;
        co_return co_await client.send(endpoint, std::move(request));
    }

    static std::string version_field(std::string_view body)
    {
        boost::system::error_code ec;
        auto value = json::parse(body, ec);
        if (ec || !value.is_object())
            return {};
        auto const* v = value.as_object().if_contains("version");
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
    }

    static std::optional<std::size_t> array_size(std::string_view body, char const* member)
    {
        boost::system::error_code ec;
        auto value = json::parse(body, ec);
        if (ec || !value.is_object())
            return std::nullopt;
        auto const* a = value.as_object().if_contains(member);
        if (!a || !a->is_array())
            return std::nullopt;
        return a->as_array().size();
    }

    DiscoveredServer found(ServerKind kind) const
    {
        DiscoveredServer s;
        s.kind = kind;
        s.base_url = endpoint.to_string();
        return s;
    }

    void add_models(DiscoveredServer& server, fingerprint::ModelsAnswer const& models) const
    {
        server.auth_required = models.auth_required;
        if (models.openai_shaped)
            server.model_count = models.model_count;
    }

    asio::awaitable<Outcome> identify()
    {
        using namespace fingerprint;
        // LM Studio first: it answers every path with 200, which must never pass for another
        // server's fingerprint.
        auto greeting = co_await get("/lmstudio-greeting");
        if (is_lmstudio_greeting(greeting.status, greeting.body)) {
            auto server = found(ServerKind::lmstudio);
            auto models = co_await get("/v1/models");
            add_models(server, read_models_answer(models.status, models.body));
            co_return server;
        }
        auto root = co_await get("/");
        if (is_ollama_root(root.status, root.body)) {
            auto server = found(ServerKind::ollama);
            server.version = version_field((co_await get("/api/version")).body);
            auto tags = co_await get("/api/tags");
            if (tags.status == 401 || tags.status == 403)
                server.auth_required = true;
            else
                server.model_count = array_size(tags.body, "models");
            co_return server;
        }
        auto health = co_await get("/health");
        bool const llamacpp_health = is_llamacpp_health(health.status, health.body);
        auto models_response = co_await get("/v1/models");
        auto const models = read_models_answer(models_response.status, models_response.body);
        if (llamacpp_health || models.owner == ServerKind::llamacpp) {
            auto server = found(ServerKind::llamacpp);
            add_models(server, models);
            co_return server;
        }
        if (models.owner == ServerKind::vllm) {
            auto server = found(ServerKind::vllm);
            add_models(server, models);
            server.version = version_field((co_await get("/version")).body);
            co_return server;
        }
        if (models.openai_shaped || models.auth_required) {
            auto server = found(models.owner.value_or(ServerKind::openai));
            add_models(server, models);
            co_return server;
        }
        co_return NotFound{endpoint.to_string(),
                           "answered, but not as an LLM server llmio knows (GET /v1/models: HTTP " +
                               std::to_string(models_response.status) + ")"};
    }

    asio::awaitable<Outcome> run()
    {
        try {
            co_return co_await identify();
        } catch (CancelledError const&) {
            throw;
        } catch (ProviderError const& e) {
            std::string reason;
            switch (e.kind()) {
            case ErrorKind::timeout: reason = "timed out"; break;
            case ErrorKind::network:
                reason = e.error() == errc::connection_refused ? "connection refused"
                                                               : std::string(e.code().message());
                break;
            default: reason = e.what(); break;
            }
            co_return NotFound{endpoint.to_string(), reason};
        }
    }
};

// Shared by the probes and the waiting caller, so a probe finishing late touches live memory.
struct Round {
    explicit Round(asio::any_io_executor ex, std::size_t n)
        : outcomes(n), remaining(n), all_done(ex, 1), signals(n)
    {
    }
    std::vector<std::optional<Outcome>> outcomes; // each probe writes only its own slot
    std::atomic<std::size_t> remaining;
    // Thread-safe, and a send before the receive is kept: the caller never misses the end.
    asio::experimental::concurrent_channel<void(boost::system::error_code)> all_done;
    std::vector<asio::cancellation_signal> signals;
};

// A free function, not a lambda: a coroutine lambda's captures die with the lambda object.
asio::awaitable<Outcome> probe(std::shared_ptr<http::HttpClient> client,
                               std::shared_ptr<DiscoveryOptions const> options,
                               http::Endpoint endpoint, Clock::time_point deadline)
{
    Prober prober{*client, std::move(endpoint), *options, deadline};
    co_return co_await prober.run();
}

} // namespace

asio::awaitable<DiscoveryResult> discover(DiscoveryOptions options)
{
    std::vector<http::Endpoint> candidates;
    for (auto const* list : {&options.endpoints, &options.defaults})
        for (auto const& url : *list) {
            http::Endpoint::ParseOptions parse_options;
            parse_options.api_prefixes = kProbedApiPrefixes;
            auto endpoint = http::Endpoint::parse(url, parse_options);
            bool duplicate = false;
            for (auto const& c : candidates)
                duplicate = duplicate || c.to_string() == endpoint.to_string();
            if (!duplicate)
                candidates.push_back(std::move(endpoint));
        }

    auto ex = co_await asio::this_coro::executor;
    http::HttpOptions http_options;
    http_options.concurrency.max_in_flight = 0;
    http_options.logger = options.logger;
    auto client = std::make_shared<http::HttpClient>(ex, http_options);
    auto const deadline = Clock::now() + options.overall_timeout;
    auto round = std::make_shared<Round>(ex, candidates.size());
    auto shared_options = std::make_shared<DiscoveryOptions const>(options);

    for (std::size_t i = 0; i < candidates.size(); ++i) {
        asio::co_spawn(ex, probe(client, shared_options, candidates[i], deadline),
                       asio::bind_cancellation_slot(
                           round->signals[i].slot(),
                           [round, i, url = candidates[i].to_string()](std::exception_ptr e, Outcome outcome) {
                               round->outcomes[i] = e ? Outcome(NotFound{url, "cancelled"}) : std::move(outcome);
                               if (--round->remaining == 0)
                                   round->all_done.try_send(boost::system::error_code{});
                           }));
    }

    if (!candidates.empty()) {
        co_await round->all_done.async_receive(asio::as_tuple(asio::use_awaitable));
        auto const cs = co_await asio::this_coro::cancellation_state;
        if (cs.cancelled() != asio::cancellation_type::none) {
            for (auto& s : round->signals)
                s.emit(asio::cancellation_type::terminal);
            throw_error(errc::cancelled, "discovery cancelled");
        }
    }

    DiscoveryResult result;
    for (auto& outcome : round->outcomes) {
        if (auto* server = std::get_if<DiscoveredServer>(&*outcome))
            result.found.push_back(std::move(*server));
        else
            result.not_found.push_back(std::get<NotFound>(std::move(*outcome)));
    }
    co_return result;
}

} // namespace llmio

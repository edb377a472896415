#include "web_access.hpp"

#include "access.hpp"
#include "api_error.hpp"
#include "cors.hpp"
#include "playground.hpp"
#include "rate_limit.hpp"

#include <memory>

namespace llmio::gateway {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

// Shared by the middleware of one gateway, on every connection and thread (the limiter locks).
struct WebAccess {
    explicit WebAccess(GatewayOptions const& options)
        : cors(options.cors_origins, "serve.cors_origins"), keys(options.api_keys, "serve.api_keys"),
          limiter(options.rate_limit, options.rate_limit_clock)
    {
    }
    CorsPolicy cors;
    KeyRing keys;
    RateLimiter limiter;
};

bool is_playground(Exchange const& exchange) noexcept
{
    auto const method = exchange.method();
    return (method == http::verb::get || method == http::verb::head) && playground_file(exchange.path());
}

asio::awaitable<bool> apply_cors(WebAccess const& access, Exchange& exchange)
{
    auto const origin = exchange.header("Origin");
    if (CorsPolicy::is_preflight(http::to_string(exchange.method()), origin,
                                 exchange.header("Access-Control-Request-Method"))) {
        for (auto& [name, value] : access.cors.preflight(origin, exchange.header("Access-Control-Request-Headers")))
            exchange.add_response_header(std::move(name), std::move(value));
        co_await exchange.reply(Status::no_content, "text/plain", "");
        co_return false;
    }
    for (auto& [name, value] : access.cors.actual(origin))
        exchange.add_response_header(std::move(name), std::move(value));
    co_return true;
}

ApiError refusal(Status status, std::string code, std::string message)
{
    ApiError error;
    error.status = status;
    error.type = status == Status::unauthorized ? "invalid_request_error" : "requests";
    error.code = std::move(code);
    error.message = std::move(message);
    return error;
}

// OpenAI's x-ratelimit-* headers, on every answer to a limited client, so that it can pace
// itself before a 429.
void add_rate_limit_headers(Exchange& exchange, RateLimiter::Decision const& decision)
{
    auto const add = [&](std::string_view what, RateLimiter::BucketState const& state) {
        exchange.add_response_header("x-ratelimit-limit-" + std::string(what), std::to_string(state.limit));
        exchange.add_response_header("x-ratelimit-remaining-" + std::string(what), std::to_string(state.remaining));
        exchange.add_response_header("x-ratelimit-reset-" + std::string(what), reset_text(state.reset));
    };
    if (decision.requests)
        add("requests", *decision.requests);
    if (decision.tokens)
        add("tokens", *decision.tokens);
}

// The client key, then its rate limits. Without keys every client shares one bucket.
asio::awaitable<bool> admit(WebAccess& access, Exchange& exchange)
{
    if (is_playground(exchange))
        co_return true; // the page holds no secret; what it calls asks for the key
    RateLimit const* own_limits = nullptr;
    if (!access.keys.empty()) {
        auto const presented = presented_key(exchange.header("Authorization"), exchange.header("x-api-key"));
        auto const client = presented ? access.keys.check(*presented) : std::nullopt;
        if (!client) {
            // A wrong key is never echoed: it may be another service's secret.
            auto const error = presented ? refusal(Status::unauthorized, "invalid_api_key", "Incorrect API key provided.")
                                         : refusal(Status::unauthorized, "invalid_api_key",
                                                   "You didn't provide an API key. Send it as \"Authorization: "
                                                   "Bearer KEY\".");
            exchange.add_response_header("WWW-Authenticate", "Bearer");
            co_await reply_error(exchange, error);
            co_return false;
        }
        exchange.key_id = client->id;
        own_limits = client->limits;
    }
    auto const decision = access.limiter.admit(exchange.key_id, own_limits);
    add_rate_limit_headers(exchange, decision);
    if (!decision.allowed) {
        auto error = refusal(Status::too_many_requests, "rate_limit_exceeded",
                             "Rate limit reached for " +
                                 (exchange.key_id.empty() ? std::string("this gateway") : exchange.key_id) +
                                 ": try again in " + std::to_string(decision.retry_after.count()) + " s.");
        error.retry_after = decision.retry_after;
        co_await reply_error(exchange, error);
        co_return false;
    }
    if (access.limiter.limits_tokens(own_limits)) {
        // The WebAccess outlives every exchange: the route table holds it.
        exchange.on_tokens = [&limiter = access.limiter, id = exchange.key_id, own_limits](std::uint64_t tokens) {
            limiter.charge(id, own_limits, tokens);
        };
    }
    co_return true;
}

asio::awaitable<void> serve_playground(Exchange& exchange)
{
    auto const* file = playground_file(exchange.path());
    Header const headers[] = {{"ETag", file->etag},
                              {"Cache-Control", "no-cache"},
                              {"Content-Security-Policy", kPlaygroundPolicy},
                              {"X-Content-Type-Options", "nosniff"},
                              {"Referrer-Policy", "no-referrer"}};
    if (exchange.header("If-None-Match") == file->etag)
        co_await exchange.reply(Status::not_modified, content_type_of(file->path), "", headers);
    else
        co_await exchange.reply(Status::ok, content_type_of(file->path), file->body, headers);
}

} // namespace

void add_web_access(RouteTable& table, Services const& services)
{
    auto access = std::make_shared<WebAccess>(services.options());
    // CORS first: a preflight carries no key, and a refusal must be readable by the page.
    if (access->cors.enabled())
        table.add_middleware([access](Exchange& exchange) { return apply_cors(*access, exchange); });
    // Without keys or limits there is nothing to admit: no cost per request.
    auto const& options = services.options();
    bool const limited = options.rate_limit.requests_per_minute || options.rate_limit.tokens_per_minute;
    if (!access->keys.empty() || limited)
        table.add_middleware([access](Exchange& exchange) { return admit(*access, exchange); });
    for (auto const& file : playground_files())
        table.add(http::verb::get, file.path == "/index.html" ? "/" : std::string(file.path), serve_playground);
}

} // namespace llmio::gateway

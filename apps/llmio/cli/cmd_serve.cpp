// `llmio serve`: the gateway (llmio::gateway, docs/gateway.md) over the config file's providers
// and routes, on its own io_context run by --threads threads; Ctrl-C or SIGTERM stops it after
// the drain.

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/provider_selection.hpp"

#include <llmio/cache_config.hpp>
#include <llmio/error.hpp>
#include <llmio/gateway.hpp>
#include <llmio/serve_config.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>
#include <ostream>
#include <thread>
#include <vector>

namespace llmio::cli {

namespace asio = boost::asio;

namespace {

// The command line, else the file's "serve" section, else the defaults.
gateway::GatewayOptions gateway_options(ServeOptions const& options, Environment const& env)
{
    auto const config = serve_config_from_environment(env);
    gateway::GatewayOptions out;
    out.host = options.host.value_or(config.host.value_or(out.host));
    out.port = options.port.value_or(config.port.value_or(out.port));
    out.threads = options.threads.value_or(config.threads.value_or(1));
    if (options.drain_s)
        out.drain = std::chrono::milliseconds(static_cast<std::int64_t>(*options.drain_s * 1000));
    else
        out.drain = config.drain.value_or(out.drain);
    auto& limits = out.limits;
    limits.body_bytes = config.body_bytes.value_or(limits.body_bytes);
    limits.header_bytes = config.header_bytes.value_or(limits.header_bytes);
    limits.connections = config.connections.value_or(limits.connections);
    limits.connections_per_client = config.connections_per_client.value_or(limits.connections_per_client);
    limits.request_timeout = config.request_timeout.value_or(limits.request_timeout);
    limits.idle_timeout = config.idle_timeout.value_or(limits.idle_timeout);
    out.cors_origins = config.cors_origins;
    out.cors_origins.insert(out.cors_origins.end(), options.cors_origins.begin(), options.cors_origins.end());
    out.api_keys = gateway::load_client_keys(config, env);
    out.rate_limit.requests_per_minute = config.requests_per_minute;
    out.rate_limit.tokens_per_minute = config.tokens_per_minute;
    out.insecure_no_auth = options.insecure_no_auth;
    return out;
}

// Waits on `timer` until it is cancelled (by a signal's cancellation or the gateway's end).
asio::awaitable<void> wait_cancelled(asio::steady_timer& timer)
{
    timer.expires_at(asio::steady_timer::time_point::max());
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

} // namespace

asio::awaitable<int> cmd_serve(Context& ctx, ServeOptions options)
{
    auto const file = ConfigFile::from_environment(ctx.env);
    if (!file)
        throw CliError(ExitCode::usage, "usage", "no config file: give --config FILE or set LLMIO_CONFIG",
                       "docs/gateway.md shows a config file for the gateway");
    auto const settings = gateway_options(options, ctx.env);
    boost::system::error_code bad_host;
    asio::ip::make_address(settings.host, bad_host);
    if (bad_host)
        throw_usage("the host to listen on must be an IP address (not '" + settings.host + "')");

    // Declared first, destroyed last: the providers and the gateway live on it.
    asio::io_context io(static_cast<int>(settings.threads));
    auto const metrics = std::make_shared<Metrics>();
    ProviderRegistry registry;
    register_factories(registry, ctx, metrics);
    registry.add_from_file(io.get_executor(), *file, ctx.env);
    auto const cache = cache_config_from_environment(ctx.env);
    std::optional<CachingOptions> caching;
    if (cache.present && cache.mode.value_or(CacheMode::deterministic) != CacheMode::off)
        caching = caching_options(cache);
    // A bad origin or key list, or keys missing for a public address: the command line's fault.
    std::optional<gateway::Gateway> made;
    try {
        made.emplace(io.get_executor(), registry, settings, metrics, std::move(caching));
        made->listen();
    } catch (InvalidRequestError const& e) {
        throw CliError(ExitCode::usage, "usage", e.info().detail, "docs/gateway.md, \"API keys and rate limits\"");
    } catch (boost::system::system_error const& e) {
        throw CliError(ExitCode::network, "network",
                       "cannot listen on " + settings.host + ":" + std::to_string(settings.port) + ": " +
                           e.code().message(),
                       "choose another port with --port N (0 = any free port)");
    }
    auto& gateway = *made;
    auto const endpoint = gateway.local_endpoint();
    ctx.streams.out << "listening on http://" << settings.host << ':' << endpoint.port() << '\n' << std::flush;
    ctx.log("serving " + std::to_string(registry.provider_names().size()) + " providers and " +
            std::to_string(registry.route_names().size()) + " routes of " + file->name());

    // The gateway runs on its own threads; this coroutine waits for a signal or its end.
    auto const here = co_await asio::this_coro::executor;
    asio::steady_timer wake(here);
    bool ended = false;
    std::exception_ptr failure;
    asio::co_spawn(io, gateway.run(), [&, here](std::exception_ptr error) {
        asio::post(here, [&, error] {
            failure = error;
            ended = true;
            wake.cancel();
        });
    });
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < settings.threads; ++i)
        threads.emplace_back([&io] { io.run(); });

    co_await wait_cancelled(wake);
    // A signal cancelled the wait: stop, then wait for the drain (which the signal must not cut).
    co_await asio::this_coro::reset_cancellation_state();
    co_await asio::this_coro::throw_if_cancelled(false);
    if (!ended) {
        ctx.log("stopping: open requests have " + std::to_string(settings.drain.count()) + " ms to finish");
        gateway.stop();
        while (!ended)
            co_await wait_cancelled(wake);
    }
    io.stop();
    for (auto& thread : threads)
        thread.join();
    if (failure)
        std::rethrow_exception(failure);
    ctx.log("stopped");
    co_return 0;
}

} // namespace llmio::cli

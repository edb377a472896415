// `llmio info` and `llmio health`: what the server is, and whether it answers.

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/output.hpp"
#include "cli/provider_selection.hpp"

#include <ostream>

namespace llmio::cli {

boost::asio::awaitable<int> cmd_info(Context& ctx, bool json)
{
    auto const selection = co_await select_provider(ctx, {});
    auto const info = co_await selection.provider->info();
    auto const models = co_await selection.provider->list_models();
    auto& out = ctx.streams.out;
    if (json) {
        boost::json::array list;
        for (auto const& model : models)
            list.push_back(model_json(model, selection.provider_name));
        print_json(out, boost::json::object{{"provider", selection.provider_name},
                                            {"kind", info.kind},
                                            {"version", info.version},
                                            {"base_url", info.base_url},
                                            {"auth_required", info.auth_required},
                                            {"models", std::move(list)}});
        co_return 0;
    }
    out << "provider:  " << selection.provider_name << '\n'
        << "kind:      " << info.kind << '\n'
        << "version:   " << (info.version.empty() ? "-" : shown(info.version)) << '\n'
        << "base url:  " << info.base_url << '\n'
        << "auth:      " << (info.auth_required ? "required" : "not required") << '\n'
        << "models:    " << models.size() << '\n';
    for (auto const& model : models)
        out << "  " << shown(model.id) << (model.loaded_known && model.loaded ? "  (loaded)" : "") << '\n';
    out.flush();
    co_return 0;
}

boost::asio::awaitable<int> cmd_health(Context& ctx, bool json)
{
    auto const selection = co_await select_provider(ctx, {});
    auto const health = co_await selection.provider->health();
    auto& out = ctx.streams.out;
    if (json) {
        print_json(out, boost::json::object{{"ok", health.ok},
                                            {"detail", health.detail},
                                            {"latency_ms", health.latency.count()}});
    } else if (health.ok) {
        out << "ok (" << selection.provider_name << ", " << health.latency.count() << " ms)";
        if (!health.detail.empty())
            out << ": " << shown(health.detail);
        out << '\n' << std::flush;
    }
    if (health.ok)
        co_return 0;
    if (!json)
        ctx.streams.err << "llmio: unhealthy: " << shown(health.detail) << "\nhint: " << start_server_hint()
                        << '\n' << std::flush;
    co_return to_int(ExitCode::network);
}

} // namespace llmio::cli

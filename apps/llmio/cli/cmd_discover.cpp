// `llmio discover`: which local servers answer, and why the other candidates did not.

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/output.hpp"
#include "cli/provider_selection.hpp"

#include <ostream>

namespace llmio::cli {

boost::asio::awaitable<int> cmd_discover(Context& ctx, DiscoverOptions options)
{
    if (options.timeout_ms <= 0)
        throw_usage("--timeout-ms must be positive");
    auto discovery = discovery_options(ctx);
    discovery.overall_timeout = std::chrono::milliseconds(options.timeout_ms);
    if (!ctx.common.url.empty())
        discovery.endpoints.push_back(ctx.common.url);
    auto const result = co_await discover(std::move(discovery));

    auto& out = ctx.streams.out;
    if (options.json) {
        boost::json::array found;
        for (auto const& server : result.found)
            found.push_back(boost::json::object{
                {"kind", to_string(server.kind)},
                {"base_url", server.base_url},
                {"version", server.version},
                {"auth_required", server.auth_required},
                {"model_count", server.model_count ? boost::json::value(*server.model_count)
                                                   : boost::json::value(nullptr)}});
        boost::json::array not_found;
        for (auto const& miss : result.not_found)
            not_found.push_back(boost::json::object{{"base_url", miss.base_url}, {"reason", miss.reason}});
        print_json(out, boost::json::object{{"found", std::move(found)}, {"not_found", std::move(not_found)}});
    } else {
        std::vector<std::vector<std::string>> rows;
        for (auto const& server : result.found)
            rows.push_back({std::string(to_string(server.kind)), server.base_url,
                            server.version.empty() ? "-" : server.version,
                            server.model_count ? std::to_string(*server.model_count) : "-",
                            server.auth_required ? "yes" : "no", "found"});
        for (auto const& miss : result.not_found)
            rows.push_back({"-", miss.base_url, "-", "-", "-", miss.reason});
        print_table(out, {"KIND", "BASE URL", "VERSION", "MODELS", "AUTH", "STATUS"}, rows);
        out.flush();
    }
    if (result.found.empty()) {
        if (!options.json)
            ctx.streams.err << "llmio: no server found\nhint: " << start_server_hint() << '\n';
        co_return to_int(ExitCode::network);
    }
    co_return 0;
}

} // namespace llmio::cli

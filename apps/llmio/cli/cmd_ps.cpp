// `llmio ps`: what the server holds, models in memory (size, GPU part, context) and on disk.

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/provider_selection.hpp"

#include <llmio/resource_usage.hpp>

#include <boost/json.hpp>

#include <ostream>

namespace llmio::cli {

namespace {

boost::json::value optional_json(std::optional<std::int64_t> const& value)
{
    return value ? boost::json::value(*value) : boost::json::value(nullptr);
}

std::string bytes_cell(std::optional<std::int64_t> const& value)
{
    return value ? human_bytes(static_cast<double>(*value)) : std::string("-");
}

boost::json::object usage_json(ResourceUsage const& usage)
{
    boost::json::array loaded;
    for (auto const& m : usage.loaded)
        loaded.push_back(boost::json::object{{"id", m.id},
                                             {"size_bytes", optional_json(m.size_bytes)},
                                             {"vram_bytes", optional_json(m.vram_bytes)},
                                             {"context_length", optional_json(m.context_length)},
                                             {"expires_at", m.expires_at.empty()
                                                                ? boost::json::value(nullptr)
                                                                : boost::json::value(m.expires_at)}});
    boost::json::array downloaded;
    for (auto const& m : usage.downloaded)
        downloaded.push_back(boost::json::object{
            {"id", m.id}, {"size_bytes", optional_json(m.size_bytes)}, {"loaded", m.loaded}});
    return {{"provider", usage.provider},
            {"kind", usage.server.kind},
            {"version", usage.server.version},
            {"base_url", usage.server.base_url},
            {"loaded_bytes", usage.loaded_bytes()},
            {"vram_bytes", usage.vram_bytes()},
            {"loaded", std::move(loaded)},
            {"downloaded", std::move(downloaded)}};
}

} // namespace

boost::asio::awaitable<int> cmd_ps(Context& ctx, bool json)
{
    auto const selection = co_await select_provider(ctx, {});
    auto const usage = co_await resource_usage(*selection.provider);
    auto& out = ctx.streams.out;
    if (json) {
        print_json(out, usage_json(usage));
        co_return 0;
    }
    out << shown(usage.provider) << " (" << shown(usage.server.kind)
        << (usage.server.version.empty() ? "" : " " + shown(usage.server.version)) << ", "
        << shown(usage.server.base_url) << "): " << usage.loaded.size() << " loaded, "
        << human_bytes(static_cast<double>(usage.loaded_bytes())) << " in memory\n";
    std::vector<std::vector<std::string>> loaded;
    for (auto const& m : usage.loaded)
        loaded.push_back({shown(m.id), bytes_cell(m.size_bytes), bytes_cell(m.vram_bytes),
                          m.context_length ? std::to_string(*m.context_length) : "-",
                          m.expires_at.empty() ? "-" : shown(m.expires_at)});
    print_table(out, {"LOADED", "SIZE", "VRAM", "CONTEXT", "UNTIL"}, loaded);
    out << '\n';
    std::vector<std::vector<std::string>> downloaded;
    for (auto const& m : usage.downloaded)
        downloaded.push_back({shown(m.id), bytes_cell(m.size_bytes), m.loaded ? "yes" : "no"});
    print_table(out, {"DOWNLOADED", "SIZE", "LOADED"}, downloaded);
    out.flush();
    co_return 0;
}

} // namespace llmio::cli

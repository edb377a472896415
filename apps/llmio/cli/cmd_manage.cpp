// `llmio load`, `llmio unload`, `llmio pull`: local model management (LM Studio, Ollama).

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/output.hpp"
#include "cli/provider_selection.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <ostream>

namespace llmio::cli {

namespace {

std::string seconds_text(double seconds)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
    return buffer;
}

/// One progress report: a redrawn bar on a terminal, a plain line otherwise.
void show_progress(std::ostream& err, bool terminal, DownloadProgress const& p)
{
    std::string line = p.status.empty() ? std::string("downloading") : shown(p.status);
    std::string bytes = human_bytes(static_cast<double>(p.completed_bytes));
    if (p.total_bytes && *p.total_bytes > 0) {
        auto const fraction =
            std::min(1.0, static_cast<double>(p.completed_bytes) / static_cast<double>(*p.total_bytes));
        bytes += " / " + human_bytes(static_cast<double>(*p.total_bytes));
        char percent[16];
        std::snprintf(percent, sizeof percent, " %3.0f%%", fraction * 100.0);
        if (terminal) {
            constexpr int width = 30;
            auto const filled = static_cast<int>(fraction * width);
            line += " [" + std::string(static_cast<std::size_t>(filled), '#') +
                    std::string(static_cast<std::size_t>(width - filled), ' ') + "]";
        }
        line += percent;
    }
    line += " " + bytes;
    if (p.bytes_per_second)
        line += ", " + human_bytes(*p.bytes_per_second) + "/s";
    if (p.eta)
        line += ", ETA " + std::to_string(p.eta->count()) + " s";
    if (terminal)
        err << "\r\x1b[K" << line << std::flush; // redraw in place
    else
        err << line << '\n' << std::flush;
}

} // namespace

boost::asio::awaitable<int> cmd_load(Context& ctx, LoadCommandOptions options)
{
    auto const selection = co_await select_provider(ctx, options.model);
    auto& manager = require_manager(selection, "load models");
    LoadOptions load;
    load.context_length = options.context_length;
    auto const result = co_await manager.load(selection.model, std::move(load));
    auto& out = ctx.streams.out;
    out << "loaded " << shown(result.model.empty() ? selection.model : result.model);
    if (!result.instance_id.empty() && result.instance_id != result.model)
        out << " as " << shown(result.instance_id);
    if (result.load_time_seconds)
        out << " in " << seconds_text(*result.load_time_seconds);
    out << '\n' << std::flush;
    co_return 0;
}

boost::asio::awaitable<int> cmd_unload(Context& ctx, std::string model)
{
    auto const selection = co_await select_provider(ctx, std::move(model));
    auto& manager = require_manager(selection, "unload models");
    co_await manager.unload(selection.model);
    ctx.streams.out << "unloaded " << shown(selection.model) << '\n' << std::flush;
    co_return 0;
}

boost::asio::awaitable<int> cmd_pull(Context& ctx, std::string model)
{
    ctx.command_for_hints = "pull";
    auto const selection = co_await select_provider(ctx, std::move(model));
    auto& manager = require_manager(selection, "download models");
    auto* err = &ctx.streams.err;
    bool const terminal = ctx.streams.err_is_terminal;
    bool drew = false;
    // A redrawn progress line has no newline yet: end it before the result or the error.
    auto end_progress_line = [&] {
        if (terminal && drew)
            *err << '\n' << std::flush;
        drew = false;
    };
    std::optional<DownloadResult> downloaded;
    try {
        downloaded = co_await manager.download(selection.model, [err, terminal, &drew](DownloadProgress const& p) {
            show_progress(*err, terminal, p);
            drew = true;
        });
    } catch (...) {
        end_progress_line();
        throw;
    }
    end_progress_line();
    auto const& result = *downloaded;
    auto& out = ctx.streams.out;
    out << "pulled " << shown(result.model.empty() ? selection.model : result.model) << ": "
        << (result.status.empty() ? std::string("done") : shown(result.status));
    if (result.total_bytes)
        out << " (" << human_bytes(static_cast<double>(*result.total_bytes)) << ")";
    out << '\n' << std::flush;
    co_return 0;
}

} // namespace llmio::cli

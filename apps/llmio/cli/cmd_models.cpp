// `llmio models`: what the server offers, has loaded, or has on disk.

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/output.hpp"
#include "cli/provider_selection.hpp"

#include <llmio/model_manager.hpp>

#include <ostream>

namespace llmio::cli {

boost::asio::awaitable<int> cmd_models(Context& ctx, ModelsOptions options)
{
    auto const selection = co_await select_provider(ctx, {});
    std::vector<ModelInfo> models;
    if (options.loaded)
        models = co_await require_manager(selection, "list loaded models").list_loaded();
    else if (options.downloaded)
        models = co_await require_manager(selection, "list downloaded models").list_downloaded();
    else
        models = co_await selection.provider->list_models();

    auto& out = ctx.streams.out;
    if (options.json) {
        boost::json::array array;
        for (auto const& model : models)
            array.push_back(model_json(model, selection.provider_name));
        print_json(out, array);
        co_return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (auto const& model : models) {
        auto const json = model_json(model, selection.provider_name).as_object();
        auto const* context = json.if_contains("context_length");
        rows.push_back({model.id,
                        model.loaded_known ? (model.loaded ? "yes" : "no") : "-",
                        context && context->is_int64() ? std::to_string(context->as_int64()) : "-",
                        model.type.empty() ? "-" : model.type,
                        model.size_bytes ? human_bytes(static_cast<double>(*model.size_bytes)) : "-"});
    }
    print_table(out, {"MODEL", "LOADED", "CONTEXT", "TYPE", "SIZE"}, rows);
    out.flush();
    co_return 0;
}

} // namespace llmio::cli

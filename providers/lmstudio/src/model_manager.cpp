#include <llmio/lmstudio/model_manager.hpp>

#include <llmio/error.hpp>
#include <llmio/lmstudio/native_wire.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/model_id.hpp>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace llmio::lmstudio {

namespace asio = boost::asio;
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

[[noreturn]] void refuse(std::string detail, std::string hint)
{
    ErrorInfo info;
    info.provider = "lmstudio";
    info.detail = std::move(detail);
    info.hint = std::move(hint);
    throw_error(errc::unsupported, std::move(info));
}

// A plain function taking the probed API: the same check as a coroutine ending in a
// [[noreturn]] call died with SIGILL under GCC 12.
void require_v1(NativeApi api, char const* what, char const* hint)
{
    if (api != NativeApi::v1)
        refuse(std::string(what) + " needs LM Studio's /api/v1 (LM Studio 0.4 or later)", hint);
}

} // namespace

asio::awaitable<std::vector<ModelInfo>> ModelManager::list_downloaded()
{
    auto models = co_await provider_.native_listing();
    if (!models)
        refuse("listing downloaded models needs LM Studio's /api/v0 or /api/v1 (LM Studio 0.3.6 or later)",
               "update LM Studio, or use `lms ls`");
    co_return std::move(*models);
}

asio::awaitable<std::vector<ModelInfo>> ModelManager::list_loaded()
{
    auto models = co_await list_downloaded();
    std::erase_if(models, [](ModelInfo const& m) { return !m.loaded; });
    co_return models;
}

asio::awaitable<LoadResult> ModelManager::load(std::string model, LoadOptions options)
{
    validate_model_id(model, ModelIdUse::required, provider_.name());
    if (options.ttl)
        refuse("LM Studio's load endpoint has no idle TTL",
               "set lmstudio::Options::ttl (sent with inference requests) or use `lms load --ttl`");
    auto const api = co_await provider_.native_api();
    require_v1(api, "loading a model", "rely on JIT loading (the first request loads the model) or use `lms load`");
    auto& transport = provider_.transport();
    auto body = json::serialize(load_request_body(model, options));
    auto response = co_await transport.send(transport.json_request(verb::post, "/api/v1/models/load", std::move(body)), {});
    provider_.model_cache().invalidate(); // loaded state and context length changed
    transport.check_json_answer(response, "instance_id");
    co_return parse_load_response(response.body, std::move(model));
}

asio::awaitable<void> ModelManager::unload(std::string model)
{
    validate_model_id(model, ModelIdUse::required, provider_.name());
    auto const api = co_await provider_.native_api();
    require_v1(api, "unloading a model", "use `lms unload`");
    std::vector<std::string> instances;
    bool known = false;
    for (auto const& m : co_await provider_.native_models(NativeApi::v1)) {
        if (m.id != model)
            continue;
        known = true;
        auto const* raw = m.raw.if_object();
        auto const* list = raw ? raw->if_contains("loaded_instances") : nullptr;
        if (list && list->is_array())
            for (auto const& i : list->get_array())
                if (auto const* o = i.if_object(); o && o->contains("id") && o->at("id").is_string())
                    instances.emplace_back(o->at("id").get_string());
    }
    if (!known)
        instances.push_back(model); // maybe an instance id ("model:2")
    auto& transport = provider_.transport();
    for (auto const& id : instances) {
        auto body = json::serialize(json::object{{"instance_id", id}});
        auto response = co_await transport.send(
            transport.json_request(verb::post, "/api/v1/models/unload", std::move(body)), {});
        provider_.model_cache().invalidate();
        transport.check_json_answer(response, "instance_id");
    }
}

asio::awaitable<DownloadResult>
ModelManager::download(std::string model, std::function<void(DownloadProgress const&)> on_progress)
{
    validate_model_id(model, ModelIdUse::required, provider_.name());
    auto const api = co_await provider_.native_api();
    require_v1(api, "downloading a model", "use `lms get <model>`");
    auto& transport = provider_.transport();
    auto const& options = provider_.options();
    auto check = [&](http::HttpResponse const& response) {
        transport.check_json_answer(response, "status");
        auto state = parse_download_state(response.body);
        if (on_progress)
            on_progress(to_progress(state));
        if (state.failed()) {
            ErrorInfo info;
            info.provider = provider_.name();
            info.http_status = static_cast<int>(response.status);
            set_raw_body(info, response.body);
            info.detail = "LM Studio reports the download of " + model + " as failed";
            throw_error(errc::server_error, std::move(info));
        }
        return state;
    };

    auto body = json::serialize(json::object{{"model", model}});
    auto state = check(co_await transport.send(
        transport.json_request(verb::post, "/api/v1/models/download", std::move(body)), {}));
    auto const interval = std::max(options.download_poll_interval, std::chrono::milliseconds(1));
    auto const max_polls = options.download_timeout / interval + 1;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (std::int64_t poll = 0; !state.finished(); ++poll) {
        if (poll >= max_polls) {
            ErrorInfo info;
            info.provider = provider_.name();
            info.detail = "the download of " + model + " did not finish within download_timeout";
            throw_error(errc::total_timeout, std::move(info));
        }
        timer.expires_after(interval);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            ErrorInfo info;
            info.provider = provider_.name();
            info.detail = "stopped following the download of " + model + " (LM Studio keeps downloading)";
            throw_error(errc::cancelled, std::move(info));
        }
        state = check(co_await transport.send(
            transport.json_request(verb::get, "/api/v1/models/download/status/" + state.job_id), {}));
    }
    provider_.model_cache().invalidate(); // a new model is on disk
    DownloadResult result;
    result.model = std::move(model);
    result.status = state.status;
    result.total_bytes = state.total_bytes;
    result.raw = std::move(state.raw);
    co_return result;
}

} // namespace llmio::lmstudio

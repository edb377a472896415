#include "wire_common.hpp"

#include <llmio/error.hpp>

#include <algorithm>

namespace llmio::ollama {

namespace json = boost::json;
using detail::ShapeError;
using llmio::detail::field;

namespace {

void apply_capabilities(json::array const& caps, ModelCapabilities& out, std::string* type)
{
    out.tool_use = false;
    out.vision = false;
    out.embeddings = false;
    out.reasoning = false;
    bool completion = false;
    for (auto const& v : caps) {
        json::string const* s = v.if_string();
        if (s == nullptr)
            continue;
        if (*s == "tools")
            out.tool_use = true;
        else if (*s == "vision" || *s == "image")
            out.vision = true;
        else if (*s == "embedding")
            out.embeddings = true;
        else if (*s == "thinking")
            out.reasoning = true;
        else if (*s == "completion")
            completion = true;
    }
    if (type != nullptr)
        *type = (*out.embeddings && !completion) ? "embedding" : (*out.vision ? "vlm" : "llm");
}

std::vector<ModelInfo> parse_model_list(std::string_view body, bool loaded)
{
    json::object o = detail::parse_object(body);
    ShapeError err;
    std::vector<ModelInfo> out;
    json::array const* models = llmio::detail::array_field(o, "models", err);
    if (models == nullptr && !err)
        err.fail("the answer has no models list");
    if (models != nullptr) {
        for (auto const& v : *models) {
            json::object const* m = v.if_object();
            if (m == nullptr) {
                err.fail("models[]: expected an object");
                break;
            }
            ModelInfo info;
            info.id = llmio::detail::string_field(*m, "name", err, "models[]");
            if (info.id.empty())
                info.id = llmio::detail::string_field(*m, "model", err, "models[]");
            info.display_name = info.id;
            info.size_bytes = llmio::detail::integer_field(*m, "size", err, "models[]");
            if (json::object const* d = llmio::detail::object_field(*m, "details", err, "models[]")) {
                info.format = llmio::detail::string_field(*d, "format", err, "models[].details");
                info.architecture = llmio::detail::string_field(*d, "family", err, "models[].details");
                info.quantization =
                    llmio::detail::string_field(*d, "quantization_level", err, "models[].details");
            }
            if (json::array const* caps = llmio::detail::array_field(*m, "capabilities", err, "models[]"))
                apply_capabilities(*caps, info.capabilities, &info.type);
            if (loaded) {
                info.loaded_known = true;
                info.loaded = true;
                info.loaded_context_length = llmio::detail::integer_field(*m, "context_length", err, "models[]");
            }
            info.raw = *m;
            out.push_back(std::move(info));
        }
    }
    detail::check_shape(err, body);
    return out;
}

} // namespace

std::string canonical_model_name(std::string_view name)
{
    std::string out(name);
    if (out.empty() || out.find('@') != std::string::npos)
        return out;
    auto const slash = out.rfind('/');
    auto const last_part = slash == std::string::npos ? std::string_view(out)
                                                      : std::string_view(out).substr(slash + 1);
    if (!last_part.empty() && last_part.find(':') == std::string_view::npos)
        out += ":latest";
    return out;
}

std::vector<ModelInfo> parse_tags(std::string_view body) { return parse_model_list(body, false); }

std::vector<ModelInfo> parse_ps(std::string_view body) { return parse_model_list(body, true); }

ModelInfo parse_show_model(std::string_view body, std::string id)
{
    json::object o = detail::parse_object(body);
    ShapeError err;
    ModelInfo out;
    out.id = std::move(id);
    out.display_name = out.id;
    if (json::array const* list = llmio::detail::array_field(o, "capabilities", err))
        apply_capabilities(*list, out.capabilities, &out.type);
    if (json::object const* info = llmio::detail::object_field(o, "model_info", err)) {
        auto const arch = llmio::detail::string_field(*info, "general.architecture", err, "model_info");
        if (!arch.empty())
            out.capabilities.context_length = llmio::detail::integer_field(
                *info, std::string(arch) + ".context_length", err, "model_info");
    }
    detail::check_shape(err, body);
    return out;
}

ModelCapabilities parse_show(std::string_view body) { return parse_show_model(body, {}).capabilities; }

std::string parse_version(std::string_view body)
{
    json::object o = detail::parse_object(body);
    ShapeError err;
    std::string v(llmio::detail::string_field(o, "version", err));
    detail::check_shape(err, body);
    return v;
}

std::string keep_alive_text(std::chrono::seconds ttl) { return std::to_string(ttl.count()) + "s"; }

json::object load_request_body(std::string const& model, LoadOptions const& options)
{
    json::object body{{"model", model}};
    if (options.ttl)
        body["keep_alive"] = keep_alive_text(*options.ttl);
    json::object opts;
    llmio::detail::put_if(opts, "num_ctx", options.context_length);
    llmio::detail::put_if(opts, "flash_attention", options.flash_attention);
    if (!opts.empty())
        body["options"] = std::move(opts);
    detail::merge_extra_with_options(body, options.extra);
    return body;
}

json::object unload_request_body(std::string const& model)
{
    return json::object{{"model", model}, {"keep_alive", 0}};
}

std::variant<PullLine, InBandError> parse_pull_line(std::string_view line)
{
    json::object o = detail::parse_object(line);
    if (detail::has_error(o))
        return InBandError{std::string(line)};
    ShapeError err;
    DownloadProgress p;
    p.status = llmio::detail::string_field(o, "status", err);
    auto const completed = llmio::detail::integer_field(o, "completed", err);
    auto const total = llmio::detail::integer_field(o, "total", err);
    if (completed && *completed > 0)
        p.completed_bytes = static_cast<std::uint64_t>(*completed);
    if (total && *total > 0)
        p.total_bytes = static_cast<std::uint64_t>(*total);
    std::string digest(llmio::detail::string_field(o, "digest", err));
    detail::check_shape(err, line);
    return PullLine{std::move(p), std::move(digest)};
}

DownloadProgress PullProgress::add(PullLine const& line)
{
    if (!line.digest.empty()) {
        Layer* layer = nullptr;
        for (auto& l : layers_)
            if (l.digest == line.digest)
                layer = &l;
        if (layer == nullptr)
            layer = &layers_.emplace_back(Layer{line.digest, 0, 0});
        layer->completed = std::max(layer->completed, line.progress.completed_bytes);
        if (line.progress.total_bytes)
            layer->total = *line.progress.total_bytes;
    }
    DownloadProgress out;
    out.status = line.progress.status;
    std::uint64_t total = 0;
    for (auto const& l : layers_) {
        out.completed_bytes += l.completed;
        total += l.total;
    }
    if (total > 0)
        out.total_bytes = total;
    return out;
}

} // namespace llmio::ollama

#include <llmio/lmstudio/native_wire.hpp>

#include <llmio/detail/json_read.hpp>
#include <llmio/error.hpp>

#include <boost/json/parse.hpp>

#include <cmath>

namespace llmio::lmstudio {

namespace json = boost::json;
using llmio::detail::ShapeError;

namespace {

[[noreturn]] void throw_malformed(std::string_view body, std::string detail)
{
    ErrorInfo info;
    info.provider = "lmstudio";
    set_raw_body(info, body);
    info.detail = std::move(detail);
    throw_error(errc::malformed_response, std::move(info));
}

json::object parse_object(std::string_view body)
{
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec)
        throw_malformed(body, "invalid JSON: " + ec.message());
    if (!v.is_object())
        throw_malformed(body, "expected a JSON object");
    return std::move(v.get_object());
}

void check(ShapeError const& err, std::string_view body)
{
    if (err)
        throw_malformed(body, err.message());
}

json::array const& list(json::object const& root, std::string_view key, std::string_view body)
{
    auto const* items = root.if_contains(key);
    if (!items || !items->is_array())
        throw_malformed(body, "expected an array at `" + std::string(key) + "`");
    return items->get_array();
}

ModelInfo read_v1_model(json::object const& m, ShapeError& err)
{
    using namespace llmio::detail;
    ModelInfo info;
    info.id = std::string(string_field(m, "key", err, "models[]"));
    info.display_name = std::string(string_field(m, "display_name", err, "models[]"));
    info.publisher = std::string(string_field(m, "publisher", err, "models[]"));
    info.architecture = std::string(string_field(m, "architecture", err, "models[]"));
    info.format = std::string(string_field(m, "format", err, "models[]"));
    info.size_bytes = integer_field(m, "size_bytes", err, "models[]");
    if (auto const* q = field(m, "quantization")) {
        if (q->is_object())
            info.quantization = std::string(string_field(q->get_object(), "name", err, "quantization"));
        else if (q->is_string())
            info.quantization = std::string(q->get_string());
    }
    auto const type = string_field(m, "type", err, "models[]");
    info.capabilities.context_length = integer_field(m, "max_context_length", err, "models[]");
    info.capabilities.embeddings = type == "embedding";
    if (auto const* caps = object_field(m, "capabilities", err, "models[]")) {
        info.capabilities.vision = bool_field(*caps, "vision", err, "capabilities");
        info.capabilities.tool_use = bool_field(*caps, "trained_for_tool_use", err, "capabilities");
        info.capabilities.reasoning = field(*caps, "reasoning") != nullptr;
    } else if (type == "embedding") {
        info.capabilities.vision = false;
        info.capabilities.tool_use = false;
        info.capabilities.reasoning = false;
    }
    info.type = type == "embedding" ? "embedding" : info.capabilities.vision.value_or(false) ? "vlm" : std::string(type);
    if (auto const* instances = array_field(m, "loaded_instances", err, "models[]")) {
        info.loaded_known = true;
        info.loaded = !instances->empty();
        if (info.loaded && (*instances)[0].is_object()) {
            if (auto const* config = object_field((*instances)[0].get_object(), "config", err, "loaded_instances[0]"))
                info.loaded_context_length = integer_field(*config, "context_length", err, "config");
        }
    }
    if (info.id.empty())
        err.fail("models[]: a model without `key`");
    info.raw = m;
    return info;
}

ModelInfo read_v0_model(json::object const& m, ShapeError& err)
{
    using namespace llmio::detail;
    ModelInfo info;
    info.id = std::string(string_field(m, "id", err, "data[]"));
    info.publisher = std::string(string_field(m, "publisher", err, "data[]"));
    info.architecture = std::string(string_field(m, "arch", err, "data[]"));
    info.quantization = std::string(string_field(m, "quantization", err, "data[]"));
    info.format = std::string(string_field(m, "compatibility_type", err, "data[]"));
    auto const type = string_field(m, "type", err, "data[]");
    info.type = type == "embeddings" ? "embedding" : std::string(type);
    auto const state = string_field(m, "state", err, "data[]");
    if (!state.empty()) {
        info.loaded_known = true;
        info.loaded = state == "loaded";
    }
    info.loaded_context_length = integer_field(m, "loaded_context_length", err, "data[]");
    info.capabilities.context_length = integer_field(m, "max_context_length", err, "data[]");
    info.capabilities.embeddings = info.type == "embedding";
    info.capabilities.vision = info.type == "vlm";
    if (auto const* caps = array_field(m, "capabilities", err, "data[]")) {
        bool tools = false;
        for (auto const& c : *caps)
            tools = tools || (c.is_string() && c.get_string() == "tool_use");
        info.capabilities.tool_use = tools;
    }
    if (info.id.empty())
        err.fail("data[]: a model without `id`");
    info.raw = m;
    return info;
}

template <class Read>
std::vector<ModelInfo> read_models(std::string_view body, std::string_view key, Read read)
{
    auto const root = parse_object(body);
    std::vector<ModelInfo> out;
    ShapeError err;
    for (auto const& item : list(root, key, body)) {
        if (!item.is_object())
            throw_malformed(body, "expected objects in `" + std::string(key) + "`");
        out.push_back(read(item.get_object(), err));
        check(err, body);
    }
    return out;
}

} // namespace

std::vector<ModelInfo> parse_api_v1_models(std::string_view body)
{
    return read_models(body, "models", read_v1_model);
}

std::vector<ModelInfo> parse_api_v0_models(std::string_view body)
{
    return read_models(body, "data", read_v0_model);
}

json::object load_request_body(std::string const& model, LoadOptions const& options)
{
    json::object body{{"model", model}, {"echo_load_config", true}};
    llmio::detail::put_if(body, "context_length", options.context_length);
    llmio::detail::put_if(body, "flash_attention", options.flash_attention);
    for (auto const& [key, value] : options.extra) {
        if (value.is_null())
            body.erase(key);
        else
            body[key] = value;
    }
    return body;
}

LoadResult parse_load_response(std::string_view body, std::string model)
{
    using namespace llmio::detail;
    auto root = parse_object(body);
    ShapeError err;
    LoadResult result;
    result.model = std::move(model);
    result.instance_id = std::string(string_field(root, "instance_id", err));
    result.load_time_seconds = double_field(root, "load_time_seconds", err);
    check(err, body);
    result.raw = std::move(root);
    return result;
}

DownloadState parse_download_state(std::string_view body)
{
    using namespace llmio::detail;
    auto root = parse_object(body);
    ShapeError err;
    DownloadState s;
    s.job_id = std::string(string_field(root, "job_id", err));
    s.status = std::string(string_field(root, "status", err));
    if (auto n = integer_field(root, "downloaded_bytes", err); n && *n >= 0)
        s.downloaded_bytes = static_cast<std::uint64_t>(*n);
    if (auto n = integer_field(root, "total_size_bytes", err); n && *n >= 0)
        s.total_bytes = static_cast<std::uint64_t>(*n);
    s.bytes_per_second = double_field(root, "bytes_per_second", err);
    check(err, body);
    if (s.status.empty())
        throw_malformed(body, "a download answer without `status`");
    if (s.job_id.empty() && !s.finished() && !s.failed())
        throw_malformed(body, "a download in progress without `job_id`");
    s.raw = std::move(root);
    return s;
}

DownloadProgress to_progress(DownloadState const& state)
{
    DownloadProgress p;
    p.status = state.status;
    p.completed_bytes = state.finished() && state.total_bytes ? *state.total_bytes : state.downloaded_bytes;
    p.total_bytes = state.total_bytes;
    p.bytes_per_second = state.bytes_per_second;
    if (state.bytes_per_second && *state.bytes_per_second > 0 && state.total_bytes &&
        *state.total_bytes >= p.completed_bytes) {
        auto const left = static_cast<double>(*state.total_bytes - p.completed_bytes);
        p.eta = std::chrono::seconds(static_cast<std::int64_t>(std::ceil(left / *state.bytes_per_second)));
    }
    return p;
}

} // namespace llmio::lmstudio

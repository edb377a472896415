#include <llmio/discovery.hpp>

#include <boost/json/parse.hpp>

namespace llmio {

std::string_view to_string(ServerKind kind) noexcept
{
    switch (kind) {
    case ServerKind::lmstudio: return "lmstudio";
    case ServerKind::ollama: return "ollama";
    case ServerKind::llamacpp: return "llamacpp";
    case ServerKind::vllm: return "vllm";
    case ServerKind::openai: return "openai";
    }
    return "openai";
}

namespace fingerprint {

namespace json = boost::json;

namespace {
std::optional<json::object> parse_object(std::string_view body)
{
    boost::system::error_code ec;
    auto value = json::parse(body, ec);
    if (ec || !value.is_object())
        return std::nullopt;
    return std::move(value.as_object());
}
} // namespace

bool is_lmstudio_greeting(unsigned status, std::string_view body)
{
    if (status != 200)
        return false;
    auto object = parse_object(body);
    if (!object)
        return false;
    auto const* flag = object->if_contains("lmstudio");
    return flag && flag->is_bool() && flag->get_bool();
}

bool is_ollama_root(unsigned status, std::string_view body)
{
    return status == 200 && body.find("Ollama is running") != std::string_view::npos;
}

bool is_llamacpp_health(unsigned status, std::string_view body)
{
    auto object = parse_object(body);
    if (!object)
        return false;
    if (status == 200) {
        auto const* s = object->if_contains("status");
        return s && s->is_string() && s->get_string() == "ok";
    }
    if (status == 503) {
        auto const* e = object->if_contains("error");
        if (!e || !e->is_object())
            return false;
        auto const* type = e->as_object().if_contains("type");
        return type && type->is_string() && type->get_string() == "unavailable_error";
    }
    return false;
}

ModelsAnswer read_models_answer(unsigned status, std::string_view body)
{
    ModelsAnswer out;
    if (status == 401 || status == 403) {
        out.auth_required = true;
        return out;
    }
    if (status != 200)
        return out;
    auto object = parse_object(body);
    if (!object)
        return out;
    auto const* data = object->if_contains("data");
    if (!data || !data->is_array())
        return out;
    out.openai_shaped = true;
    out.model_count = data->as_array().size();
    for (auto const& entry : data->as_array()) {
        if (!entry.is_object())
            continue;
        auto const* owner = entry.as_object().if_contains("owned_by");
        if (!owner || !owner->is_string())
            continue;
        auto const& name = owner->get_string();
        if (name == "llamacpp")
            out.owner = ServerKind::llamacpp;
        else if (name == "vllm")
            out.owner = ServerKind::vllm;
        else if (name == "organization_owner")
            out.owner = ServerKind::lmstudio;
    }
    return out;
}

} // namespace fingerprint
} // namespace llmio

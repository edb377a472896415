#include <llmio/models.hpp>

#include <llmio/detail/json_read.hpp>

namespace llmio {

namespace json = boost::json;
using boost::system::error_code;

void tag_invoke(json::value_from_tag, json::value& jv, ModelCapabilities const& c)
{
    json::object& o = jv.emplace_object();
    detail::put_if(o, "context_length", c.context_length);
    detail::put_if(o, "tool_use", c.tool_use);
    detail::put_if(o, "vision", c.vision);
    detail::put_if(o, "embeddings", c.embeddings);
    detail::put_if(o, "reasoning", c.reasoning);
}

boost::system::result<ModelCapabilities> tag_invoke(json::try_value_to_tag<ModelCapabilities>,
                                                    json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    ModelCapabilities c;
    c.context_length = detail::integer_field(*o, "context_length", err);
    c.tool_use = detail::bool_field(*o, "tool_use", err);
    c.vision = detail::bool_field(*o, "vision", err);
    c.embeddings = detail::bool_field(*o, "embeddings", err);
    c.reasoning = detail::bool_field(*o, "reasoning", err);
    if (err)
        return err.code();
    return c;
}

void tag_invoke(json::value_from_tag, json::value& jv, ModelInfo const& m)
{
    json::object& o = jv.emplace_object();
    o["id"] = m.id;
    auto put = [&o](std::string_view key, std::string const& value) {
        if (!value.empty())
            o[key] = value;
    };
    put("display_name", m.display_name);
    put("type", m.type);
    put("owned_by", m.owned_by);
    put("publisher", m.publisher);
    put("architecture", m.architecture);
    put("quantization", m.quantization);
    put("format", m.format);
    detail::put_if(o, "size_bytes", m.size_bytes);
    if (m.loaded_known)
        o["loaded"] = m.loaded;
    detail::put_if(o, "loaded_context_length", m.loaded_context_length);
    o["capabilities"] = json::value_from(m.capabilities, o.storage());
    if (!m.raw.is_null())
        o["raw"] = m.raw;
}

boost::system::result<ModelInfo> tag_invoke(json::try_value_to_tag<ModelInfo>,
                                            json::value const& jv)
{
    json::object const* o = jv.if_object();
    if (o == nullptr)
        return error_code(json::error::not_object);
    detail::ShapeError err;
    ModelInfo m;
    m.id = detail::string_field(*o, "id", err);
    m.display_name = detail::string_field(*o, "display_name", err);
    m.type = detail::string_field(*o, "type", err);
    m.owned_by = detail::string_field(*o, "owned_by", err);
    m.publisher = detail::string_field(*o, "publisher", err);
    m.architecture = detail::string_field(*o, "architecture", err);
    m.quantization = detail::string_field(*o, "quantization", err);
    m.format = detail::string_field(*o, "format", err);
    m.size_bytes = detail::integer_field(*o, "size_bytes", err);
    if (auto loaded = detail::bool_field(*o, "loaded", err)) {
        m.loaded_known = true;
        m.loaded = *loaded;
    }
    m.loaded_context_length = detail::integer_field(*o, "loaded_context_length", err);
    std::optional<ModelCapabilities> caps;
    detail::typed_field(*o, "capabilities", caps, err);
    if (caps)
        m.capabilities = *caps;
    if (json::value const* raw = o->if_contains("raw"))
        m.raw = *raw;
    if (err)
        return err.code();
    return m;
}

} // namespace llmio

// OpenAI model listing (`/v1/models`) and the dialects of compatible servers.

#include <llmio/openai/wire.hpp>

#include "wire_common.hpp"

namespace llmio::openai {

namespace json = boost::json;
using llmio::detail::ShapeError;

std::vector<ModelInfo> parse_models(std::string_view body)
{
    json::value const v = detail::parse_body(body);
    json::object const& root = detail::root_object(v, body);
    ShapeError err;
    json::array const* data = llmio::detail::array_field(root, "data", err);
    if (data == nullptr)
        detail::throw_malformed(body, err ? err.message() : "the response has no data array");

    std::vector<ModelInfo> models;
    models.reserve(data->size());
    for (std::size_t i = 0; i < data->size() && !err; ++i) {
        std::string const where = "data[" + std::to_string(i) + "]";
        json::object const* card = (*data)[i].if_object();
        if (card == nullptr)
            detail::throw_malformed(body, where + ": expected an object");
        ModelInfo& m = models.emplace_back();
        llmio::detail::id_field(*card, "id", m.id, err, where);
        if (m.id.empty() && !err)
            detail::throw_malformed(body, where + ": model without an id");
        m.owned_by = llmio::detail::string_field(*card, "owned_by", err, where);

        // llama.cpp: `meta` with the training context and the file size.
        if (json::object const* meta = llmio::detail::object_field(*card, "meta", err, where)) {
            m.capabilities.context_length =
                llmio::detail::integer_field(*meta, "n_ctx_train", err, where + ".meta");
            m.size_bytes = llmio::detail::integer_field(*meta, "size", err, where + ".meta");
        }
        // vLLM: the configured maximum length.
        if (auto len = llmio::detail::integer_field(*card, "max_model_len", err, where))
            m.capabilities.context_length = len;
        // llama.cpp router mode: {"status": {"value": "loaded" | "unloaded" | "loading" ...}}.
        if (json::object const* status =
                llmio::detail::object_field(*card, "status", err, where)) {
            std::string_view value =
                llmio::detail::string_field(*status, "value", err, where + ".status");
            if (!value.empty()) {
                m.loaded_known = true;
                m.loaded = value == "loaded";
            }
        }
        m.raw = *card;
    }
    if (err)
        detail::throw_malformed(body, err.message());
    return models;
}

} // namespace llmio::openai

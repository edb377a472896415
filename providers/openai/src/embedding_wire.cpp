// OpenAI embeddings (`/v1/embeddings`).

#include <llmio/openai/wire.hpp>

#include "wire_common.hpp"

namespace llmio::openai {

namespace json = boost::json;
using llmio::detail::put_if;
using llmio::detail::ShapeError;

json::object embedding_request_body(EmbeddingRequest const& r)
{
    json::object body;
    if (!r.model.empty())
        body["model"] = r.model;
    if (r.input.size() == 1)
        body["input"] = r.input.front();
    else
        body["input"] = json::value_from(r.input, body.storage());
    if (r.encoding)
        body["encoding_format"] = to_string(*r.encoding);
    put_if(body, "dimensions", r.dimensions);
    put_if(body, "user", r.user);
    llmio::detail::merge_extra(body, r.extra);
    return body;
}

EmbeddingResponse parse_embedding_response(std::string_view body)
{
    json::value const v = detail::parse_body(body);
    json::object const& root = detail::root_object(v, body);
    ShapeError err;
    EmbeddingResponse r;
    r.model = llmio::detail::string_field(root, "model", err);
    json::array const* data = llmio::detail::array_field(root, "data", err);
    if (data == nullptr) {
        detail::throw_malformed(body, err ? err.message() : "the response has no data array");
    }

    std::size_t const n = data->size();
    r.embeddings.resize(n);
    std::vector<bool> seen(n, false);
    std::optional<bool> indexed; // all items carry `index`, or none does
    for (std::size_t i = 0; i < n; ++i) {
        std::string const where = "data[" + std::to_string(i) + "]";
        json::object const* item = (*data)[i].if_object();
        if (item == nullptr)
            detail::throw_malformed(body, where + ": expected an object");
        auto index = llmio::detail::integer_field(*item, "index", err, where);
        if (err)
            break;
        if (indexed.value_or(index.has_value()) != index.has_value())
            detail::throw_malformed(body, where + ": some items have an index and some do not");
        indexed = index.has_value();
        std::int64_t const at = index.value_or(static_cast<std::int64_t>(i));
        if (at < 0 || static_cast<std::size_t>(at) >= n)
            detail::throw_malformed(body, where + ".index: " + std::to_string(at) +
                                              " is outside 0.." + std::to_string(n - 1));
        if (seen[static_cast<std::size_t>(at)])
            detail::throw_malformed(body, where + ".index: " + std::to_string(at) +
                                              " appears twice");
        seen[static_cast<std::size_t>(at)] = true;

        std::vector<float>& out = r.embeddings[static_cast<std::size_t>(at)];
        json::value const* e = llmio::detail::field(*item, "embedding");
        if (e == nullptr)
            detail::throw_malformed(body, where + ": no embedding");
        if (json::string const* b64 = e->if_string()) {
            if (!decode_base64_floats(*b64, out))
                detail::throw_malformed(body, where + ".embedding: not base64 of float32 values");
        } else if (json::array const* numbers = e->if_array()) {
            out.reserve(numbers->size());
            for (json::value const& x : *numbers) {
                auto d = llmio::detail::as_double(x);
                if (!d)
                    detail::throw_malformed(body, where + ".embedding: expected numbers");
                out.push_back(static_cast<float>(*d));
            }
        } else {
            detail::throw_malformed(body, where + ".embedding: expected an array or a string");
        }
    }
    r.usage = detail::read_usage(root, err);
    if (err)
        detail::throw_malformed(body, err.message());
    return r;
}

} // namespace llmio::openai

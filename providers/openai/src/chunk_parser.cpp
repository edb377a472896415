// OpenAI stream events: `chat.completion.chunk` and `text_completion` chunks.

#include <llmio/openai/wire.hpp>

#include "wire_common.hpp"

#include <boost/json/parse.hpp>

#include <limits>

namespace llmio::openai {

namespace json = boost::json;
using llmio::detail::ShapeError;

namespace {

json::parse_options stream_parse_options()
{
    json::parse_options opts;
    // A server may cut a multi-byte character between two events; the joined text is fine.
    opts.allow_invalid_utf8 = true;
    return opts;
}

bool is_done(std::string_view data)
{
    auto const first = data.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return false;
    data.remove_prefix(first);
    data = data.substr(0, data.find_last_not_of(" \t\r\n") + 1);
    return data == "[DONE]";
}

// The event's `error` member when it is present and not null.
bool has_error(json::object const& root)
{
    return llmio::detail::field(root, "error") != nullptr;
}

void read_tool_call_deltas(json::array const& calls, std::vector<ToolCallDelta>& out,
                           ShapeError& err)
{
    out.reserve(calls.size());
    for (json::value const& v : calls) {
        json::object const* c = v.if_object();
        if (c == nullptr) {
            err.expected("delta", "tool_calls", "an array of objects", v, json::error::not_object);
            return;
        }
        ToolCallDelta& d = out.emplace_back();
        if (auto index = llmio::detail::integer_field(*c, "index", err, "delta.tool_calls")) {
            if (*index < 0 || *index > std::numeric_limits<int>::max()) {
                err.fail("delta.tool_calls.index: out of range", json::error::not_exact);
                return;
            }
            d.index = static_cast<int>(*index);
        }
        llmio::detail::id_field(*c, "id", d.id, err, "delta.tool_calls");
        if (json::object const* f =
                llmio::detail::object_field(*c, "function", err, "delta.tool_calls")) {
            d.name = llmio::detail::string_field(*f, "name", err, "delta.tool_calls.function");
            detail::append_arguments(*f, d.arguments, err, "delta.tool_calls.function");
            if (d.id.empty()) // early llama.cpp put the id inside `function`
                llmio::detail::id_field(*f, "id", d.id, err, "delta.tool_calls.function");
        }
    }
}

// The choice's index as an int (0 when absent).
int choice_index(json::object const& choice, ShapeError& err)
{
    auto index = llmio::detail::integer_field(choice, "index", err, "choices[]");
    if (!index)
        return 0;
    if (*index < 0 || *index > std::numeric_limits<int>::max()) {
        err.fail("choices[].index: out of range", json::error::not_exact);
        return 0;
    }
    return static_cast<int>(*index);
}

} // namespace

ChunkParser::ChunkParser()
    : arena_(new unsigned char[kArenaSize])
    , resource_(arena_.get(), kArenaSize)
    , parser_(json::storage_ptr(), stream_parse_options())
{
}

json::value ChunkParser::parse_value(std::string_view data)
{
    // The previous event's values are gone (they never leave parse()), so the arena can be
    // rewound: steady state allocates nothing for the DOM.
    resource_.release();
    parser_.reset(json::storage_ptr(&resource_));
    boost::system::error_code ec;
    parser_.write(data.data(), data.size(), ec);
    if (ec)
        detail::throw_malformed(data, "invalid JSON in stream event: " + ec.message());
    return parser_.release();
}

ChunkResult ChunkParser::parse(std::string_view data)
{
    if (is_done(data))
        return StreamDone{};
    json::value const v = parse_value(data);
    json::object const& root = detail::root_object(v, data);
    if (has_error(root))
        return InBandError{json::value(v, json::storage_ptr())}; // copy out of the arena

    ShapeError err;
    ChatChunk chunk;
    llmio::detail::id_field(root, "id", chunk.id, err);
    chunk.model = llmio::detail::string_field(root, "model", err);

    json::array const* choices = llmio::detail::array_field(root, "choices", err);
    json::object const* choice = choices ? detail::pick_choice(*choices, err) : nullptr;
    if (choice == nullptr) {
        chunk.no_choice = true;
    } else {
        chunk.choice_index = choice_index(*choice, err);
        json::object const* delta = llmio::detail::object_field(*choice, "delta", err, "choices[]");
        if (delta == nullptr) // a few servers send `message` in stream chunks
            delta = llmio::detail::object_field(*choice, "message", err, "choices[]");
        if (delta != nullptr) {
            detail::append_content(*delta, "content", chunk.content, err, "delta");
            detail::append_content(*delta, "reasoning_content", chunk.reasoning, err, "delta");
            if (chunk.reasoning.empty())
                detail::append_content(*delta, "reasoning", chunk.reasoning, err, "delta");
            detail::append_content(*delta, "refusal", chunk.refusal, err, "delta");
            if (json::array const* calls =
                    llmio::detail::array_field(*delta, "tool_calls", err, "delta"))
                read_tool_call_deltas(*calls, chunk.tool_calls, err);
        }
        chunk.finish_reason =
            detail::read_finish(*choice, chunk.finish_reason_raw, err, "choices[]", true);
    }
    chunk.usage = detail::read_usage(root, err);
    chunk.stats = detail::read_timings(root, err);
    if (err)
        detail::throw_malformed(data, err.message());
    return chunk;
}

CompletionChunkResult ChunkParser::parse_completion(std::string_view data)
{
    if (is_done(data))
        return StreamDone{};
    json::value const v = parse_value(data);
    json::object const& root = detail::root_object(v, data);
    if (has_error(root))
        return InBandError{json::value(v, json::storage_ptr())};

    ShapeError err;
    CompletionChunk chunk;
    llmio::detail::id_field(root, "id", chunk.id, err);
    chunk.model = llmio::detail::string_field(root, "model", err);
    json::array const* choices = llmio::detail::array_field(root, "choices", err);
    json::object const* choice = choices ? detail::pick_choice(*choices, err) : nullptr;
    if (choice == nullptr) {
        chunk.no_choice = true;
    } else {
        chunk.index = choice_index(*choice, err);
        chunk.text = llmio::detail::string_field(*choice, "text", err, "choices[]");
        chunk.finish_reason =
            detail::read_finish(*choice, chunk.finish_reason_raw, err, "choices[]", true);
    }
    chunk.usage = detail::read_usage(root, err);
    chunk.stats = detail::read_timings(root, err);
    if (err)
        detail::throw_malformed(data, err.message());
    return chunk;
}

InBandError in_band_error_from_field(std::string_view value)
{
    boost::system::error_code ec;
    json::value v = json::parse(value, ec);
    if (ec)
        return InBandError{json::object{{"error", {{"message", value}}}}};
    if (json::object const* o = v.if_object(); o != nullptr && has_error(*o))
        return InBandError{std::move(v)};
    return InBandError{json::object{{"error", std::move(v)}}};
}

} // namespace llmio::openai

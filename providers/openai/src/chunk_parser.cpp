// OpenAI stream events: `chat.completion.chunk` and `text_completion` chunks.

#include <llmio/openai/wire.hpp>

#include <llmio/openai/chunk_fast_path.hpp>

#include "wire_common.hpp"

#include <limits>

namespace llmio::openai {

namespace json = boost::json;
using llmio::detail::ShapeError;

namespace {

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

// The choice's index as an int (0 when null).
int choice_index(json::value const& v, ShapeError& err)
{
    if (v.is_null())
        return 0;
    auto index = llmio::detail::as_integer(v);
    if (!index) {
        err.expected("choices[]", "index", "an integer", v,
                     v.is_number() ? json::error::not_exact : json::error::not_number);
        return 0;
    }
    if (*index < 0 || *index > std::numeric_limits<int>::max()) {
        err.fail("choices[].index: out of range", json::error::not_exact);
        return 0;
    }
    return static_cast<int>(*index);
}

void read_delta(json::object const& delta, ChatChunk& chunk, ShapeError& err)
{
    json::value const* content = nullptr;
    json::value const* reasoning_content = nullptr;
    json::value const* reasoning = nullptr;
    json::value const* refusal = nullptr;
    json::value const* tool_calls = nullptr;
    for (auto const& kv : delta) {
        std::string_view const key = kv.key();
        if (key == "content")
            content = &kv.value();
        else if (key == "reasoning_content")
            reasoning_content = &kv.value();
        else if (key == "reasoning")
            reasoning = &kv.value();
        else if (key == "tool_calls")
            tool_calls = &kv.value();
        else if (key == "refusal")
            refusal = &kv.value();
    }
    if (content != nullptr)
        detail::append_content(*content, "content", chunk.content, err, "delta");
    if (reasoning_content != nullptr)
        detail::append_content(*reasoning_content, "reasoning_content", chunk.reasoning, err,
                               "delta");
    if (reasoning != nullptr && chunk.reasoning.empty())
        detail::append_content(*reasoning, "reasoning", chunk.reasoning, err, "delta");
    if (refusal != nullptr)
        detail::append_content(*refusal, "refusal", chunk.refusal, err, "delta");
    if (tool_calls != nullptr && !tool_calls->is_null()) {
        if (json::array const* calls = tool_calls->if_array())
            read_tool_call_deltas(*calls, chunk.tool_calls, err);
        else
            err.expected("delta", "tool_calls", "an array", *tool_calls, json::error::not_array);
    }
}

} // namespace

ChunkParser::ChunkParser(Reader reader)
    : fast_(reader == Reader::fast_then_dom ? std::make_unique<ChunkFastPath>() : nullptr)
{
}

ChunkParser::~ChunkParser() = default;

json::value const& ChunkParser::parse_value(std::string_view data)
{
    boost::system::error_code ec;
    auto const& value = dom_.parse(data, ec);
    if (ec)
        detail::throw_malformed(data, "invalid JSON in stream event: " + ec.message());
    return value;
}

ChunkResult ChunkParser::parse(std::string_view data)
{
    ChunkResult result{std::in_place_type<ChatChunk>};
    switch (parse_into(data, std::get<ChatChunk>(result))) {
    case ChunkEvent::chunk:
        break;
    case ChunkEvent::done:
        result = StreamDone{};
        break;
    case ChunkEvent::error:
        result = InBandError{std::string(data)};
        break;
    }
    return result;
}

ChunkEvent ChunkParser::parse_into(std::string_view data, ChatChunk& out)
{
    if (is_done(data))
        return ChunkEvent::done;
    if (fast_ && fast_->parse(data, out))
        return ChunkEvent::chunk;
    json::value const& v = parse_value(data);
    json::object const& root = detail::root_object(v, data);

    // One pass over each object's keys instead of a lookup per field: this is the per-token
    // path, and most keys (object, created, system_fingerprint ...) are not needed.
    json::value const* error = nullptr;
    json::value const* id = nullptr;
    json::value const* model = nullptr;
    json::value const* choices = nullptr;
    json::value const* usage = nullptr;
    json::value const* timings = nullptr;
    for (auto const& kv : root) {
        std::string_view const key = kv.key();
        if (key == "choices")
            choices = &kv.value();
        else if (key == "id")
            id = &kv.value();
        else if (key == "model")
            model = &kv.value();
        else if (key == "usage")
            usage = &kv.value();
        else if (key == "timings")
            timings = &kv.value();
        else if (key == "error")
            error = &kv.value();
    }
    if (error != nullptr && !error->is_null())
        return ChunkEvent::error; // the caller maps `data` as received

    ShapeError err;
    ChatChunk chunk;
    if (id != nullptr)
        llmio::detail::read_id(*id, "id", chunk.id, err);
    if (model != nullptr && !model->is_null()) {
        if (json::string const* m = model->if_string())
            chunk.model.assign(m->data(), m->size());
        else
            err.expected("", "model", "a string", *model, json::error::not_string);
    }

    json::object const* choice = nullptr;
    if (choices != nullptr && !choices->is_null()) {
        if (json::array const* list = choices->if_array())
            choice = detail::pick_choice(*list, err);
        else
            err.expected("", "choices", "an array", *choices, json::error::not_array);
    }
    if (choice == nullptr) {
        chunk.no_choice = true;
    } else {
        json::value const* index = nullptr;
        json::value const* delta = nullptr;
        json::value const* message = nullptr;
        json::value const* finish = nullptr;
        for (auto const& kv : *choice) {
            std::string_view const key = kv.key();
            if (key == "delta")
                delta = &kv.value();
            else if (key == "finish_reason")
                finish = &kv.value();
            else if (key == "index")
                index = &kv.value();
            else if (key == "message")
                message = &kv.value();
        }
        if (index != nullptr)
            chunk.choice_index = choice_index(*index, err);
        if (delta == nullptr || delta->is_null())
            delta = message; // a few servers send `message` in stream chunks
        if (delta != nullptr && !delta->is_null()) {
            if (json::object const* d = delta->if_object())
                read_delta(*d, chunk, err);
            else
                err.expected("choices[]", "delta", "an object", *delta, json::error::not_object);
        }
        if (finish != nullptr)
            chunk.finish_reason =
                detail::read_finish(*finish, chunk.finish_reason_raw, err, "choices[]", true);
    }
    if (usage != nullptr)
        chunk.usage = detail::read_usage(*usage, err);
    if (timings != nullptr)
        chunk.stats = detail::read_timings(*timings, err);
    if (err)
        detail::throw_malformed(data, err.message());
    out = std::move(chunk);
    return ChunkEvent::chunk;
}

CompletionChunkResult ChunkParser::parse_completion(std::string_view data)
{
    CompletionChunkResult result{std::in_place_type<CompletionChunk>};
    switch (parse_into(data, std::get<CompletionChunk>(result))) {
    case ChunkEvent::chunk:
        break;
    case ChunkEvent::done:
        result = StreamDone{};
        break;
    case ChunkEvent::error:
        result = InBandError{std::string(data)};
        break;
    }
    return result;
}

ChunkEvent ChunkParser::parse_into(std::string_view data, CompletionChunk& out)
{
    if (is_done(data))
        return ChunkEvent::done;
    json::value const& v = parse_value(data);
    json::object const& root = detail::root_object(v, data);
    if (has_error(root))
        return ChunkEvent::error; // the caller maps `data` as received

    ShapeError err;
    CompletionChunk chunk;
    llmio::detail::id_field(root, "id", chunk.id, err);
    chunk.model = llmio::detail::string_field(root, "model", err);
    json::array const* choices = llmio::detail::array_field(root, "choices", err);
    json::object const* choice = choices ? detail::pick_choice(*choices, err) : nullptr;
    if (choice == nullptr) {
        chunk.no_choice = true;
    } else {
        if (json::value const* index = choice->if_contains("index"))
            chunk.index = choice_index(*index, err);
        chunk.text = llmio::detail::string_field(*choice, "text", err, "choices[]");
        chunk.finish_reason =
            detail::read_finish(*choice, chunk.finish_reason_raw, err, "choices[]", true);
    }
    chunk.usage = detail::read_usage(root, err);
    chunk.stats = detail::read_timings(root, err);
    if (err)
        detail::throw_malformed(data, err.message());
    out = std::move(chunk);
    return ChunkEvent::chunk;
}

} // namespace llmio::openai

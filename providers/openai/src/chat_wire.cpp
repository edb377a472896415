// OpenAI chat completions: request body and non-streamed response.

#include <llmio/detail/parsed_document.hpp>
#include <llmio/openai/wire.hpp>

#include "wire_common.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

namespace llmio::openai {

namespace json = boost::json;
using llmio::detail::put_if;

namespace {

json::value content_parts(Message const& m)
{
    json::array parts;
    parts.reserve(m.parts.size() + 1);
    if (!m.content.empty())
        parts.push_back({{"type", "text"}, {"text", m.content}});
    for (ContentPart const& p : m.parts) {
        if (p.type == ContentPart::Type::text) {
            parts.push_back({{"type", "text"}, {"text", p.text}});
        } else {
            json::object image{{"url", p.url}};
            if (!p.detail.empty())
                image["detail"] = p.detail;
            parts.push_back({{"type", "image_url"}, {"image_url", std::move(image)}});
        }
    }
    return parts;
}

json::object tool_to_json(ToolDefinition const& t)
{
    json::object function{{"name", t.name}};
    if (!t.description.empty())
        function["description"] = t.description;
    if (t.parameters.empty())
        function["parameters"] = {{"type", "object"}, {"properties", json::object()}};
    else
        function["parameters"] = t.parameters;
    put_if(function, "strict", t.strict);
    return {{"type", "function"}, {"function", std::move(function)}};
}

json::value tool_choice_to_json(ToolChoice const& c)
{
    switch (c.mode) {
    case ToolChoice::Mode::automatic: return "auto";
    case ToolChoice::Mode::none: return "none";
    case ToolChoice::Mode::required: return "required";
    case ToolChoice::Mode::function:
        return {{"type", "function"}, {"function", {{"name", c.function_name}}}};
    }
    return "auto";
}

json::object response_format_to_json(ResponseFormat const& f)
{
    switch (f.type) {
    case ResponseFormat::Type::text: return {{"type", "text"}};
    case ResponseFormat::Type::json_object: return {{"type", "json_object"}};
    case ResponseFormat::Type::json_schema: break;
    }
    json::object schema{{"name", f.name}};
    if (!f.description.empty())
        schema["description"] = f.description;
    schema["schema"] = f.schema;
    put_if(schema, "strict", f.strict);
    return {{"type", "json_schema"}, {"json_schema", std::move(schema)}};
}

} // namespace

json::object message_to_json(Message const& m, json::storage_ptr storage)
{
    json::object o(std::move(storage));
    o["role"] = to_string(m.role);
    if (!m.parts.empty())
        o["content"] = content_parts(m);
    else if (m.content.empty() && !m.tool_calls.empty())
        o["content"] = nullptr; // what OpenAI itself sends for a tool-calls-only turn
    else
        o["content"] = m.content;
    if (!m.tool_calls.empty()) {
        json::array& calls = o["tool_calls"].emplace_array();
        calls.reserve(m.tool_calls.size());
        for (ToolCall const& c : m.tool_calls) {
            // Servers that render calls through a template parse the arguments: never send "".
            std::string_view args = c.arguments.empty() ? std::string_view("{}") : c.arguments;
            calls.push_back({{"id", c.id},
                             {"type", "function"},
                             {"function", {{"name", c.name}, {"arguments", args}}}});
        }
    }
    if (!m.tool_call_id.empty())
        o["tool_call_id"] = m.tool_call_id;
    if (!m.name.empty())
        o["name"] = m.name;
    return o;
}

bool add_llamacpp_json_schema(json::object& body)
{
    if (body.contains("json_schema"))
        return false;
    auto const* format = body.if_contains("response_format");
    auto const* f = format ? format->if_object() : nullptr;
    auto const* type = f ? f->if_contains("type") : nullptr;
    if (!type || !type->is_string() || type->get_string() != "json_schema")
        return false;
    auto const* wrapper = f->if_contains("json_schema");
    auto const* w = wrapper ? wrapper->if_object() : nullptr;
    auto const* schema = w ? w->if_contains("schema") : nullptr;
    if (!schema)
        return false;
    json::value copy = *schema;
    body["json_schema"] = std::move(copy);
    return true;
}

json::object chat_request_body(ChatRequest const& r, bool stream, bool include_usage_default,
                               json::storage_ptr storage)
{
    json::object body(std::move(storage));
    if (!r.model.empty())
        body["model"] = r.model;
    json::array& messages = body["messages"].emplace_array();
    messages.reserve(r.messages.size());
    for (Message const& m : r.messages)
        messages.push_back(message_to_json(m, body.storage()));
    put_if(body, "temperature", r.temperature);
    put_if(body, "top_p", r.top_p);
    put_if(body, "max_tokens", r.max_tokens);
    if (!r.stop.empty())
        body["stop"] = json::value_from(r.stop, body.storage());
    put_if(body, "seed", r.seed);
    put_if(body, "presence_penalty", r.presence_penalty);
    put_if(body, "frequency_penalty", r.frequency_penalty);
    if (!r.tools.empty()) {
        json::array& tools = body["tools"].emplace_array();
        tools.reserve(r.tools.size());
        for (ToolDefinition const& t : r.tools)
            tools.push_back(tool_to_json(t));
    }
    if (r.tool_choice)
        body["tool_choice"] = tool_choice_to_json(*r.tool_choice);
    put_if(body, "parallel_tool_calls", r.parallel_tool_calls);
    if (r.response_format)
        body["response_format"] = response_format_to_json(*r.response_format);
    put_if(body, "reasoning_effort", r.reasoning_effort);
    if (stream) {
        body["stream"] = true;
        if (r.include_usage.value_or(include_usage_default))
            body["stream_options"] = {{"include_usage", true}};
    }
    llmio::detail::merge_extra(body, r.extra);
    return body;
}

std::string chat_request_text(ChatRequest const& r, bool stream, bool include_usage_default)
{
    // A short chat's body fits (the arena takes heap blocks beyond it); the DOM is thrown away
    // once serialized, and a monotonic arena frees it all at once.
    unsigned char scratch[4096];
    json::monotonic_resource arena(scratch, sizeof scratch);
    json::object const body = chat_request_body(r, stream, include_usage_default, &arena);
    return json::serialize(body);
}

namespace {

void read_tool_calls(json::object const& message, std::vector<ToolCall>& out,
                     detail::ShapeError& err)
{
    json::array const* calls = llmio::detail::array_field(message, "tool_calls", err, "message");
    if (calls == nullptr) {
        // Deprecated single `function_call` (pre-tools servers).
        if (json::object const* fc =
                llmio::detail::object_field(message, "function_call", err, "message")) {
            ToolCall& call = out.emplace_back();
            call.name = llmio::detail::string_field(*fc, "name", err, "message.function_call");
            detail::append_arguments(*fc, call.arguments, err, "message.function_call");
            call.id = "call_0";
        }
        return;
    }
    out.reserve(calls->size());
    for (json::value const& v : *calls) {
        json::object const* c = v.if_object();
        if (c == nullptr) {
            err.expected("message", "tool_calls", "an array of objects", v,
                         json::error::not_object);
            return;
        }
        ToolCall& call = out.emplace_back();
        llmio::detail::id_field(*c, "id", call.id, err, "message.tool_calls");
        if (json::object const* f =
                llmio::detail::object_field(*c, "function", err, "message.tool_calls")) {
            call.name = llmio::detail::string_field(*f, "name", err, "message.tool_calls.function");
            detail::append_arguments(*f, call.arguments, err, "message.tool_calls.function");
            if (call.id.empty()) // early llama.cpp put the id inside `function`
                llmio::detail::id_field(*f, "id", call.id, err, "message.tool_calls.function");
        }
        if (call.id.empty())
            call.id = "call_" + std::to_string(out.size() - 1);
    }
}

} // namespace

ChatResponse parse_chat_response(std::string_view body)
{
    json::value v = detail::parse_body(body);
    json::object const& root = detail::root_object(v, body);
    detail::ShapeError err;
    ChatResponse r;
    llmio::detail::id_field(root, "id", r.id, err);
    r.model = llmio::detail::string_field(root, "model", err);

    json::array const* choices = llmio::detail::array_field(root, "choices", err);
    json::object const* choice = choices ? detail::pick_choice(*choices, err) : nullptr;
    if (choice == nullptr && !err)
        detail::throw_malformed(body, "the response has no choices");
    if (choice != nullptr) {
        if (json::object const* message =
                llmio::detail::object_field(*choice, "message", err, "choices[0]")) {
            detail::append_content(*message, "content", r.content, err, "message");
            detail::append_content(*message, "reasoning_content", r.reasoning, err, "message");
            if (r.reasoning.empty())
                detail::append_content(*message, "reasoning", r.reasoning, err, "message");
            r.refusal = llmio::detail::string_field(*message, "refusal", err, "message");
            read_tool_calls(*message, r.tool_calls, err);
        }
        r.finish_reason = detail::read_finish(*choice, r.finish_reason_raw, err, "choices[0]", false)
                              .value_or(FinishReason::none);
    }
    r.usage = detail::read_usage(root, err);
    r.stats = detail::read_timings(root, err);
    if (err)
        detail::throw_malformed(body, err.message());
    llmio::detail::adopt(r.raw, std::move(v)); // keeps the parsed document, no copy
    return r;
}

} // namespace llmio::openai

#include "openai_request.hpp"

#include "api_error.hpp"

#include <llmio/detail/parsed_document.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <tuple>
#include <utility>

namespace llmio::gateway {

namespace json = boost::json;

namespace {

// The fields read into ChatRequest's members; any other field travels in `extra`.
constexpr std::string_view kCompletionFields[] = {
    "model", "prompt", "suffix", "max_tokens", "temperature", "top_p", "n", "best_of", "logprobs", "echo", "stop",
    "presence_penalty", "frequency_penalty", "seed", "user", "stream", "stream_options"};
constexpr std::string_view kEmbeddingFields[] = {"model", "input", "encoding_format", "dimensions", "user"};

constexpr std::string_view kChatFields[] = {
    "model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "seed",
    "presence_penalty", "frequency_penalty", "tools", "tool_choice", "parallel_tool_calls",
    "response_format", "stream", "stream_options", "reasoning_effort"};

std::string text_field(json::object const& object, std::string_view key, std::string const& where)
{
    auto const* value = object.if_contains(key);
    if (!value || !value->is_string())
        throw_invalid("'" + where + std::string(key) + "' must be a string", where + std::string(key));
    return std::string(value->get_string());
}

std::optional<double> number_field(json::object const& object, std::string_view key)
{
    auto const* value = object.if_contains(key);
    if (!value || value->is_null())
        return std::nullopt;
    if (!value->is_number())
        throw_invalid("'" + std::string(key) + "' must be a number", std::string(key));
    return value->to_number<double>();
}

std::optional<std::int64_t> integer_field(json::object const& object, std::string_view key)
{
    auto const* value = object.if_contains(key);
    if (!value || value->is_null())
        return std::nullopt;
    if (value->is_int64())
        return value->get_int64();
    if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(value->get_uint64());
    throw_invalid("'" + std::string(key) + "' must be an integer", std::string(key));
}

std::optional<bool> bool_field(json::object const& object, std::string_view key, std::string const& where = {})
{
    auto const* value = object.if_contains(key);
    if (!value || value->is_null())
        return std::nullopt;
    if (!value->is_bool())
        throw_invalid("'" + where + std::string(key) + "' must be a boolean", where + std::string(key));
    return value->get_bool();
}

// The member `key`, or null when absent (never a temporary: callers keep references into it).
json::value const& member(json::object const& object, std::string_view key)
{
    static json::value const null;
    auto const* value = object.if_contains(key);
    return value ? *value : null;
}

json::object const& object_field(json::value const& value, std::string const& where)
{
    if (!value.is_object())
        throw_invalid("'" + where + "' must be an object", where);
    return value.get_object();
}

// "text" or "image_url" parts; anything else is refused (llmio cannot carry it on).
std::vector<ContentPart> read_parts(json::array const& parts, std::string const& where)
{
    std::vector<ContentPart> out;
    out.reserve(parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i) {
        auto const at = where + "[" + std::to_string(i) + "]";
        auto const& part = object_field(parts[i], at);
        auto const type = text_field(part, "type", at + ".");
        if (type == "text") {
            out.push_back(ContentPart::from_text(text_field(part, "text", at + ".")));
        } else if (type == "image_url") {
            auto const* image = part.if_contains("image_url");
            if (image && image->is_string()) {
                out.push_back(ContentPart::image(std::string(image->get_string())));
            } else {
                auto const& fields = object_field(member(part, "image_url"), at + ".image_url");
                std::string detail;
                if (fields.contains("detail"))
                    detail = text_field(fields, "detail", at + ".image_url.");
                out.push_back(ContentPart::image(text_field(fields, "url", at + ".image_url."), std::move(detail)));
            }
        } else {
            throw_invalid("'" + at + ".type' must be \"text\" or \"image_url\" (not \"" + type + "\")", at + ".type");
        }
    }
    return out;
}

std::vector<ToolCall> read_tool_calls(json::value const& value, std::string const& where)
{
    if (!value.is_array())
        throw_invalid("'" + where + "' must be an array", where);
    std::vector<ToolCall> calls;
    auto const& array = value.get_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
        auto const at = where + "[" + std::to_string(i) + "]";
        auto const& call = object_field(array[i], at);
        auto const& function = object_field(member(call, "function"),
                                            at + ".function");
        ToolCall out;
        if (call.contains("id"))
            out.id = text_field(call, "id", at + ".");
        out.name = text_field(function, "name", at + ".function.");
        auto const* arguments = function.if_contains("arguments");
        if (arguments && arguments->is_string())
            out.arguments = std::string(arguments->get_string());
        else if (arguments && arguments->is_object())
            out.arguments = json::serialize(*arguments);
        else
            out.arguments = "{}";
        calls.push_back(std::move(out));
    }
    return calls;
}

Message read_message(json::value const& value, std::string const& where)
{
    auto const& object = object_field(value, where);
    Message message;
    auto const role_text = text_field(object, "role", where + ".");
    auto const role = role_from_string(role_text);
    if (!role)
        throw_invalid("'" + where + ".role' must be system, developer, user, assistant or tool (not \"" +
                          role_text + "\")",
                      where + ".role");
    message.role = *role;
    if (auto const* content = object.if_contains("content")) {
        if (content->is_string())
            message.content = std::string(content->get_string());
        else if (content->is_array())
            message.parts = read_parts(content->get_array(), where + ".content");
        else if (!content->is_null())
            throw_invalid("'" + where + ".content' must be a string, an array of parts or null", where + ".content");
    }
    if (auto const* name = object.if_contains("name"); name && !name->is_null())
        message.name = text_field(object, "name", where + ".");
    if (auto const* calls = object.if_contains("tool_calls"); calls && !calls->is_null())
        message.tool_calls = read_tool_calls(*calls, where + ".tool_calls");
    if (auto const* id = object.if_contains("tool_call_id"); id && !id->is_null())
        message.tool_call_id = text_field(object, "tool_call_id", where + ".");
    return message;
}

std::vector<ToolDefinition> read_tools(json::value const& value)
{
    if (!value.is_array())
        throw_invalid("'tools' must be an array", "tools");
    std::vector<ToolDefinition> tools;
    auto const& array = value.get_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
        auto const at = "tools[" + std::to_string(i) + "]";
        auto const& tool = object_field(array[i], at);
        auto const& function = object_field(member(tool, "function"),
                                            at + ".function");
        ToolDefinition out;
        out.name = text_field(function, "name", at + ".function.");
        if (function.contains("description"))
            out.description = text_field(function, "description", at + ".function.");
        if (auto const* parameters = function.if_contains("parameters"); parameters && !parameters->is_null())
            out.parameters = object_field(*parameters, at + ".function.parameters");
        out.strict = bool_field(function, "strict", at + ".function.");
        tools.push_back(std::move(out));
    }
    return tools;
}

ToolChoice read_tool_choice(json::value const& value)
{
    if (value.is_string()) {
        auto const mode = value.get_string();
        if (mode == "auto")
            return ToolChoice::automatic();
        if (mode == "none")
            return ToolChoice::none();
        if (mode == "required")
            return ToolChoice::required();
        throw_invalid("'tool_choice' must be \"auto\", \"none\", \"required\" or a function", "tool_choice");
    }
    auto const& object = object_field(value, "tool_choice");
    auto const& function = object_field(member(object, "function"),
                                        "tool_choice.function");
    return ToolChoice::function(text_field(function, "name", "tool_choice.function."));
}

ResponseFormat read_response_format(json::value const& value)
{
    auto const& object = object_field(value, "response_format");
    auto const type = text_field(object, "type", "response_format.");
    if (type == "text")
        return ResponseFormat::text();
    if (type == "json_object")
        return ResponseFormat::json_object();
    if (type != "json_schema")
        throw_invalid("'response_format.type' must be text, json_object or json_schema", "response_format.type");
    auto const& spec = object_field(member(object, "json_schema"),
                                    "response_format.json_schema");
    ResponseFormat format;
    format.type = ResponseFormat::Type::json_schema;
    format.name = text_field(spec, "name", "response_format.json_schema.");
    if (spec.contains("description"))
        format.description = text_field(spec, "description", "response_format.json_schema.");
    if (auto const* schema = spec.if_contains("schema"))
        format.schema = object_field(*schema, "response_format.json_schema.schema");
    format.strict = bool_field(spec, "strict", "response_format.json_schema.");
    return format;
}

std::vector<std::string> read_stop(json::value const& value)
{
    if (value.is_null())
        return {};
    if (value.is_string())
        return {std::string(value.get_string())};
    std::vector<std::string> out;
    if (value.is_array())
        for (auto const& item : value.get_array()) {
            if (!item.is_string())
                throw_invalid("'stop' must be a string or an array of strings", "stop");
            out.emplace_back(item.get_string());
        }
    else
        throw_invalid("'stop' must be a string or an array of strings", "stop");
    return out;
}

// `stream` and `stream_options.include_usage`.
std::pair<bool, bool> read_streaming(json::object const& body)
{
    bool const stream = bool_field(body, "stream").value_or(false);
    bool include_usage = false;
    if (auto const* options = body.if_contains("stream_options"); options && !options->is_null())
        include_usage = bool_field(object_field(*options, "stream_options"), "include_usage", "stream_options.")
                            .value_or(false);
    return {stream, include_usage};
}

// A string, or an array of strings (token-id prompts are not carried).
std::vector<std::string> read_texts(json::value const* value, std::string const& name)
{
    auto const refuse = [&]() { throw_invalid("'" + name + "' must be a string or an array of strings", name); };
    if (!value)
        refuse();
    if (value->is_string())
        return {std::string(value->get_string())};
    if (!value->is_array() || value->get_array().empty())
        refuse();
    std::vector<std::string> out;
    for (auto const& item : value->get_array()) {
        if (!item.is_string())
            refuse();
        out.emplace_back(item.get_string());
    }
    return out;
}

} // namespace

json::object parse_body_object(std::string_view body)
{
    boost::system::error_code error;
    auto value = llmio::detail::parse_document(body, error);
    if (error)
        throw_invalid("the request body is not valid JSON: " + error.message());
    if (!value.is_object())
        throw_invalid("the request body must be a JSON object");
    return std::move(value.get_object());
}

std::string read_model(json::object const& body)
{
    auto model = text_field(body, "model", "");
    if (model.empty())
        throw_invalid("'model' must not be empty", "model");
    return model;
}

ChatCall read_chat_call(json::object body)
{
    ChatCall call;
    auto& request = call.request;
    request.model = read_model(body);
    auto const* messages = body.if_contains("messages");
    if (!messages || !messages->is_array() || messages->get_array().empty())
        throw_invalid("'messages' must be a non-empty array", "messages");
    auto const& list = messages->get_array();
    request.messages.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i)
        request.messages.push_back(read_message(list[i], "messages[" + std::to_string(i) + "]"));
    request.temperature = number_field(body, "temperature");
    request.top_p = number_field(body, "top_p");
    request.max_tokens = integer_field(body, "max_completion_tokens");
    if (!request.max_tokens)
        request.max_tokens = integer_field(body, "max_tokens");
    if (auto const* stop = body.if_contains("stop"))
        request.stop = read_stop(*stop);
    request.seed = integer_field(body, "seed");
    request.presence_penalty = number_field(body, "presence_penalty");
    request.frequency_penalty = number_field(body, "frequency_penalty");
    if (auto const* tools = body.if_contains("tools"); tools && !tools->is_null())
        request.tools = read_tools(*tools);
    if (auto const* choice = body.if_contains("tool_choice"); choice && !choice->is_null())
        request.tool_choice = read_tool_choice(*choice);
    request.parallel_tool_calls = bool_field(body, "parallel_tool_calls");
    if (auto const* format = body.if_contains("response_format"); format && !format->is_null())
        request.response_format = read_response_format(*format);
    if (auto const* effort = body.if_contains("reasoning_effort"); effort && !effort->is_null())
        request.reasoning_effort = text_field(body, "reasoning_effort", "");
    std::tie(call.stream, call.include_usage) = read_streaming(body);
    if (call.stream)
        request.include_usage = call.include_usage;
    for (auto const& field : kChatFields)
        body.erase(field);
    request.extra = std::move(body);
    return call;
}

CompletionCall read_completion_call(json::object body)
{
    CompletionCall call;
    auto& request = call.request;
    request.model = read_model(body);
    auto prompts = read_texts(body.if_contains("prompt"), "prompt");
    if (body.at("prompt").is_string())
        request.prompt = std::move(prompts.front());
    else
        request.prompt = std::move(prompts);
    if (auto const* suffix = body.if_contains("suffix"); suffix && !suffix->is_null())
        request.suffix = text_field(body, "suffix", "");
    request.max_tokens = integer_field(body, "max_tokens");
    request.temperature = number_field(body, "temperature");
    request.top_p = number_field(body, "top_p");
    request.n = integer_field(body, "n");
    request.best_of = integer_field(body, "best_of");
    request.logprobs = integer_field(body, "logprobs");
    request.echo = bool_field(body, "echo");
    if (auto const* stop = body.if_contains("stop"))
        request.stop = read_stop(*stop);
    request.presence_penalty = number_field(body, "presence_penalty");
    request.frequency_penalty = number_field(body, "frequency_penalty");
    request.seed = integer_field(body, "seed");
    if (auto const* user = body.if_contains("user"); user && !user->is_null())
        request.user = text_field(body, "user", "");
    std::tie(call.stream, call.include_usage) = read_streaming(body);
    if (call.stream)
        request.include_usage = call.include_usage;
    for (auto const& field : kCompletionFields)
        body.erase(field);
    request.extra = std::move(body);
    return call;
}

EmbeddingCall read_embedding_call(json::object body)
{
    EmbeddingCall call;
    auto& request = call.request;
    request.model = read_model(body);
    request.input = read_texts(body.if_contains("input"), "input");
    if (auto const* format = body.if_contains("encoding_format"); format && !format->is_null()) {
        auto const text = text_field(body, "encoding_format", "");
        if (text != "float" && text != "base64")
            throw_invalid("'encoding_format' must be \"float\" or \"base64\"", "encoding_format");
        call.base64 = text == "base64";
    }
    request.dimensions = integer_field(body, "dimensions");
    if (auto const* user = body.if_contains("user"); user && !user->is_null())
        request.user = text_field(body, "user", "");
    for (auto const& field : kEmbeddingFields)
        body.erase(field);
    request.extra = std::move(body);
    return call;
}

} // namespace llmio::gateway

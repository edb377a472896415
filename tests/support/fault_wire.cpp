#include "support/fault_wire.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cstdio>

namespace llmio::test::fault_wire {

std::string_view name_of(Provider p)
{
    switch (p) {
    case Provider::openai: return "openai";
    case Provider::lmstudio: return "lmstudio";
    case Provider::ollama: return "ollama";
    }
    return "?";
}

std::string_view name_of(Call c)
{
    switch (c) {
    case Call::chat: return "chat";
    case Call::stream: return "stream";
    case Call::list: return "list";
    }
    return "?";
}

namespace {

std::string_view reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

bool sse(Cell const& cell) { return cell.provider != Provider::ollama; }

} // namespace

std::string head(int status, std::string_view content_type, std::string_view extra)
{
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason(status)) + "\r\n";
    out += "Content-Type: ";
    out += content_type;
    out += "\r\n";
    out += extra;
    return out;
}

std::string respond(int status, std::string_view content_type, std::string_view body, std::string_view extra)
{
    return head(status, content_type, extra) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
           std::string(body);
}

std::string chunked_head(int status, std::string_view content_type, std::string_view extra)
{
    return head(status, content_type, extra) + "Transfer-Encoding: chunked\r\n\r\n";
}

std::string chunk(std::string_view data)
{
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return std::string(size) + std::string(data) + "\r\n";
}

std::string answer_body(Cell const& cell)
{
    if (cell.call == Call::list) {
        if (cell.path == "/api/tags")
            return R"({"models":[{"name":"m","model":"m","modified_at":"2025-01-01T00:00:00Z","size":1,"digest":"d","details":{"format":"gguf","family":"llama","parameter_size":"1B","quantization_level":"Q4_0"}}]})";
        if (cell.path == "/api/v1/models" || cell.path == "/api/v0/models")
            return side_response(cell.path).substr(side_response(cell.path).find("\r\n\r\n") + 4);
        return R"({"object":"list","data":[{"id":"m","object":"model","created":1,"owned_by":"o"}]})";
    }
    if (cell.provider == Provider::ollama)
        return R"({"model":"m","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":"Hello"},"done":true,"done_reason":"stop","prompt_eval_count":3,"eval_count":2})";
    return R"({"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})";
}

std::string_view stream_content_type(Cell const& cell)
{
    return sse(cell) ? "text/event-stream" : "application/x-ndjson";
}

std::string content_event(Cell const& cell, std::string_view text)
{
    if (sse(cell))
        return R"(data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":)" +
               json_string(text) + R"(},"finish_reason":null}]})" + "\n\n";
    return R"({"model":"m","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":)" +
           json_string(text) + R"(},"done":false})" + "\n";
}

std::string final_events(Cell const& cell)
{
    if (sse(cell))
        return R"(data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"
               "\n\ndata: [DONE]\n\n";
    return R"({"model":"m","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":3,"eval_count":2})"
           "\n";
}

std::string ok_response(Cell const& cell)
{
    if (cell.call != Call::stream)
        return respond(200, "application/json", answer_body(cell));
    return chunked_head(200, stream_content_type(cell)) + chunk(content_event(cell, "Hel")) +
           chunk(content_event(cell, "lo")) + chunk(final_events(cell)) + std::string(kLastChunk);
}

std::string side_response(std::string_view path)
{
    if (path == "/api/v1/models")
        return respond(200, "application/json",
                       R"({"models":[{"type":"llm","publisher":"p","key":"m","display_name":"M","architecture":"llama","quantization":{"name":"Q4_0","bits_per_weight":4},"size_bytes":1,"params_string":"1B","loaded_instances":[],"max_context_length":4096,"format":"gguf","capabilities":{"vision":false,"trained_for_tool_use":false}}]})");
    if (path == "/api/v0/models")
        return respond(200, "application/json",
                       R"({"object":"list","data":[{"id":"m","object":"model","type":"llm","publisher":"p","arch":"llama","compatibility_type":"gguf","quantization":"Q4_0","state":"not-loaded","max_context_length":4096}]})");
    // LM Studio's answer to a route it does not have.
    return respond(200, "application/json",
                   R"x({"error":"Unexpected endpoint or method. (GET )x" + std::string(path) + R"x()"})x");
}

std::string json_string(std::string_view message)
{
    return boost::json::serialize(boost::json::string(message));
}

std::string error_body(Provider p, std::string_view message, std::string_view type, std::string_view code)
{
    if (p == Provider::ollama)
        return R"({"error":)" + json_string(message) + "}";
    std::string const code_json = code.empty() ? "null" : json_string(code);
    return R"({"error":{"message":)" + json_string(message) + R"(,"type":)" + json_string(type) +
           R"(,"param":null,"code":)" + code_json + "}}";
}

} // namespace llmio::test::fault_wire

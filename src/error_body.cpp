// parse_error_body: the server's words from any error body shape we know (see error_mapping.hpp).

#include <llmio/error_mapping.hpp>

#include "error_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <string>

namespace llmio {
namespace {

namespace et = detail::error_text;
namespace json = boost::json;

constexpr std::size_t kMaxField = 256;      // type, code, param
constexpr std::size_t kMaxHtmlMessage = 200; // a page title or its first words
constexpr std::size_t kMaxDetailItems = 8;   // FastAPI validation entries joined into the message

std::string message_text(std::string_view s)
{
    std::string out = et::bounded(s, kMaxServerMessage);
    return out;
}

// `code` may be a string, an integer (llama.cpp, vLLM), null or missing; anything else is
// kept as its JSON text.
std::string scalar_text(json::value const* v)
{
    if (v == nullptr || v->is_null())
        return {};
    if (auto const* s = v->if_string()) {
        std::string out = et::bounded(std::string_view(*s), kMaxField);
        return out;
    }
    if (auto const* i = v->if_int64())
        return std::to_string(*i);
    if (auto const* u = v->if_uint64())
        return std::to_string(*u);
    if (auto const* b = v->if_bool())
        return *b ? "true" : "false";
    std::string out = et::bounded(json::serialize(*v), kMaxField);
    return out;
}

std::string string_field(json::object const& o, std::string_view key)
{
    if (auto const* v = o.if_contains(key))
        if (auto const* s = v->if_string())
            return message_text(std::string_view(*s));
    return {};
}

void fill_from_object(ErrorBody& out, json::object const& o)
{
    out.message = string_field(o, "message");
    out.type = scalar_text(o.if_contains("type"));
    out.code = scalar_text(o.if_contains("code"));
    out.param = scalar_text(o.if_contains("param"));
    out.recognised = true;
}

// FastAPI: {"detail":"text"} or {"detail":[{"loc":["body","messages"],"msg":"field required"}]}.
bool fill_from_detail(ErrorBody& out, json::value const& detail)
{
    if (auto const* s = detail.if_string()) {
        out.message = message_text(std::string_view(*s));
        out.recognised = true;
        return true;
    }
    auto const* items = detail.if_array();
    if (items == nullptr)
        return false;
    std::string joined;
    std::size_t used = 0;
    for (auto const& item : *items) {
        if (used++ == kMaxDetailItems || joined.size() >= kMaxServerMessage)
            break;
        auto const* o = item.if_object();
        if (o == nullptr)
            continue;
        auto const* msg = o->if_contains("msg");
        if (msg == nullptr || !msg->is_string())
            continue;
        if (!joined.empty())
            joined += "; ";
        if (auto const* loc = o->if_contains("loc"); loc != nullptr && loc->is_array()) {
            std::string path;
            for (auto const& part : loc->get_array()) {
                if (path.size() >= kMaxField)
                    break;
                if (!path.empty())
                    path += '.';
                if (auto const* p = part.if_string())
                    path.append(p->data(), std::min<std::size_t>(p->size(), kMaxField));
                else if (auto const* n = part.if_int64())
                    path += std::to_string(*n);
            }
            if (!path.empty())
                joined += path + ": ";
        }
        joined.append(msg->get_string().data(),
                      std::min<std::size_t>(msg->get_string().size(), kMaxServerMessage));
        if (out.type.empty())
            out.type = scalar_text(o->if_contains("type"));
    }
    if (joined.empty())
        return false;
    out.message = message_text(joined);
    out.recognised = true;
    return true;
}

bool parse_json_shapes(ErrorBody& out, std::string_view text)
{
    boost::system::error_code ec;
    json::value const root = json::parse(text, ec);
    if (ec)
        return false;
    auto const* o = root.if_object();
    if (o == nullptr)
        return false;
    if (auto const* error = o->if_contains("error")) {
        if (auto const* s = error->if_string()) { // Ollama, LM Studio routes
            out.message = message_text(std::string_view(*s));
            out.recognised = true;
            return true;
        }
        if (auto const* inner = error->if_object()) { // OpenAI and everyone copying it
            fill_from_object(out, *inner);
            if (out.message.empty()) // LM Studio repeats the message at the top level
                out.message = string_field(*o, "message");
            return true;
        }
    }
    if (auto const* m = o->if_contains("message"); m != nullptr && m->is_string()) {
        // Old vLLM {"object":"error",...}, llama.cpp's stream `error:` payload, {"message":...}.
        fill_from_object(out, *o);
        return true;
    }
    if (auto const* detail = o->if_contains("detail"))
        return fill_from_detail(out, *detail);
    return false;
}

// The <title> of an HTML page, else its text with the tags removed; whitespace collapsed.
std::string html_summary(std::string_view page)
{
    std::string_view source = page;
    if (auto open = et::ifind(page, "<title"); open != std::string_view::npos) {
        auto const gt = page.find('>', open);
        auto const close = gt == std::string_view::npos ? gt : et::ifind(page, "</title", gt);
        if (close != std::string_view::npos)
            source = page.substr(gt + 1, close - gt - 1);
    }
    std::string out;
    bool in_tag = false;
    bool pending_space = false;
    for (char c : source) {
        if (out.size() >= kMaxHtmlMessage)
            break;
        if (c == '<') {
            in_tag = true;
            pending_space = !out.empty();
            continue;
        }
        if (in_tag) {
            in_tag = c != '>';
            continue;
        }
        if (et::is_space(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space)
            out += ' ';
        pending_space = false;
        out += c;
    }
    std::string bounded = et::bounded(out, kMaxHtmlMessage);
    return bounded;
}

} // namespace

ErrorBody parse_error_body(std::string_view body)
{
    ErrorBody out;
    std::string_view text = et::trim(body);
    if (text.substr(0, 3) == "\xEF\xBB\xBF") // a UTF-8 byte order mark
        text = et::trim(text.substr(3));
    if (text.empty())
        return out;
    if (text.front() == '{' && parse_json_shapes(out, text))
        return out;
    out = ErrorBody{};
    if (text.front() == '<')
        out.message = html_summary(text);
    else
        out.message = message_text(text);
    return out;
}

} // namespace llmio

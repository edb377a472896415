#include <llmio/testing/emulators/reply_generator.hpp>

#include <llmio/testing/emulators/json_text.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace llmio::emulators {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxTokenBytes = 16;
constexpr std::size_t kFragmentBytes = 8;
constexpr int kMaxSchemaDepth = 16;
constexpr std::size_t kMaxArrayItems = 8;

bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_continuation(char c) noexcept
{
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

/// Appends [begin, end) to `out` in pieces of at most `size` bytes, cut at UTF-8 boundaries.
void append_pieces(std::vector<std::string>& out, std::string_view text, std::size_t begin,
                   std::size_t end, std::size_t size)
{
    while (end - begin > size) {
        std::size_t cut = begin + size;
        while (cut > begin + 1 && is_continuation(text[cut]))
            --cut;
        out.emplace_back(text.substr(begin, cut - begin));
        begin = cut;
    }
    if (end > begin)
        out.emplace_back(text.substr(begin, end - begin));
}

std::uint64_t splitmix64(std::uint64_t& state) noexcept
{
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::string_view string_of(json::object const& o, std::string_view key)
{
    if (auto const* v = o.if_contains(key); v && v->is_string())
        return v->get_string();
    return {};
}

std::string concat(std::vector<std::string> const& tokens)
{
    std::string out;
    for (auto const& t : tokens)
        out += t;
    return out;
}

std::string sample_string(json::object const& schema, std::string_view key)
{
    auto const format = string_of(schema, "format");
    std::string s;
    if (format == "date-time")
        s = "2024-01-01T00:00:00Z";
    else if (format == "date")
        s = "2024-01-01";
    else if (format == "time")
        s = "00:00:00";
    else if (format == "email")
        s = "user@example.com";
    else if (format == "uri" || format == "url")
        s = "https://example.com";
    else if (format == "uuid")
        s = "00000000-0000-4000-8000-000000000000";
    else
        s = key.empty() ? std::string("sample") : "sample " + std::string(key);
    if (auto const* v = schema.if_contains("minLength"); v && v->is_int64() && v->as_int64() > 0)
        if (s.size() < static_cast<std::size_t>(v->as_int64()))
            s.append(static_cast<std::size_t>(v->as_int64()) - s.size(), 'x');
    if (auto const* v = schema.if_contains("maxLength"); v && v->is_int64() && v->as_int64() >= 0)
        if (s.size() > static_cast<std::size_t>(v->as_int64()))
            s.resize(static_cast<std::size_t>(v->as_int64()));
    return s;
}

std::optional<double> number_of(json::object const& o, std::string_view key)
{
    auto const* v = o.if_contains(key);
    if (!v)
        return std::nullopt;
    if (v->is_int64())
        return static_cast<double>(v->as_int64());
    if (v->is_uint64())
        return static_cast<double>(v->as_uint64());
    if (v->is_double())
        return v->as_double();
    return std::nullopt;
}

double clamp_number(json::object const& schema, double value, bool integer)
{
    if (auto lo = number_of(schema, "minimum"); lo && value < *lo)
        value = integer ? std::ceil(*lo) : *lo;
    if (auto lo = number_of(schema, "exclusiveMinimum"); lo && value <= *lo)
        value = integer ? std::floor(*lo) + 1 : *lo + 0.5;
    if (auto hi = number_of(schema, "maximum"); hi && value > *hi)
        value = integer ? std::floor(*hi) : *hi;
    if (auto hi = number_of(schema, "exclusiveMaximum"); hi && value >= *hi)
        value = integer ? std::ceil(*hi) - 1 : *hi - 0.5;
    return value;
}

json::value sample(json::value const& schema_value, std::string_view key, int depth)
{
    if (depth > kMaxSchemaDepth || !schema_value.is_object())
        return json::value(sample_string({}, key));
    auto const& schema = schema_value.get_object();
    if (auto const* v = schema.if_contains("const"))
        return *v;
    if (auto const* v = schema.if_contains("enum"); v && v->is_array() && !v->get_array().empty())
        return v->get_array().front();
    if (auto const* v = schema.if_contains("default"))
        return *v;
    for (auto const* combinator : {"anyOf", "oneOf", "allOf"})
        if (auto const* v = schema.if_contains(combinator); v && v->is_array() && !v->get_array().empty())
            return sample(v->get_array().front(), key, depth + 1);

    std::string_view type;
    if (auto const* t = schema.if_contains("type")) {
        if (t->is_string()) {
            type = t->get_string();
        } else if (t->is_array()) {
            for (auto const& each : t->get_array()) {
                if (each.is_string() && each.get_string() != "null") {
                    type = each.get_string();
                    break;
                }
            }
            if (type.empty())
                type = "null";
        }
    }
    if (type.empty())
        type = schema.contains("properties") ? "object" : schema.contains("items") ? "array" : "string";

    if (type == "object") {
        json::object out;
        auto const* props = schema.if_contains("properties");
        if (!props || !props->is_object())
            return out;
        auto const* required = schema.if_contains("required");
        bool const all = !required || !required->is_array();
        for (auto const& [name, prop] : props->get_object()) {
            bool wanted = all;
            if (!all)
                for (auto const& r : required->get_array())
                    if (r.is_string() && r.get_string() == name)
                        wanted = true;
            if (wanted)
                out[name] = sample(prop, name, depth + 1);
        }
        return out;
    }
    if (type == "array") {
        json::array out;
        std::size_t n = 1;
        if (auto const* m = schema.if_contains("minItems"); m && m->is_int64() && m->as_int64() > 1)
            n = std::min<std::size_t>(static_cast<std::size_t>(m->as_int64()), kMaxArrayItems);
        if (auto const* m = schema.if_contains("maxItems"); m && m->is_int64() && m->as_int64() == 0)
            n = 0;
        json::value const empty_schema = json::object();
        auto const* items = schema.if_contains("items");
        for (std::size_t i = 0; i < n; ++i)
            out.push_back(sample(items ? *items : empty_schema, key, depth + 1));
        return out;
    }
    if (type == "integer")
        return static_cast<std::int64_t>(clamp_number(schema, 1, true));
    if (type == "number")
        return clamp_number(schema, 1.5, false);
    if (type == "boolean")
        return true;
    if (type == "null")
        return nullptr;
    return json::value(sample_string(schema, key));
}

} // namespace

std::vector<std::string> split_tokens(std::string_view text)
{
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t const begin = i;
        while (i < text.size() && is_space(text[i]))
            ++i;
        while (i < text.size() && !is_space(text[i]))
            ++i;
        append_pieces(out, text, begin, i, kMaxTokenBytes);
    }
    return out;
}

std::vector<std::string> split_fragments(std::string_view text, std::size_t size)
{
    std::vector<std::string> out;
    append_pieces(out, text, 0, text.size(), size == 0 ? 1 : size);
    return out;
}

std::size_t count_words(std::string_view text)
{
    std::size_t n = 0;
    bool in_word = false;
    for (char c : text) {
        bool const space = is_space(c);
        if (!space && !in_word)
            ++n;
        in_word = !space;
    }
    return n;
}

json::value sample_from_schema(json::value const& schema, std::string_view key)
{
    return sample(schema, key, 0);
}

std::string message_text(json::value const* content)
{
    if (!content)
        return {};
    if (content->is_string())
        return std::string(content->get_string());
    std::string out;
    if (content->is_array()) {
        for (auto const& part : content->get_array()) {
            if (!part.is_object())
                continue;
            auto const* text = part.get_object().if_contains("text");
            if (!text || !text->is_string())
                continue;
            if (!out.empty())
                out += ' ';
            out += text->get_string();
        }
    }
    return out;
}

std::uint64_t hash_text(std::string_view text) noexcept
{
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::string make_id(std::string_view prefix, std::uint64_t seed, std::size_t length)
{
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string out(prefix);
    std::uint64_t state = seed;
    for (std::size_t i = 0; i < length; ++i)
        out += alphabet[splitmix64(state) % alphabet.size()];
    return out;
}

std::size_t count_prompt_words(json::object const& request)
{
    std::size_t n = 0;
    if (auto const* messages = request.if_contains("messages"); messages && messages->is_array())
        for (auto const& m : messages->get_array())
            if (m.is_object())
                n += count_words(message_text(m.get_object().if_contains("content")));
    return n;
}

std::vector<std::string> stop_sequences(json::object const& request)
{
    std::vector<std::string> out;
    auto const* stop = request.if_contains("stop");
    if (!stop)
        return out;
    if (stop->is_string() && !stop->get_string().empty())
        out.emplace_back(stop->get_string());
    if (stop->is_array())
        for (auto const& s : stop->get_array())
            if (s.is_string() && !s.get_string().empty())
                out.emplace_back(s.get_string());
    return out;
}

std::optional<std::size_t> max_tokens_of(json::object const& request)
{
    for (auto const* key : {"max_completion_tokens", "max_tokens", "n_predict"}) {
        auto const* v = request.if_contains(key);
        if (v && v->is_int64() && v->as_int64() >= 0)
            return static_cast<std::size_t>(v->as_int64());
        if (v && v->is_uint64())
            return static_cast<std::size_t>(v->as_uint64());
    }
    return std::nullopt;
}

GeneratedReply budget_reply(std::string reasoning, std::string content,
                            std::optional<std::size_t> max_tokens,
                            std::vector<std::string> const& stops)
{
    GeneratedReply r;
    r.finish_reason = "stop";
    std::size_t cut = std::string::npos;
    for (auto const& s : stops)
        cut = std::min(cut, content.find(s));
    if (cut != std::string::npos)
        content.resize(cut);
    r.reasoning_tokens = split_tokens(reasoning);
    r.content_tokens = split_tokens(content);
    if (max_tokens) {
        std::size_t budget = *max_tokens;
        if (r.reasoning_tokens.size() > budget) {
            r.reasoning_tokens.resize(budget);
            r.content_tokens.clear();
            r.finish_reason = "length";
        } else {
            budget -= r.reasoning_tokens.size();
            if (r.content_tokens.size() > budget) {
                r.content_tokens.resize(budget);
                r.finish_reason = "length";
            }
        }
    }
    r.reasoning = concat(r.reasoning_tokens);
    r.content = concat(r.content_tokens);
    r.completion_tokens = r.reasoning_tokens.size() + r.content_tokens.size();
    return r;
}

namespace {

/// Rule 1: quote the trailing tool results.
std::string tool_results_text(json::array const& messages)
{
    std::size_t first = messages.size();
    while (first > 0 && messages[first - 1].is_object() &&
           string_of(messages[first - 1].get_object(), "role") == "tool")
        --first;
    json::array const* calls = nullptr;
    if (first > 0 && messages[first - 1].is_object())
        if (auto const* tc = messages[first - 1].get_object().if_contains("tool_calls"); tc && tc->is_array())
            calls = &tc->get_array();
    std::string out;
    for (std::size_t i = first; i < messages.size(); ++i) {
        auto const& m = messages[i].get_object();
        auto const id = string_of(m, "tool_call_id");
        std::string name = "tool";
        if (calls) {
            for (auto const& c : *calls) {
                if (!c.is_object() || string_of(c.get_object(), "id") != id)
                    continue;
                if (auto const* fn = c.get_object().if_contains("function"); fn && fn->is_object())
                    if (auto n = string_of(fn->get_object(), "name"); !n.empty())
                        name = std::string(n);
            }
        }
        if (!out.empty())
            out += ' ';
        out += name + " returned " + message_text(m.if_contains("content")) + ".";
    }
    return out;
}

/// Rule 2: which tools to call; empty when no tool call applies.
std::vector<json::object const*> chosen_tools(json::object const& request, std::string_view user_text)
{
    std::vector<json::object const*> functions;
    if (auto const* tools = request.if_contains("tools"); tools && tools->is_array()) {
        for (auto const& t : tools->get_array()) {
            if (!t.is_object())
                continue;
            auto const* fn = t.get_object().if_contains("function");
            if (fn && fn->is_object() && !string_of(fn->get_object(), "name").empty())
                functions.push_back(&fn->get_object());
        }
    }
    if (functions.empty())
        return {};
    auto const* choice = request.if_contains("tool_choice");
    if (choice && choice->is_string() && choice->get_string() == "none")
        return {};
    if (choice && choice->is_object()) {
        std::string_view forced;
        if (auto const* fn = choice->get_object().if_contains("function"); fn && fn->is_object())
            forced = string_of(fn->get_object(), "name");
        for (auto const* f : functions)
            if (string_of(*f, "name") == forced)
                return {f};
    }
    std::vector<std::pair<std::size_t, json::object const*>> mentioned;
    for (auto const* f : functions)
        if (auto const pos = user_text.find(string_of(*f, "name")); pos != std::string_view::npos)
            mentioned.emplace_back(pos, f);
    std::stable_sort(mentioned.begin(), mentioned.end(),
                     [](auto const& a, auto const& b) { return a.first < b.first; });
    std::vector<json::object const*> out;
    for (auto const& [pos, f] : mentioned)
        out.push_back(f);
    if (out.empty())
        out.push_back(functions.front());
    auto const* parallel = request.if_contains("parallel_tool_calls");
    if (parallel && parallel->is_bool() && !parallel->get_bool())
        out.resize(1);
    return out;
}

} // namespace

GeneratedReply generate_chat_reply(json::object const& request, bool reasoning)
{
    static json::array const no_messages;
    auto const* messages_value = request.if_contains("messages");
    auto const& messages =
        messages_value && messages_value->is_array() ? messages_value->get_array() : no_messages;
    auto const prompt_tokens = count_prompt_words(request);
    auto const stops = stop_sequences(request);
    auto const max_tokens = max_tokens_of(request);

    std::string user_text;
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
        if (it->is_object() && string_of(it->get_object(), "role") == "user") {
            user_text = message_text(it->get_object().if_contains("content"));
            break;
        }
    }
    std::string const thought = reasoning ? "Thinking about: " + user_text : std::string();

    bool const after_tool = !messages.empty() && messages.back().is_object() &&
                            string_of(messages.back().get_object(), "role") == "tool";
    if (after_tool) {
        auto r = budget_reply(thought, tool_results_text(messages), max_tokens, stops);
        r.prompt_tokens = prompt_tokens;
        return r;
    }

    if (auto const tools = chosen_tools(request, user_text); !tools.empty()) {
        auto r = budget_reply(thought, "", std::nullopt, {});
        r.finish_reason = "tool_calls";
        for (std::size_t i = 0; i < tools.size(); ++i) {
            GeneratedToolCall call;
            call.name = std::string(string_of(*tools[i], "name"));
            auto const* params = tools[i]->if_contains("parameters");
            call.arguments = params ? to_json(sample_from_schema(*params)) : "{}";
            call.id = make_id("call_", hash_text(call.name) ^ (hash_text(user_text) + i), 24);
            call.fragments = split_fragments(call.arguments, kFragmentBytes);
            r.completion_tokens += call.fragments.size();
            r.tool_calls.push_back(std::move(call));
        }
        r.prompt_tokens = prompt_tokens;
        return r;
    }

    std::string content = "Hello! You said: " + user_text;
    if (auto const* rf = request.if_contains("response_format"); rf && rf->is_object()) {
        auto const& format = rf->get_object();
        auto const type = string_of(format, "type");
        json::value const* schema = nullptr;
        if (auto const* js = format.if_contains("json_schema"); js && js->is_object())
            schema = js->get_object().if_contains("schema");
        if (!schema)
            schema = format.if_contains("schema"); // llama.cpp also accepts it here
        if ((type == "json_schema" || type == "json_object") && schema)
            content = to_json(sample_from_schema(*schema));
        else if (type == "json_object")
            content = to_json(json::object{{"message", content}});
    }
    auto r = budget_reply(thought, std::move(content), max_tokens, stops);
    r.prompt_tokens = prompt_tokens;
    return r;
}

std::vector<float> embed_text(std::string_view text, std::size_t dimensions)
{
    std::vector<float> out(dimensions);
    std::uint64_t state = hash_text(text);
    double norm = 0;
    for (auto& v : out) {
        // 24 random bits mapped onto [-1, 1).
        auto const bits = static_cast<double>(splitmix64(state) >> 40);
        v = static_cast<float>(bits / 8388608.0 - 1.0);
        norm += static_cast<double>(v) * static_cast<double>(v);
    }
    norm = std::sqrt(norm);
    if (norm > 0)
        for (auto& v : out)
            v = static_cast<float>(static_cast<double>(v) / norm);
    return out;
}

std::string base64_floats(std::vector<float> const& values)
{
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string bytes;
    bytes.reserve(values.size() * 4);
    for (float f : values) {
        std::uint32_t u = 0;
        std::memcpy(&u, &f, sizeof u);
        for (int i = 0; i < 4; ++i)
            bytes += static_cast<char>((u >> (8 * i)) & 0xFF);
    }
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t const n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                                (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                                static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    std::size_t const rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2)
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

} // namespace llmio::emulators

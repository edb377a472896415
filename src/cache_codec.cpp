#include "cache_codec.hpp"

#include <llmio/chat_assembler.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>

namespace llmio::detail {

namespace {

namespace json = boost::json;

constexpr unsigned char kMagic = 0xC7;
constexpr unsigned char kVersion = 1;

// ---------------------------------------------------------------- writing

class Writer {
public:
    explicit Writer(EntryKind kind)
    {
        out_.reserve(256);
        out_.push_back(static_cast<char>(kMagic));
        out_.push_back(static_cast<char>(kVersion));
        out_.push_back(static_cast<char>(kind));
    }

    template <class T>
        requires std::is_arithmetic_v<T>
    void number(T value)
    {
        char bytes[sizeof(T)];
        std::memcpy(bytes, &value, sizeof(T));
        out_.append(bytes, sizeof(T));
    }
    void flag(bool value) { out_.push_back(value ? 1 : 0); }
    void size(std::size_t n) { number(static_cast<std::uint64_t>(n)); }
    void text(std::string_view s)
    {
        size(s.size());
        out_.append(s);
    }
    void json_value(json::value const& v)
    {
        if (v.is_null())
            text({});
        else
            text(json::serialize(v));
    }
    template <class T>
    void optional(std::optional<T> const& v)
    {
        flag(v.has_value());
        if (v) {
            if constexpr (std::is_same_v<T, std::string>)
                text(*v);
            else
                number(*v);
        }
    }
    void finish(FinishReason r) { number(static_cast<std::uint8_t>(r)); }
    void usage(std::optional<Usage> const& u)
    {
        flag(u.has_value());
        if (!u)
            return;
        number(u->prompt_tokens);
        number(u->completion_tokens);
        number(u->total_tokens);
        optional(u->cached_tokens);
        optional(u->reasoning_tokens);
    }
    void stats(std::optional<ServerStats> const& s)
    {
        flag(s.has_value());
        if (!s)
            return;
        optional(s->tokens_per_second);
        optional(s->time_to_first_token_s);
        optional(s->generation_time_s);
        optional(s->prompt_tokens_per_second);
        optional(s->model_load_time_s);
        optional(s->prompt_tokens);
        optional(s->predicted_tokens);
        optional(s->cached_prompt_tokens);
        optional(s->stop_reason);
    }

    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

// ---------------------------------------------------------------- reading

[[noreturn]] void malformed() { throw std::runtime_error("malformed cache entry"); }

class Reader {
public:
    Reader(std::string_view bytes, EntryKind expected) : in_(bytes)
    {
        if (in_.size() < 3 || static_cast<unsigned char>(in_[0]) != kMagic ||
            static_cast<unsigned char>(in_[1]) != kVersion || static_cast<EntryKind>(in_[2]) != expected)
            malformed();
        in_.remove_prefix(3);
    }

    template <class T>
        requires std::is_arithmetic_v<T>
    T number()
    {
        if (in_.size() < sizeof(T))
            malformed();
        T value;
        std::memcpy(&value, in_.data(), sizeof(T));
        in_.remove_prefix(sizeof(T));
        return value;
    }
    bool flag() { return number<std::uint8_t>() != 0; }
    std::size_t size()
    {
        auto const n = number<std::uint64_t>();
        if (n > in_.size()) // every element takes at least one byte
            malformed();
        return static_cast<std::size_t>(n);
    }
    std::string text()
    {
        auto const n = size();
        std::string s(in_.substr(0, n));
        in_.remove_prefix(n);
        return s;
    }
    json::value json_value()
    {
        auto const s = text();
        if (s.empty())
            return nullptr;
        return json::parse(s);
    }
    template <class T>
    std::optional<T> optional()
    {
        if (!flag())
            return std::nullopt;
        if constexpr (std::is_same_v<T, std::string>)
            return text();
        else
            return number<T>();
    }
    FinishReason finish()
    {
        auto const r = number<std::uint8_t>();
        if (r > static_cast<std::uint8_t>(FinishReason::none))
            malformed();
        return static_cast<FinishReason>(r);
    }
    std::optional<Usage> usage()
    {
        if (!flag())
            return std::nullopt;
        Usage u;
        u.prompt_tokens = number<std::int64_t>();
        u.completion_tokens = number<std::int64_t>();
        u.total_tokens = number<std::int64_t>();
        u.cached_tokens = optional<std::int64_t>();
        u.reasoning_tokens = optional<std::int64_t>();
        return u;
    }
    std::optional<ServerStats> stats()
    {
        if (!flag())
            return std::nullopt;
        ServerStats s;
        s.tokens_per_second = optional<double>();
        s.time_to_first_token_s = optional<double>();
        s.generation_time_s = optional<double>();
        s.prompt_tokens_per_second = optional<double>();
        s.model_load_time_s = optional<double>();
        s.prompt_tokens = optional<std::int64_t>();
        s.predicted_tokens = optional<std::int64_t>();
        s.cached_prompt_tokens = optional<std::int64_t>();
        s.stop_reason = optional<std::string>();
        return s;
    }
    void end() const
    {
        if (!in_.empty())
            malformed();
    }

private:
    std::string_view in_;
};

void write_chunk(Writer& w, ChatChunk const& c)
{
    w.text(c.content);
    w.text(c.reasoning);
    w.text(c.refusal);
    w.size(c.tool_calls.size());
    for (auto const& d : c.tool_calls) {
        w.flag(d.index.has_value());
        if (d.index)
            w.number(static_cast<std::int32_t>(*d.index));
        w.text(d.id);
        w.text(d.name);
        w.text(d.arguments);
    }
    w.flag(c.finish_reason.has_value());
    if (c.finish_reason)
        w.finish(*c.finish_reason);
    w.text(c.finish_reason_raw);
    w.usage(c.usage);
    w.stats(c.stats);
    w.text(c.id);
    w.text(c.model);
    w.number(static_cast<std::int32_t>(c.choice_index));
    w.flag(c.no_choice);
}

void read_chunk(Reader& r, ChatChunk& c)
{
    c.content = r.text();
    c.reasoning = r.text();
    c.refusal = r.text();
    auto const n = r.size();
    c.tool_calls.resize(n);
    for (auto& d : c.tool_calls) {
        if (r.flag())
            d.index = r.number<std::int32_t>();
        d.id = r.text();
        d.name = r.text();
        d.arguments = r.text();
    }
    if (r.flag())
        c.finish_reason = r.finish();
    c.finish_reason_raw = r.text();
    c.usage = r.usage();
    c.stats = r.stats();
    c.id = r.text();
    c.model = r.text();
    c.choice_index = r.number<std::int32_t>();
    c.no_choice = r.flag();
}

ChatResponse read_chat_response(Reader& r)
{
    ChatResponse a;
    a.id = r.text();
    a.model = r.text();
    a.content = r.text();
    a.reasoning = r.text();
    a.refusal = r.text();
    a.tool_calls.resize(r.size());
    for (auto& call : a.tool_calls) {
        call.id = r.text();
        call.name = r.text();
        call.arguments = r.text();
    }
    a.finish_reason = r.finish();
    a.finish_reason_raw = r.text();
    a.usage = r.usage();
    a.stats = r.stats();
    a.warnings.resize(r.size());
    for (auto& warning : a.warnings)
        warning = r.text();
    a.raw = r.json_value();
    r.end();
    return a;
}

std::vector<ChatChunk> read_chunks(Reader& r)
{
    std::vector<ChatChunk> chunks(r.size());
    for (auto& c : chunks)
        read_chunk(r, c);
    r.end();
    return chunks;
}

EntryKind chat_kind(std::string_view bytes)
{
    auto const kind = entry_kind(bytes);
    if (kind != EntryKind::chat && kind != EntryKind::chat_stream)
        malformed();
    return kind;
}

// ---------------------------------------------------------------- keys

std::string sha256_hex(std::string_view text)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex(2 * length, '0');
    for (unsigned i = 0; i < length; ++i) {
        hex[2 * i] = kHex[digest[i] >> 4];
        hex[2 * i + 1] = kHex[digest[i] & 15];
    }
    return hex;
}

template <class T>
void put_optional(json::object& o, std::string_view name, std::optional<T> const& v)
{
    if (v)
        o[name] = *v;
}

json::array strings(std::vector<std::string> const& v)
{
    json::array a;
    for (auto const& s : v)
        a.emplace_back(s);
    return a;
}

// The canonical text of a request, written directly (no JSON object built): an object whose
// members come in a fixed order, scalars as JSON, and the caller's own JSON (extra, schemas,
// tool parameters) with every object's keys sorted.
class KeyText {
public:
    KeyText() { out_.reserve(512); }

    KeyText& begin() { out_.push_back('{'); first_ = true; return *this; }
    KeyText& end() { out_.push_back('}'); first_ = false; return *this; }
    KeyText& begin_array() { out_.push_back('['); first_ = true; return *this; }
    KeyText& end_array() { out_.push_back(']'); first_ = false; return *this; }
    KeyText& element()
    {
        if (!first_)
            out_.push_back(',');
        first_ = false;
        return *this;
    }
    KeyText& name(std::string_view n)
    {
        element();
        text(n);
        out_.push_back(':');
        first_ = true; // the value follows without a comma
        return *this;
    }
    KeyText& text(std::string_view s)
    {
        out_.push_back('"');
        for (char c : s) {
            auto const u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                out_.push_back('\\');
                out_.push_back(c);
            } else if (u < 0x20) {
                static constexpr char kHex[] = "0123456789abcdef";
                out_ += "\\u00";
                out_.push_back(kHex[u >> 4]);
                out_.push_back(kHex[u & 15]);
            } else {
                out_.push_back(c);
            }
        }
        out_.push_back('"');
        first_ = false;
        return *this;
    }
    template <class T>
        requires std::is_arithmetic_v<T>
    KeyText& number(T v)
    {
        char buffer[64];
        auto const [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
        (void)ec;
        out_.append(buffer, end);
        first_ = false;
        return *this;
    }
    KeyText& boolean(bool v)
    {
        out_ += v ? "true" : "false";
        first_ = false;
        return *this;
    }
    KeyText& json_value(json::value const& v)
    {
        canonical_json(v, out_);
        first_ = false;
        return *this;
    }
    template <class T>
    KeyText& optional(std::string_view n, std::optional<T> const& v)
    {
        if (!v)
            return *this;
        name(n);
        if constexpr (std::is_same_v<T, bool>)
            return boolean(*v);
        else if constexpr (std::is_same_v<T, std::string>)
            return text(*v);
        else
            return number(*v);
    }
    KeyText& strings(std::string_view n, std::vector<std::string> const& v)
    {
        if (v.empty())
            return *this;
        name(n).begin_array();
        for (auto const& s : v)
            element().text(s);
        return end_array();
    }

    std::string const& str() const noexcept { return out_; }

private:
    std::string out_;
    bool first_ = true;
};

std::string hash_of(json::object const& o)
{
    std::string text;
    text.reserve(512);
    canonical_json(o, text);
    return sha256_hex(text);
}

} // namespace

void canonical_json(json::value const& value, std::string& out)
{
    switch (value.kind()) {
    case json::kind::object: {
        auto const& o = value.get_object();
        std::vector<json::key_value_pair const*> members;
        members.reserve(o.size());
        for (auto const& kv : o)
            members.push_back(&kv);
        std::sort(members.begin(), members.end(),
                  [](auto const* a, auto const* b) { return a->key() < b->key(); });
        out.push_back('{');
        bool first = true;
        for (auto const* kv : members) {
            if (!first)
                out.push_back(',');
            first = false;
            out += json::serialize(json::string_view(kv->key()));
            out.push_back(':');
            canonical_json(kv->value(), out);
        }
        out.push_back('}');
        break;
    }
    case json::kind::array: {
        out.push_back('[');
        bool first = true;
        for (auto const& v : value.get_array()) {
            if (!first)
                out.push_back(',');
            first = false;
            canonical_json(v, out);
        }
        out.push_back(']');
        break;
    }
    default:
        out += json::serialize(value);
    }
}

std::string encode_entry(ChatResponse const& a)
{
    Writer w(EntryKind::chat);
    w.text(a.id);
    w.text(a.model);
    w.text(a.content);
    w.text(a.reasoning);
    w.text(a.refusal);
    w.size(a.tool_calls.size());
    for (auto const& call : a.tool_calls) {
        w.text(call.id);
        w.text(call.name);
        w.text(call.arguments);
    }
    w.finish(a.finish_reason);
    w.text(a.finish_reason_raw);
    w.usage(a.usage);
    w.stats(a.stats);
    w.size(a.warnings.size());
    for (auto const& warning : a.warnings)
        w.text(warning);
    w.json_value(a.raw);
    return w.take();
}

std::string encode_entry(std::vector<ChatChunk> const& chunks)
{
    Writer w(EntryKind::chat_stream);
    w.size(chunks.size());
    for (auto const& c : chunks)
        write_chunk(w, c);
    return w.take();
}

std::string encode_entry(CompletionResponse const& a)
{
    Writer w(EntryKind::completion);
    w.text(a.id);
    w.text(a.model);
    w.size(a.choices.size());
    for (auto const& c : a.choices) {
        w.number(c.index);
        w.text(c.text);
        w.finish(c.finish_reason);
        w.text(c.finish_reason_raw);
        w.json_value(c.logprobs);
    }
    w.usage(a.usage);
    w.stats(a.stats);
    w.json_value(a.raw);
    return w.take();
}

std::string encode_entry(EmbeddingResponse const& a)
{
    Writer w(EntryKind::embedding);
    w.text(a.model);
    w.size(a.embeddings.size());
    for (auto const& v : a.embeddings)
        w.text(std::string_view(reinterpret_cast<char const*>(v.data()), v.size() * sizeof(float)));
    w.usage(a.usage);
    return w.take();
}

EntryKind entry_kind(std::string_view bytes)
{
    if (bytes.size() < 3 || static_cast<unsigned char>(bytes[0]) != kMagic ||
        static_cast<unsigned char>(bytes[1]) != kVersion)
        malformed();
    auto const kind = static_cast<unsigned char>(bytes[2]);
    if (kind < 1 || kind > 4)
        malformed();
    return static_cast<EntryKind>(kind);
}

ChatResponse decode_chat(std::string_view bytes)
{
    auto const kind = chat_kind(bytes);
    Reader r(bytes, kind);
    if (kind == EntryKind::chat)
        return read_chat_response(r);
    auto chunks = read_chunks(r);
    ChatAssembler assembler;
    for (auto& c : chunks)
        if (c.choice_index == 0)
            assembler.apply(c);
    return assembler.take();
}

std::vector<ChatChunk> decode_chat_chunks(std::string_view bytes)
{
    auto const kind = chat_kind(bytes);
    Reader r(bytes, kind);
    if (kind == EntryKind::chat_stream)
        return read_chunks(r);
    // A whole answer, replayed as one chunk that carries all of it.
    auto a = read_chat_response(r);
    ChatChunk c;
    c.content = std::move(a.content);
    c.reasoning = std::move(a.reasoning);
    c.refusal = std::move(a.refusal);
    for (std::size_t i = 0; i < a.tool_calls.size(); ++i) {
        auto& call = a.tool_calls[i];
        c.tool_calls.push_back(ToolCallDelta{static_cast<int>(i), std::move(call.id), std::move(call.name),
                                             std::move(call.arguments)});
    }
    c.finish_reason = a.finish_reason;
    c.finish_reason_raw = std::move(a.finish_reason_raw);
    c.usage = a.usage;
    c.stats = std::move(a.stats);
    c.id = std::move(a.id);
    c.model = std::move(a.model);
    std::vector<ChatChunk> chunks;
    chunks.push_back(std::move(c));
    return chunks;
}

CompletionResponse decode_completion(std::string_view bytes)
{
    Reader r(bytes, EntryKind::completion);
    CompletionResponse a;
    a.id = r.text();
    a.model = r.text();
    a.choices.resize(r.size());
    for (auto& c : a.choices) {
        c.index = r.number<std::int64_t>();
        c.text = r.text();
        c.finish_reason = r.finish();
        c.finish_reason_raw = r.text();
        c.logprobs = r.json_value();
    }
    a.usage = r.usage();
    a.stats = r.stats();
    a.raw = r.json_value();
    r.end();
    return a;
}

EmbeddingResponse decode_embedding(std::string_view bytes)
{
    Reader r(bytes, EntryKind::embedding);
    EmbeddingResponse a;
    a.model = r.text();
    a.embeddings.resize(r.size());
    for (auto& v : a.embeddings) {
        auto const packed = r.text();
        if (packed.size() % sizeof(float) != 0)
            malformed();
        v.resize(packed.size() / sizeof(float));
        std::memcpy(v.data(), packed.data(), packed.size());
    }
    a.usage = r.usage();
    r.end();
    return a;
}

std::size_t approximate_size(ChatChunk const& c) noexcept
{
    std::size_t n = 64 + c.content.size() + c.reasoning.size() + c.refusal.size() + c.finish_reason_raw.size() +
                    c.id.size() + c.model.size();
    for (auto const& d : c.tool_calls)
        n += 32 + d.id.size() + d.name.size() + d.arguments.size();
    return n;
}

std::string cache_key(std::string_view scope, ChatRequest const& r)
{
    KeyText k;
    k.begin();
    k.name("op").text("chat");
    k.name("scope").text(scope);
    k.name("model").text(r.model);
    k.name("messages").begin_array();
    for (auto const& m : r.messages) {
        k.element().begin();
        k.name("role").text(to_string(m.role));
        k.name("content").text(m.content);
        if (!m.parts.empty()) {
            k.name("parts").begin_array();
            for (auto const& p : m.parts) {
                k.element().begin();
                k.name("type").number(static_cast<int>(p.type));
                k.name("text").text(p.text);
                k.name("url").text(p.url);
                k.name("detail").text(p.detail);
                k.end();
            }
            k.end_array();
        }
        if (!m.tool_calls.empty()) {
            k.name("tool_calls").begin_array();
            for (auto const& c : m.tool_calls) {
                k.element().begin();
                k.name("id").text(c.id);
                k.name("name").text(c.name);
                k.name("arguments").text(c.arguments);
                k.end();
            }
            k.end_array();
        }
        if (!m.tool_call_id.empty())
            k.name("tool_call_id").text(m.tool_call_id);
        if (!m.name.empty())
            k.name("name").text(m.name);
        // Not `reasoning`: providers do not send it back, so it cannot change the answer.
        k.end();
    }
    k.end_array();
    k.optional("temperature", r.temperature);
    k.optional("top_p", r.top_p);
    k.optional("max_tokens", r.max_tokens);
    k.strings("stop", r.stop);
    k.optional("seed", r.seed);
    k.optional("presence_penalty", r.presence_penalty);
    k.optional("frequency_penalty", r.frequency_penalty);
    if (!r.tools.empty()) {
        k.name("tools").begin_array();
        for (auto const& t : r.tools) {
            k.element().begin();
            k.name("name").text(t.name);
            k.name("description").text(t.description);
            k.name("parameters").json_value(t.parameters);
            k.optional("strict", t.strict);
            k.end();
        }
        k.end_array();
    }
    if (r.tool_choice) {
        k.name("tool_choice").begin();
        k.name("mode").number(static_cast<int>(r.tool_choice->mode));
        k.name("function").text(r.tool_choice->function_name);
        k.end();
    }
    k.optional("parallel_tool_calls", r.parallel_tool_calls);
    if (r.response_format) {
        auto const& f = *r.response_format;
        k.name("response_format").begin();
        k.name("type").number(static_cast<int>(f.type));
        k.name("name").text(f.name);
        k.name("description").text(f.description);
        k.name("schema").json_value(f.schema);
        k.optional("strict", f.strict);
        k.end();
    }
    k.optional("include_usage", r.include_usage);
    k.optional("reasoning_effort", r.reasoning_effort);
    if (!r.extra.empty())
        k.name("extra").json_value(r.extra);
    k.end();
    return sha256_hex(k.str());
}

std::string cache_key(std::string_view scope, CompletionRequest const& r)
{
    json::object o;
    o["op"] = "complete";
    o["scope"] = scope;
    o["model"] = r.model;
    if (auto const* one = std::get_if<std::string>(&r.prompt))
        o["prompt"] = *one;
    else
        o["prompts"] = strings(std::get<std::vector<std::string>>(r.prompt));
    put_optional(o, "suffix", r.suffix);
    put_optional(o, "max_tokens", r.max_tokens);
    put_optional(o, "temperature", r.temperature);
    put_optional(o, "top_p", r.top_p);
    put_optional(o, "n", r.n);
    put_optional(o, "best_of", r.best_of);
    put_optional(o, "logprobs", r.logprobs);
    put_optional(o, "echo", r.echo);
    if (!r.stop.empty())
        o["stop"] = strings(r.stop);
    put_optional(o, "presence_penalty", r.presence_penalty);
    put_optional(o, "frequency_penalty", r.frequency_penalty);
    if (!r.logit_bias.empty()) {
        json::object bias;
        for (auto const& [token, value] : r.logit_bias)
            bias[std::to_string(token)] = value;
        o["logit_bias"] = std::move(bias);
    }
    put_optional(o, "seed", r.seed);
    put_optional(o, "user", r.user);
    put_optional(o, "include_usage", r.include_usage);
    if (!r.extra.empty())
        o["extra"] = r.extra;
    return hash_of(o);
}

std::string cache_key(std::string_view scope, EmbeddingRequest const& r)
{
    json::object o;
    o["op"] = "embed";
    o["scope"] = scope;
    o["model"] = r.model;
    o["input"] = strings(r.input);
    if (r.encoding)
        o["encoding"] = to_string(*r.encoding);
    put_optional(o, "dimensions", r.dimensions);
    put_optional(o, "user", r.user);
    if (!r.extra.empty())
        o["extra"] = r.extra;
    return hash_of(o);
}

} // namespace llmio::detail

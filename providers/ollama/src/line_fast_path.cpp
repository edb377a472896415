#include <llmio/ollama/line_fast_path.hpp>

#include <boost/json/basic_parser_impl.hpp>

namespace llmio::ollama {

namespace json = boost::json;
using boost::system::error_code;
using Handler = LineFastPath::Handler;
using Slot = Handler::Slot;

namespace {

json::parse_options fast_parse_options()
{
    json::parse_options opts;
    opts.allow_invalid_utf8 = true; // as the DOM reader (ArenaJsonParser)
    return opts;
}

struct Known {
    Slot slot;
    unsigned bit; // one per key, for repeated keys
};

// The keys of the common line; any other makes the DOM reader take it.
bool known_key(int depth, std::string_view key, Known& out)
{
    if (depth == 1) {
        if (key == "model") out = {Slot::model, 1u << 0};
        else if (key == "created_at") out = {Slot::ignore, 1u << 1};
        else if (key == "message") out = {Slot::message, 1u << 2};
        else if (key == "done") out = {Slot::done, 1u << 3};
        else return false;
        return true;
    }
    if (key == "role") out = {Slot::ignore, 1u << 4};
    else if (key == "content") out = {Slot::content, 1u << 5};
    else if (key == "thinking") out = {Slot::thinking, 1u << 6};
    else return false;
    return true;
}

} // namespace

void Handler::start(ChatChunk& out)
{
    out = ChatChunk{};
    chunk = &out;
    key.clear();
    depth = 0;
    seen = 0;
    saw_message = false;
    slot = Slot::none;
}

bool Handler::give_up(error_code& ec)
{
    ec = json::error::extra_data; // any error: it only stops the parse
    return false;
}

bool Handler::on_object_begin(error_code& ec)
{
    if (depth == 0 || (depth == 1 && slot == Slot::message)) {
        saw_message = saw_message || depth == 1;
        ++depth;
        slot = Slot::none;
        return true;
    }
    return give_up(ec);
}

bool Handler::on_object_end(std::size_t, error_code&)
{
    --depth;
    slot = Slot::none;
    return true;
}

bool Handler::on_key_part(json::string_view s, std::size_t, error_code&)
{
    key.append(s.data(), s.size());
    return true;
}

bool Handler::on_key(json::string_view s, std::size_t, error_code& ec)
{
    std::string_view name(s.data(), s.size());
    if (!key.empty()) {
        key.append(name);
        name = key;
    }
    Known known{};
    bool const ok = known_key(depth, name, known);
    key.clear();
    if (!ok || (seen & known.bit) != 0)
        return give_up(ec);
    seen |= known.bit;
    slot = known.slot;
    return true;
}

std::string* Handler::string_target()
{
    switch (slot) {
    case Slot::model: return &chunk->model;
    case Slot::content: return &chunk->content;
    case Slot::thinking: return &chunk->reasoning;
    default: return nullptr;
    }
}

bool Handler::on_string_part(json::string_view s, std::size_t, error_code& ec)
{
    if (slot == Slot::ignore)
        return true;
    auto* target = string_target();
    if (target == nullptr)
        return give_up(ec); // e.g. "message" or "done" as a string
    target->append(s.data(), s.size());
    return true;
}

bool Handler::on_string(json::string_view s, std::size_t n, error_code& ec)
{
    if (!on_string_part(s, n, ec))
        return false;
    slot = Slot::none;
    return true;
}

bool Handler::on_bool(bool b, error_code& ec)
{
    // `done: true` ends the stream with the reason and the counters: the DOM reader's line.
    if (slot != Slot::done || b)
        return give_up(ec);
    slot = Slot::none;
    return true;
}

LineFastPath::LineFastPath() : parser_(fast_parse_options()) {}

bool LineFastPath::parse(std::string_view line, ChatChunk& out)
{
    auto& h = parser_.handler();
    h.start(out);
    error_code ec;
    auto const used = parser_.write_some(false, line.data(), line.size(), ec);
    parser_.reset();
    // A line without a message carries no part of the answer (no_choice): the DOM reader's too.
    return !ec && used == line.size() && h.depth == 0 && h.saw_message;
}

} // namespace llmio::ollama

#include <llmio/openai/chunk_fast_path.hpp>

#include <llmio/finish_reason.hpp>

#include <boost/json/basic_parser_impl.hpp>

#include <climits>
#include <optional>

namespace llmio::openai {

namespace json = boost::json;
using boost::system::error_code;
using Handler = ChunkFastPath::Handler;
using Slot = Handler::Slot;
using Level = Handler::Level;

namespace {

json::parse_options fast_parse_options()
{
    json::parse_options opts;
    opts.allow_invalid_utf8 = true; // as the DOM reader: a character may be cut between events
    return opts;
}

// The slot of `key` in an object at `level`; nullopt for a key that cannot appear there.
std::optional<Slot> slot_for(Level level, std::string_view key)
{
    switch (level) {
    case Level::root:
        if (key == "choices") return Slot::choices;
        if (key == "id") return Slot::id;
        if (key == "model") return Slot::model;
        if (key == "usage" || key == "timings" || key == "error") return Slot::null_only;
        return Slot::skip;
    case Level::choice:
        if (key == "delta") return Slot::delta;
        if (key == "finish_reason") return Slot::finish_reason;
        if (key == "index") return Slot::index;
        if (key == "message") return Slot::null_only;
        return Slot::skip;
    case Level::delta:
        if (key == "content") return Slot::content;
        if (key == "reasoning_content") return Slot::reasoning_content;
        if (key == "reasoning") return Slot::reasoning;
        if (key == "refusal") return Slot::refusal;
        if (key == "tool_calls") return Slot::null_only;
        return Slot::skip;
    case Level::choices:
        break;
    }
    return std::nullopt;
}

} // namespace

void Handler::start(ChatChunk& out)
{
    out = ChatChunk{};
    chunk = &out;
    reasoning_alt.clear();
    key.clear();
    depth = 0;
    skipping = 0;
    seen_at = {};
    choices = 0;
    slot = Slot::skip;
}

bool Handler::give_up(error_code& ec)
{
    ec = json::error::extra_data; // any error: it only stops the parse
    return false;
}

bool Handler::on_object_begin(error_code& ec)
{
    if (skipping > 0) {
        ++skipping;
        return true;
    }
    Level next;
    if (depth == 0)
        next = Level::root;
    else if (levels[depth - 1] == Level::choices)
        next = Level::choice; // one choice per stream chunk; more go to the DOM reader
    else if (slot == Slot::delta)
        next = Level::delta;
    else if (slot == Slot::skip) {
        ++skipping;
        return true;
    } else
        return give_up(ec);
    if (next == Level::choice && ++choices > 1)
        return give_up(ec);
    return enter(next);
}

bool Handler::enter(Level level)
{
    levels[depth] = level;
    seen_at[depth] = 0;
    ++depth;
    slot = Slot::skip;
    return true;
}

bool Handler::leave()
{
    if (skipping > 0)
        --skipping;
    else
        --depth;
    slot = Slot::skip;
    return true;
}

bool Handler::on_object_end(std::size_t, error_code&) { return leave(); }

bool Handler::on_array_begin(error_code& ec)
{
    if (skipping > 0) {
        ++skipping;
        return true;
    }
    if (depth == 0 || levels[depth - 1] == Level::choices)
        return give_up(ec);
    if (slot == Slot::skip) {
        ++skipping;
        return true;
    }
    if (slot != Slot::choices)
        return give_up(ec); // e.g. content as an array of parts
    return enter(Level::choices);
}

bool Handler::on_array_end(std::size_t, error_code&) { return leave(); }

bool Handler::on_key_part(json::string_view s, std::size_t, error_code&)
{
    if (skipping == 0)
        key.append(s.data(), s.size());
    return true;
}

bool Handler::on_key(json::string_view s, std::size_t, error_code& ec)
{
    if (skipping > 0)
        return true;
    std::string_view name(s.data(), s.size());
    if (!key.empty()) {
        key.append(name);
        name = key;
    }
    auto const found = slot_for(levels[depth - 1], name);
    key.clear();
    if (!found)
        return give_up(ec);
    slot = *found;
    if (slot != Slot::skip && slot != Slot::null_only) {
        // A repeated key: the DOM keeps one of the two; let it decide.
        unsigned const bit = 1u << static_cast<unsigned>(slot);
        if (seen_at[depth - 1] & bit)
            return give_up(ec);
        seen_at[depth - 1] |= bit;
    }
    return true;
}

std::string* Handler::string_target()
{
    switch (slot) {
    case Slot::id: return &chunk->id;
    case Slot::model: return &chunk->model;
    case Slot::content: return &chunk->content;
    case Slot::reasoning_content: return &chunk->reasoning;
    case Slot::reasoning: return &reasoning_alt;
    case Slot::refusal: return &chunk->refusal;
    case Slot::finish_reason: return &chunk->finish_reason_raw;
    default: return nullptr;
    }
}

bool Handler::on_string_part(json::string_view s, std::size_t, error_code& ec)
{
    if (skipping > 0)
        return true;
    if (depth == 0 || levels[depth - 1] == Level::choices)
        return give_up(ec);
    if (slot == Slot::skip)
        return true;
    auto* target = string_target();
    if (target == nullptr)
        return give_up(ec);
    target->append(s.data(), s.size());
    return true;
}

bool Handler::on_string(json::string_view s, std::size_t n, error_code& ec)
{
    if (!on_string_part(s, n, ec))
        return false;
    if (skipping == 0)
        slot = Slot::skip;
    return true;
}

bool Handler::scalar(error_code& ec)
{
    if (skipping > 0)
        return true;
    if (depth == 0 || levels[depth - 1] == Level::choices || slot != Slot::skip)
        return give_up(ec);
    return true;
}

bool Handler::on_int64(std::int64_t i, json::string_view, error_code& ec)
{
    if (skipping == 0 && depth > 0 && levels[depth - 1] != Level::choices) {
        if (slot == Slot::index && i >= 0 && i <= INT_MAX) {
            chunk->choice_index = static_cast<int>(i);
            slot = Slot::skip;
            return true;
        }
        if (slot == Slot::id) {
            chunk->id = std::to_string(i);
            slot = Slot::skip;
            return true;
        }
    }
    return scalar(ec);
}

bool Handler::on_uint64(std::uint64_t u, json::string_view, error_code& ec)
{
    if (skipping == 0 && slot == Slot::index && u <= static_cast<std::uint64_t>(INT_MAX)) {
        chunk->choice_index = static_cast<int>(u);
        slot = Slot::skip;
        return true;
    }
    return scalar(ec);
}

bool Handler::on_double(double, json::string_view, error_code& ec) { return scalar(ec); }

bool Handler::on_bool(bool, error_code& ec) { return scalar(ec); }

bool Handler::on_null(error_code& ec)
{
    if (skipping > 0)
        return true;
    if (depth == 0 || levels[depth - 1] == Level::choices)
        return give_up(ec);
    slot = Slot::skip; // null reads as absent for every field the shape has
    return true;
}

ChunkFastPath::ChunkFastPath() : parser_(fast_parse_options()) {}

bool ChunkFastPath::parse(std::string_view data, ChatChunk& out)
{
    auto& h = parser_.handler();
    h.start(out);
    error_code ec;
    auto const used = parser_.write_some(false, data.data(), data.size(), ec);
    parser_.reset();
    if (ec || used != data.size() || h.depth != 0)
        return false;
    out.no_choice = h.choices == 0;
    if (!out.finish_reason_raw.empty())
        out.finish_reason = finish_reason_from_string(out.finish_reason_raw);
    if (out.reasoning.empty())
        out.reasoning = std::move(h.reasoning_alt);
    return true;
}

} // namespace llmio::openai

#include <llmio/chat_assembler.hpp>

#include <llmio/error.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <string>
#include <string_view>

namespace llmio {

namespace json = boost::json;

namespace {

// Parses `text` as one JSON value into `out`; false when it is not exactly one value.
// Only runs on rare events (a header delta, or a fragment equal to the whole call), so a
// stack buffer suffices to keep small checks allocation-free.
template <class F>
bool with_parsed(std::string_view text, F&& f)
{
    if (text.empty())
        return false;
    unsigned char buffer[2048];
    json::monotonic_resource mr(buffer, sizeof buffer);
    boost::system::error_code ec;
    json::value v = json::parse(text, ec, &mr);
    if (ec)
        return false;
    return f(v);
}

bool is_complete_json(std::string_view text)
{
    return with_parsed(text, [](json::value const&) { return true; });
}

// `fragment` is a JSON string whose text equals `accumulated` (double-encoded copy).
bool is_encoded_copy(std::string_view fragment, std::string_view accumulated)
{
    if (fragment.size() < 2 || fragment.front() != '"')
        return false;
    return with_parsed(fragment, [accumulated](json::value const& v) {
        return v.is_string() && std::string_view(v.get_string()) == accumulated;
    });
}

bool starts_object(std::string_view text)
{
    auto const pos = text.find_first_not_of(" \t\r\n");
    return pos != std::string_view::npos && text[pos] == '{';
}

std::string generated_id(std::size_t index) { return "call_" + std::to_string(index); }

} // namespace

void ChatAssembler::reset()
{
    *this = ChatAssembler();
}

ChatAssembler::Slot* ChatAssembler::latest_with_wire_index(int index) noexcept
{
    for (auto it = calls_.rbegin(); it != calls_.rend(); ++it) {
        if (it->wire_index == index)
            return &*it;
    }
    return nullptr;
}

ChatAssembler::Slot* ChatAssembler::with_server_id(std::string const& id) noexcept
{
    for (auto it = calls_.rbegin(); it != calls_.rend(); ++it) {
        if (!it->id_generated && it->call.id == id)
            return &*it;
    }
    return nullptr;
}

bool ChatAssembler::starts_new_call(Slot const& slot, ToolCallDelta const& d) const
{
    if (!d.id.empty() && !slot.id_generated && d.id != slot.call.id)
        return true;
    if (!d.name.empty() && !slot.call.name.empty() && d.name != slot.call.name)
        return true;
    // A header delta (id or name) opening a new object after this call's arguments are
    // complete: a second call under the same index (or without any index and id).
    if ((!d.id.empty() || !d.name.empty()) && starts_object(d.arguments) &&
        d.arguments != slot.call.arguments && is_complete_json(slot.call.arguments))
        return true;
    return false;
}

std::size_t ChatAssembler::open_slot(ToolCallDelta const& d)
{
    if (calls_.size() >= kMaxToolCalls) {
        ErrorInfo info;
        info.detail = "more than " + std::to_string(kMaxToolCalls) + " tool calls in one answer";
        throw_error(errc::body_too_large, std::move(info));
    }
    Slot& slot = calls_.emplace_back();
    slot.wire_index = d.index;
    return calls_.size() - 1;
}

void ChatAssembler::apply_tool_call(ToolCallDelta& d, std::size_t position)
{
    std::optional<std::size_t> target;
    if (d.index) {
        if (Slot* s = latest_with_wire_index(*d.index); s && !starts_new_call(*s, d))
            target = static_cast<std::size_t>(s - calls_.data());
    } else if (!d.id.empty()) {
        if (Slot* s = with_server_id(d.id); s && !starts_new_call(*s, d))
            target = static_cast<std::size_t>(s - calls_.data());
    } else if (position < unindexed_.size()) {
        Slot const& s = calls_[unindexed_[position]];
        if (!starts_new_call(s, d))
            target = unindexed_[position];
    }
    std::size_t const at = target ? *target : open_slot(d);
    if (!d.index) {
        if (unindexed_.size() <= position)
            unindexed_.resize(position + 1, at);
        unindexed_[position] = at;
    }

    Slot& slot = calls_[at];
    if (!d.id.empty() && (slot.id_generated || slot.call.id.empty())) {
        slot.call.id = d.id;
        slot.id_generated = false;
    } else if (slot.call.id.empty()) {
        slot.call.id = generated_id(at);
        slot.id_generated = true;
    }

    bool revealed_name = false;
    if (slot.call.name.empty() && !d.name.empty()) {
        slot.call.name = d.name;
        revealed_name = true;
    }

    std::string& args = slot.call.arguments;
    bool const duplicate = !d.arguments.empty() && !args.empty() &&
                           (d.arguments == args || is_encoded_copy(d.arguments, args)) &&
                           is_complete_json(args);
    if (duplicate)
        d.arguments.clear();
    else
        args += d.arguments;

    d.index = static_cast<int>(at);
    d.id = slot.call.id;
    if (!revealed_name)
        d.name.clear();
}

void ChatAssembler::apply(ChatChunk& chunk)
{
    if (response_.id.empty() && !chunk.id.empty())
        response_.id = chunk.id;
    if (response_.model.empty() && !chunk.model.empty())
        response_.model = chunk.model;
    if (chunk.stats)
        response_.stats = chunk.stats;

    bool const mine = chunk.no_choice || chunk.choice_index == 0;
    if (!mine)
        return;

    if (!chunk.no_choice) {
        response_.content += chunk.content;
        response_.reasoning += chunk.reasoning;
        response_.refusal += chunk.refusal;
        for (std::size_t i = 0; i < chunk.tool_calls.size(); ++i)
            apply_tool_call(chunk.tool_calls[i], i);
    }

    bool const finishing = chunk.finish_reason && *chunk.finish_reason != FinishReason::none;
    if (finishing && !finished_) {
        finished_ = true;
        response_.finish_reason = *chunk.finish_reason;
        response_.finish_reason_raw = chunk.finish_reason_raw;
    } else if (chunk.finish_reason) {
        chunk.finish_reason.reset();
        chunk.finish_reason_raw.clear();
    }

    if (chunk.usage) {
        // `finished_` covers both the finishing chunk itself and any chunk after it.
        if (chunk.no_choice || finished_) {
            response_.usage = chunk.usage;
            saw_usage_ = true;
        } else {
            chunk.usage.reset();
        }
    }
}

ChatResponse ChatAssembler::result() const
{
    ChatResponse r = response_;
    r.tool_calls.reserve(calls_.size());
    for (std::size_t i = 0; i < calls_.size(); ++i) {
        ToolCall call = calls_[i].call;
        if (call.arguments.empty()) {
            call.arguments = "{}";
            r.warnings.push_back("tool call " + std::to_string(i) + " (" + call.id +
                                 ") had empty arguments; replaced by {}");
        }
        if (call.name.empty())
            r.warnings.push_back("tool call " + std::to_string(i) + " (" + call.id +
                                 ") has no function name");
        r.tool_calls.push_back(std::move(call));
    }
    return r;
}

ChatResponse ChatAssembler::take()
{
    ChatResponse r = result();
    reset();
    return r;
}

} // namespace llmio

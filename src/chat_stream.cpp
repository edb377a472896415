#include <llmio/chat_stream.hpp>

#include <llmio/error.hpp>

namespace llmio {

namespace {

bool carries_something(ChatChunk const& c)
{
    return !c.content.empty() || !c.reasoning.empty() || !c.refusal.empty() ||
           !c.tool_calls.empty() || c.finish_reason || c.usage || c.stats;
}

} // namespace

struct ChatStream::State {
    std::unique_ptr<Source> source;
    std::string provider;
    ChatChunk chunk; // filled by the source; a member keeps next()'s frame small
    ChatAssembler assembler;
    std::optional<ChatResponse> result;
    bool done = false;
    bool busy = false;
};

ChatStream::ChatStream(std::unique_ptr<Source> source, std::string provider)
    : state_(std::make_unique<State>())
{
    state_->source = std::move(source);
    state_->provider = std::move(provider);
}
ChatStream::ChatStream(ChatStream&&) noexcept = default;
ChatStream& ChatStream::operator=(ChatStream&& other) noexcept
{
    if (this != &other) {
        close();
        state_ = std::move(other.state_);
    }
    return *this;
}
ChatStream::~ChatStream() { close(); }

bool ChatStream::done() const noexcept { return state_ && state_->done; }

ChatResponse const& ChatStream::result() const
{
    if (!state_) {
        static ChatResponse const empty;
        return empty;
    }
    if (!state_->result)
        state_->result = state_->assembler.result();
    return *state_->result;
}

void ChatStream::close() noexcept
{
    if (state_ && state_->source)
        state_->source->close();
}

boost::asio::awaitable<std::optional<ChatChunk>> ChatStream::next()
{
    if (!state_)
        co_return std::nullopt;
    auto& s = *state_;
    if (s.busy)
        throw_error(errc::operation_in_progress, "ChatStream::next() is already running");
    if (s.done || !s.source)
        co_return std::nullopt;
    s.busy = true;
    struct Unbusy {
        bool& flag;
        ~Unbusy() { flag = false; }
    } unbusy{s.busy};

    try {
        // Bounded by the source: each pass consumes one wire chunk.
        for (;;) {
            bool const more = co_await s.source->next(s.chunk);
            if (!more) {
                s.done = true;
                co_return std::nullopt;
            }
            if (s.chunk.choice_index != 0)
                continue;
            s.assembler.apply(s.chunk);
            s.result.reset();
            if (!carries_something(s.chunk))
                continue;
            co_return std::move(s.chunk);
        }
    } catch (...) {
        s.source->close();
        rethrow_attributed(s.provider);
    }
}

} // namespace llmio

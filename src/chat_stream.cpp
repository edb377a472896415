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

ChatStream::ChatStream(std::unique_ptr<Source> source, std::string provider)
    : source_(std::move(source)), provider_(std::move(provider))
{
}
ChatStream::ChatStream(ChatStream&&) noexcept = default;
ChatStream& ChatStream::operator=(ChatStream&&) noexcept = default;
ChatStream::~ChatStream() { close(); }

ChatResponse const& ChatStream::result() const
{
    if (!result_)
        result_ = assembler_.result();
    return *result_;
}

void ChatStream::close() noexcept
{
    if (source_)
        source_->close();
}

boost::asio::awaitable<std::optional<ChatChunk>> ChatStream::next()
{
    if (busy_)
        throw_error(errc::operation_in_progress, "ChatStream::next() is already running");
    if (done_ || !source_)
        co_return std::nullopt;
    busy_ = true;
    struct Unbusy {
        bool& flag;
        ~Unbusy() { flag = false; }
    } unbusy{busy_};

    try {
        // Bounded by the source: each pass consumes one wire chunk.
        for (;;) {
            bool const more = co_await source_->next(chunk_);
            if (!more) {
                done_ = true;
                co_return std::nullopt;
            }
            if (chunk_.choice_index != 0)
                continue;
            assembler_.apply(chunk_);
            result_.reset();
            if (!carries_something(chunk_))
                continue;
            co_return std::move(chunk_);
        }
    } catch (...) {
        source_->close();
        rethrow_attributed(provider_);
    }
}

} // namespace llmio

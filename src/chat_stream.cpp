#include <llmio/chat_stream.hpp>

#include <llmio/error.hpp>

namespace llmio {

namespace {

bool carries_something(ChatChunk const& c)
{
    return !c.content.empty() || !c.reasoning.empty() || !c.refusal.empty() ||
           !c.tool_calls.empty() || c.finish_reason || c.usage || c.stats;
}

// What a measured stream learns from a delivered chunk: no allocation, one branch per field.
void measure(RequestMeter& meter, ChatChunk const& c)
{
    if (!c.content.empty() || !c.reasoning.empty() || !c.refusal.empty() || !c.tool_calls.empty())
        meter.token();
    if (c.usage)
        meter.set_usage(*c.usage);
    if (c.stats)
        meter.set_stats(*c.stats);
    if (!c.model.empty())
        meter.set_answer_model(c.model);
}

} // namespace

ChatStream::ChatStream(std::unique_ptr<Source> source) noexcept : source_(std::move(source)) {}

ChatStream& ChatStream::operator=(ChatStream&& other) noexcept
{
    if (this != &other) {
        close();
        source_ = std::move(other.source_);
    }
    return *this;
}

ChatStream::~ChatStream() { close(); }

bool ChatStream::done() const noexcept { return source_ && source_->done_; }

ChatResponse const& ChatStream::result() const
{
    if (!source_) {
        static ChatResponse const empty;
        return empty;
    }
    if (!source_->result_) {
        source_->result_ = std::make_unique<ChatResponse>(source_->assembler_.result());
        source_->result_->cached = source_->cached_;
    }
    return *source_->result_;
}

void ChatStream::close() noexcept
{
    if (!source_)
        return;
    source_->close();
    if (source_->meter_ && !source_->meter_->finished())
        source_->meter_->cancel(); // closed before its end
}

void ChatStream::attach_meter(std::unique_ptr<RequestMeter> meter) noexcept
{
    if (source_)
        source_->meter_ = std::move(meter);
}

// One wire chunk the source gave (`more`: false after the terminator), folded into the answer.
ChatStream::Step ChatStream::take(bool more)
{
    auto& s = *source_;
    if (!more) {
        s.done_ = true;
        if (s.meter_)
            s.meter_->succeed();
        return Step::end;
    }
    if (s.chunk_.choice_index != 0)
        return Step::skip;
    s.assembler_.apply(s.chunk_);
    s.result_.reset();
    if (!carries_something(s.chunk_))
        return Step::skip;
    if (s.meter_)
        measure(*s.meter_, s.chunk_);
    return Step::deliver;
}

// A stream that failed is over; the sources name the provider.
void ChatStream::fail() noexcept
{
    source_->close();
    if (source_->meter_)
        source_->meter_->fail(std::current_exception());
}

boost::asio::awaitable<std::optional<ChatChunk>> ChatStream::next()
{
    if (!source_)
        co_return std::nullopt;
    auto& s = *source_;
    if (s.busy_)
        throw_error(errc::operation_in_progress, "ChatStream::next() is already running");
    if (s.done_)
        co_return std::nullopt;
    s.busy_ = true;
    struct Unbusy {
        bool& flag;
        ~Unbusy() { flag = false; }
    } unbusy{s.busy_};

    try {
        // Bounded by the source: each pass consumes one wire chunk.
        for (;;) {
            // A chunk already buffered is decoded without suspending; only an empty buffer
            // costs the source's coroutine and a read.
            auto const ready = s.try_next(s.chunk_);
            bool more = ready == Source::Ready::chunk;
            if (ready == Source::Ready::pending)
                more = co_await s.next(s.chunk_);
            auto const step = take(more);
            if (step == Step::end)
                co_return std::nullopt;
            if (step == Step::deliver)
                co_return std::move(s.chunk_);
        }
    } catch (...) {
        fail();
        throw;
    }
}

ChatStream::Poll ChatStream::try_next(ChatChunk& out)
{
    if (!source_ || source_->done_)
        return Poll::end;
    auto& s = *source_;
    if (s.busy_)
        throw_error(errc::operation_in_progress, "ChatStream::try_next() while next() is running");
    try {
        // Bounded by the buffered bytes: each pass consumes one wire chunk.
        for (;;) {
            auto const ready = s.try_next(s.chunk_);
            if (ready == Source::Ready::pending)
                return Poll::pending;
            auto const step = take(ready == Source::Ready::chunk);
            if (step == Step::end)
                return Poll::end;
            if (step == Step::deliver) {
                out = std::move(s.chunk_);
                return Poll::chunk;
            }
        }
    } catch (...) {
        fail();
        throw;
    }
}

} // namespace llmio

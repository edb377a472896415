#include <llmio/completion_stream.hpp>

#include <llmio/error.hpp>

#include <algorithm>

namespace llmio {

namespace {

bool carries_something(CompletionChunk const& c)
{
    return !c.text.empty() || c.finish_reason || c.usage || c.stats;
}

} // namespace

CompletionStream::CompletionStream(std::unique_ptr<Source> source) noexcept
    : source_(std::move(source))
{
}

CompletionStream& CompletionStream::operator=(CompletionStream&& other) noexcept
{
    if (this != &other) {
        close();
        source_ = std::move(other.source_);
    }
    return *this;
}

CompletionStream::~CompletionStream() { close(); }

bool CompletionStream::done() const noexcept { return source_ && source_->done_; }

CompletionResponse const& CompletionStream::result() const
{
    if (!source_) {
        static CompletionResponse const empty;
        return empty;
    }
    return source_->response_;
}

void CompletionStream::close() noexcept
{
    if (!source_)
        return;
    source_->close();
    if (source_->meter_ && !source_->meter_->finished())
        source_->meter_->cancel(); // closed before its end
}

void CompletionStream::attach_meter(std::unique_ptr<RequestMeter> meter) noexcept
{
    if (source_)
        source_->meter_ = std::move(meter);
}

namespace {

// Adds `chunk` to the answer and normalises it: a repeated finish reason and untrusted usage
// are removed (docs/protocols.md, OpenAI: streaming; the rules of ChatAssembler).
template <class Choice>
void apply(CompletionChunk& chunk, CompletionResponse& response, std::vector<Choice>& states,
           bool& trailer)
{
    if (response.id.empty())
        response.id = chunk.id;
    if (response.model.empty())
        response.model = chunk.model;
    if (chunk.stats)
        response.stats = chunk.stats;
    if (chunk.no_choice) {
        if (chunk.usage) { // OpenAI's `include_usage` trailer: the whole request's usage
            response.usage = chunk.usage;
            trailer = true;
        }
        return;
    }
    // Choices stay sorted by index; a new index is inserted where it belongs.
    auto const at = std::lower_bound(response.choices.begin(), response.choices.end(), chunk.index,
                                     [](CompletionChoice const& c, std::int64_t i) { return c.index < i; });
    auto const pos = static_cast<std::size_t>(at - response.choices.begin());
    if (at == response.choices.end() || at->index != chunk.index) {
        CompletionChoice fresh;
        fresh.index = chunk.index;
        response.choices.insert(at, std::move(fresh));
        states.insert(states.begin() + static_cast<std::ptrdiff_t>(pos), Choice{});
    }
    auto& choice = response.choices[pos];
    auto& state = states[pos];
    choice.text += chunk.text;
    bool const finishing = chunk.finish_reason && *chunk.finish_reason != FinishReason::none;
    if (finishing && !state.finished) {
        state.finished = true;
        choice.finish_reason = *chunk.finish_reason;
        choice.finish_reason_raw = chunk.finish_reason_raw;
    } else if (chunk.finish_reason) {
        chunk.finish_reason.reset();
        chunk.finish_reason_raw.clear();
    }
    if (!chunk.usage)
        return;
    if (!state.finished) {
        chunk.usage.reset(); // before the finish: a placeholder (Ollama's `/v1` zeroes)
        return;
    }
    state.usage = chunk.usage;
    if (trailer)
        return;
    // Usage on finish chunks is per choice (llama.cpp answers each prompt of a list on its
    // own): the request's usage is their sum.
    Usage sum;
    for (auto const& s : states) {
        if (!s.usage)
            continue;
        sum.prompt_tokens += s.usage->prompt_tokens;
        sum.completion_tokens += s.usage->completion_tokens;
        sum.total_tokens += s.usage->total_tokens;
    }
    response.usage = sum;
}

} // namespace

// One wire chunk the source gave (`more`: false after the terminator), folded into the answer.
CompletionStream::Step CompletionStream::take(bool more)
{
    auto& s = *source_;
    if (!more) {
        s.done_ = true;
        if (auto* meter = s.meter_.get()) {
            if (s.response_.usage)
                meter->set_usage(*s.response_.usage);
            if (s.response_.stats)
                meter->set_stats(*s.response_.stats);
            meter->set_answer_model(s.response_.model);
            meter->succeed();
        }
        return Step::end;
    }
    apply(s.chunk_, s.response_, s.choices_, s.trailer_);
    if (!carries_something(s.chunk_))
        return Step::skip;
    if (s.meter_ && !s.chunk_.text.empty())
        s.meter_->token();
    return Step::deliver;
}

// A stream that failed is over; the sources name the provider.
void CompletionStream::fail() noexcept
{
    source_->close();
    if (source_->meter_)
        source_->meter_->fail(std::current_exception());
}

boost::asio::awaitable<std::optional<CompletionChunk>> CompletionStream::next()
{
    if (!source_)
        co_return std::nullopt;
    auto& s = *source_;
    if (s.busy_)
        throw_error(errc::operation_in_progress, "CompletionStream::next() is already running");
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

CompletionStream::Poll CompletionStream::try_next(CompletionChunk& out)
{
    if (!source_ || source_->done_)
        return Poll::end;
    auto& s = *source_;
    if (s.busy_)
        throw_error(errc::operation_in_progress, "CompletionStream::try_next() while next() is running");
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

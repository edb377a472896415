#include <llmio/framed_chat_source.hpp>

#include <llmio/error.hpp>

namespace llmio {

template <class Stream>
FramedSource<Stream>::FramedSource(http::HttpStream stream, ProviderTransport const& transport,
                                   Framing framing)
    : stream_(std::move(stream))
    , transport_(transport)
    , framing_(framing)
    , answer_(transport.options().http.limits.max_answer_bytes)
{
}

template <class Stream>
void FramedSource<Stream>::fail()
{
    stream_.close(); // the connection cannot be reused after an error mid-body
    // Errors thrown with the provider's name (the transport's in-band mapping) go on as they
    // are: the same exception object, thrown once. It is kept: the source is over, and a later
    // call sees the same error instead of the chunks buffered behind it.
    try {
        rethrow_attributed(transport_.provider());
    } catch (...) {
        error_ = std::current_exception();
        throw;
    }
}

template <class Stream>
auto FramedSource<Stream>::decoded(Chunk& out) -> Ready
{
    if (error_)
        std::rethrow_exception(error_);
    if (finished_)
        return Ready::end;
    if (starved_ || terminated_)
        return Ready::pending;
    switch (decode(out)) {
    case Frame::chunk:
        saw_choice_ = saw_choice_ || !out.no_choice;
        if (!answer_.add(out))
            answer_.throw_exceeded(transport_.provider()); // the server would go on
        return Ready::chunk;
    case Frame::end:
        terminated_ = true; // next() reads what is left of the body
        return Ready::pending;
    case Frame::need_more:
        if (body_ended_) {
            ErrorInfo info;
            info.provider = transport_.provider();
            info.detail = std::string(framing_.missing_terminator);
            throw_error(errc::stream_truncated, std::move(info));
        }
        starved_ = true;
        return Ready::pending;
    case Frame::line_too_long:
        break;
    }
    ErrorInfo info;
    info.provider = transport_.provider();
    info.cause = make_error_code(errc::body_too_large);
    info.detail = std::string(framing_.line_kind) + " exceeds the limit of " +
                  std::to_string(transport_.options().http.limits.max_line_bytes) + " bytes";
    throw_error(errc::body_too_large, std::move(info));
}

template <class Stream>
auto FramedSource<Stream>::try_next(Chunk& out) -> Ready
{
    try {
        return decoded(out);
    } catch (...) {
        fail();
    }
}

template <class Stream>
boost::asio::awaitable<bool> FramedSource<Stream>::next(Chunk& out)
{
    try {
        // Each pass decodes what is buffered, else reads one body slice; the stream's idle and
        // total timeouts bound the waiting, and the body's end ends the loop.
        for (;;) {
            Ready const ready = decoded(out);
            if (ready != Ready::pending)
                co_return ready == Ready::chunk;
            if (terminated_) {
                co_await stream_.discard_rest();
                if (!saw_choice_) {
                    ErrorInfo info;
                    info.provider = transport_.provider();
                    info.detail = std::string(framing_.no_choice);
                    throw_error(errc::malformed_response, std::move(info));
                }
                finished_ = true;
                co_return false;
            }
            auto const slice = co_await stream_.read_some();
            starved_ = false;
            if (slice) {
                if (auto* meter = this->meter())
                    meter->add_bytes(slice->size());
                push(*slice);
            } else {
                body_ended_ = true;
                push_end();
            }
        }
    } catch (...) {
        fail();
    }
}

template class FramedSource<ChatStream>;
template class FramedSource<CompletionStream>;

} // namespace llmio

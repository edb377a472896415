#include <llmio/openai/sse_chat_source.hpp>

#include <llmio/error.hpp>

#include <boost/json/serialize.hpp>

namespace llmio::openai {

namespace asio = boost::asio;

SseChatSource::SseChatSource(http::HttpStream stream, ProviderTransport const& transport)
    : stream_(std::move(stream))
    , transport_(transport)
    , sse_(http::SseLimits{transport.options().http.limits.max_line_bytes,
                           transport.options().http.limits.max_line_bytes})
{
}

void SseChatSource::fail_in_band(boost::json::value const& body)
{
    try {
        transport_.throw_in_band(boost::json::serialize(body));
    } catch (...) {
        error_ = std::current_exception();
    }
}

bool SseChatSource::on_event(http::SseEvent const& event)
{
    try {
        auto result = parser_.parse(event.data);
        if (auto* chunk = std::get_if<ChatChunk>(&result)) {
            ready_.push_back(std::move(*chunk));
            return true;
        }
        if (auto* error = std::get_if<InBandError>(&result)) {
            fail_in_band(error->body);
            return false;
        }
        done_ = true; // [DONE]: nothing after it counts.
        return false;
    } catch (...) {
        error_ = std::current_exception();
        return false;
    }
}

bool SseChatSource::on_other(http::SseOtherLine const& line)
{
    // llama.cpp reports failures as an `error: {...}` line; some proxies forward a bare JSON
    // error line without `data:` (protocols.md 8.14). Anything else is ignored, as SSE says.
    bool const bare_json = !line.line.empty() && line.line.front() == '{' &&
                           line.line.find("\"error\"") != std::string_view::npos;
    if (line.field == "error") {
        fail_in_band(in_band_error_from_field(line.value).body);
        return false;
    }
    if (bare_json) {
        fail_in_band(in_band_error_from_field(line.line).body);
        return false;
    }
    return true;
}

asio::awaitable<std::optional<ChatChunk>> SseChatSource::next()
{
    auto events = [this](http::SseEvent const& e) { return on_event(e); };
    auto others = [this](http::SseOtherLine const& l) { return on_other(l); };
    // Each pass reads one body slice; the stream's idle and total timeouts bound the waiting.
    for (;;) {
        if (!ready_.empty()) {
            auto chunk = std::move(ready_.front());
            ready_.pop_front();
            co_return chunk;
        }
        if (error_) {
            stream_.close();
            std::rethrow_exception(error_);
        }
        if (done_) {
            co_await stream_.discard_rest();
            co_return std::nullopt;
        }
        auto slice = co_await stream_.read_some();
        boost::system::error_code ec;
        if (slice) {
            ec = sse_.feed(*slice, events, others);
        } else {
            ec = sse_.finish(events, others);
            if (!ec && ready_.empty() && !error_ && !done_) {
                ErrorInfo info;
                info.provider = transport_.provider();
                info.detail = "the event stream ended without data: [DONE]";
                throw_error(errc::stream_truncated, std::move(info));
            }
            // Chunks that arrived before a missing terminator are delivered first; the next
            // pass finds the body ended again and reports the truncation.
        }
        if (ec) {
            stream_.close();
            ErrorInfo info;
            info.provider = transport_.provider();
            info.cause = ec;
            info.detail = "an event-stream line exceeds the limit of " +
                          std::to_string(transport_.options().http.limits.max_line_bytes) + " bytes";
            throw_error(errc::body_too_large, std::move(info));
        }
    }
}

} // namespace llmio::openai

#include <llmio/ollama/ndjson_chat_source.hpp>

#include <llmio/error.hpp>

namespace llmio::ollama {

namespace asio = boost::asio;

NdjsonChatSource::NdjsonChatSource(http::HttpStream stream, ProviderTransport const& transport)
    : stream_(std::move(stream))
    , transport_(transport)
    , splitter_(transport.options().http.limits.max_line_bytes)
{
}

bool NdjsonChatSource::on_line(std::string_view line)
{
    try {
        auto result = parser_.parse(line);
        if (auto* error = std::get_if<InBandError>(&result))
            transport_.throw_in_band(error->body);
        auto& parsed = std::get<ChatLine>(result);
        ready_.push_back(std::move(parsed.chunk));
        if (parsed.done) {
            done_ = true; // nothing after the done line counts
            return false;
        }
        return true;
    } catch (...) {
        error_ = std::current_exception();
        return false;
    }
}

asio::awaitable<std::optional<ChatChunk>> NdjsonChatSource::next()
{
    auto lines = [this](std::string_view l) { return on_line(l); };
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
            ec = splitter_.feed(*slice, lines);
        } else {
            ec = splitter_.finish(lines);
            if (!ec && ready_.empty() && !error_ && !done_) {
                ErrorInfo info;
                info.provider = transport_.provider();
                info.detail = "the NDJSON stream ended without its \"done\": true line";
                throw_error(errc::stream_truncated, std::move(info));
            }
        }
        if (ec) {
            stream_.close();
            ErrorInfo info;
            info.provider = transport_.provider();
            info.cause = ec;
            info.detail = "an NDJSON line exceeds the limit of " +
                          std::to_string(transport_.options().http.limits.max_line_bytes) + " bytes";
            throw_error(errc::body_too_large, std::move(info));
        }
    }
}

} // namespace llmio::ollama

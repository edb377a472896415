#include <llmio/ollama/ndjson_chat_source.hpp>

namespace llmio::ollama {

NdjsonChatSource::NdjsonChatSource(http::HttpStream stream, ProviderTransport const& transport)
    : FramedChatSource(std::move(stream), transport,
                       {"an NDJSON line", "the NDJSON stream ended without its \"done\": true line",
                        "the NDJSON stream ended without any \"message\""})
    , splitter_(transport.options().http.limits.max_line_bytes)
{
}

NdjsonChatSource::Frame NdjsonChatSource::decode(ChatChunk& out)
{
    if (done_line_)
        return Frame::end; // nothing after the done line counts
    switch (splitter_.next()) {
    case http::NdjsonSplitter::Item::line:
        break;
    case http::NdjsonSplitter::Item::need_more:
        return Frame::need_more;
    case http::NdjsonSplitter::Item::failed:
        return Frame::line_too_long;
    }
    std::string_view const line = splitter_.line();
    switch (parser_.parse_into(line, out)) {
    case LineKind::error:
        transport().throw_in_band(line);
    case LineKind::done:
        done_line_ = true;
        break;
    case LineKind::chunk:
        break;
    }
    return Frame::chunk;
}

} // namespace llmio::ollama

#include <llmio/ollama/ndjson_chat_source.hpp>

namespace llmio::ollama {

template <class Stream>
NdjsonSource<Stream>::NdjsonSource(http::HttpStream stream, ProviderTransport const& transport)
    : FramedSource<Stream>(std::move(stream), transport,
                           {"an NDJSON line", "the NDJSON stream ended without its \"done\": true line",
                            // what carries the answer: /api/chat's `message`, /api/generate's `response`
                            std::is_same_v<Stream, ChatStream>
                                ? "the NDJSON stream ended without any \"message\""
                                : "the NDJSON stream ended without any \"response\""})
    , splitter_(transport.options().http.limits.max_line_bytes)
{
}

template <class Stream>
auto NdjsonSource<Stream>::decode(Chunk& out) -> Frame
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
        this->transport().throw_in_band(line);
    case LineKind::done:
        done_line_ = true;
        break;
    case LineKind::chunk:
        break;
    }
    return Frame::chunk;
}

template class NdjsonSource<ChatStream>;
template class NdjsonSource<CompletionStream>;

} // namespace llmio::ollama

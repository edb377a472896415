#include <llmio/openai/sse_chat_source.hpp>

#include <optional>

namespace llmio::openai {

namespace {

// llama.cpp reports failures as an `error: {...}` line; some proxies forward a bare JSON error
// line without `data:` (docs/protocols.md, Server-sent events: lines that are not fields).
// Returns the error's text as received, or nothing for a line SSE says to ignore.
std::optional<std::string_view> in_band_error_text(http::SseOtherLine const& line)
{
    if (line.field == "error")
        return line.value;
    bool const bare_json = !line.line.empty() && line.line.front() == '{' &&
                           line.line.find("\"error\"") != std::string_view::npos;
    if (bare_json)
        return line.line;
    return std::nullopt;
}

} // namespace

template <class Stream>
SseSource<Stream>::SseSource(http::HttpStream stream, ProviderTransport const& transport)
    : FramedSource<Stream>(std::move(stream), transport,
                       {"an event-stream line", "the event stream ended without data: [DONE]",
                        "the event stream ended without any choice: no chunk had a \"choices\" entry"})
    , sse_(http::SseLimits{transport.options().http.limits.max_line_bytes,
                           transport.options().http.limits.max_line_bytes})
{
}

template <class Stream>
auto SseSource<Stream>::decode(Chunk& out) -> Frame
{
    // Bounded: each pass consumes at least one line of the pushed bytes.
    for (;;) {
        switch (sse_.next()) {
        case http::SseParser::Item::event: {
            std::string_view const data = sse_.event().data;
            switch (parser_.parse_into(data, out)) {
            case ChunkEvent::chunk:
                return Frame::chunk;
            case ChunkEvent::done:
                return Frame::end;
            case ChunkEvent::error:
                this->transport().throw_in_band(data);
            }
            break;
        }
        case http::SseParser::Item::other_line:
            if (auto const error = in_band_error_text(sse_.other_line()))
                this->transport().throw_in_band(*error);
            break; // anything else is ignored, as SSE says
        case http::SseParser::Item::need_more:
            return Frame::need_more;
        case http::SseParser::Item::failed:
            return Frame::line_too_long;
        }
    }
}

template class SseSource<ChatStream>;
template class SseSource<CompletionStream>;

} // namespace llmio::openai

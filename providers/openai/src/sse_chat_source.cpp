#include <llmio/openai/sse_chat_source.hpp>

#include <llmio/error.hpp>

#include <boost/json/serialize.hpp>

namespace llmio::openai {

SseChatSource::SseChatSource(http::HttpStream stream, ProviderTransport const& transport)
    : FramedChatSource(std::move(stream), transport,
                       {"an event-stream line", "the event stream ended without data: [DONE]",
                        "the event stream ended without any choice: no chunk had a \"choices\" entry"})
    , sse_(http::SseLimits{transport.options().http.limits.max_line_bytes,
                           transport.options().http.limits.max_line_bytes})
{
}

void SseChatSource::fail_in_band(boost::json::value const& body)
{
    try {
        transport().throw_in_band(boost::json::serialize(body));
    } catch (...) {
        fail_with_current_exception();
    }
}

bool SseChatSource::on_event(http::SseEvent const& event)
{
    try {
        auto result = parser_.parse(event.data);
        if (auto* chunk = std::get_if<ChatChunk>(&result)) {
            deliver(std::move(*chunk));
            return true;
        }
        if (auto* error = std::get_if<InBandError>(&result)) {
            fail_in_band(error->body);
            return false;
        }
        end_of_answer(); // [DONE]
        return false;
    } catch (...) {
        fail_with_current_exception();
        return false;
    }
}

bool SseChatSource::on_other(http::SseOtherLine const& line)
{
    // llama.cpp reports failures as an `error: {...}` line; some proxies forward a bare JSON
    // error line without `data:` (docs/protocols.md, Server-sent events: lines that are not
    // fields). Anything else is ignored, as SSE says.
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

boost::system::error_code SseChatSource::feed(std::string_view slice)
{
    return sse_.feed(
        slice, [this](http::SseEvent const& e) { return on_event(e); },
        [this](http::SseOtherLine const& l) { return on_other(l); });
}

boost::system::error_code SseChatSource::finish()
{
    return sse_.finish([this](http::SseEvent const& e) { return on_event(e); },
                       [this](http::SseOtherLine const& l) { return on_other(l); });
}

} // namespace llmio::openai

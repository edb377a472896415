#include <llmio/ollama/ndjson_chat_source.hpp>

namespace llmio::ollama {

NdjsonChatSource::NdjsonChatSource(http::HttpStream stream, ProviderTransport const& transport)
    : FramedChatSource(std::move(stream), transport,
                       {"an NDJSON line", "the NDJSON stream ended without its \"done\": true line",
                        "the NDJSON stream ended without any \"message\""})
    , splitter_(transport.options().http.limits.max_line_bytes)
{
}

bool NdjsonChatSource::on_line(std::string_view line)
{
    try {
        auto result = parser_.parse(line);
        if (auto* error = std::get_if<InBandError>(&result))
            transport().throw_in_band(error->body);
        auto& parsed = std::get<ChatLine>(result);
        deliver(std::move(parsed.chunk));
        if (parsed.done) {
            end_of_answer(); // nothing after the done line counts
            return false;
        }
        return true;
    } catch (...) {
        fail_with_current_exception();
        return false;
    }
}

boost::system::error_code NdjsonChatSource::feed(std::string_view slice)
{
    return splitter_.feed(slice, [this](std::string_view l) { return on_line(l); });
}

boost::system::error_code NdjsonChatSource::finish()
{
    return splitter_.finish([this](std::string_view l) { return on_line(l); });
}

} // namespace llmio::ollama

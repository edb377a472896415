#ifndef LLMIO_GATEWAY_OPENAI_STREAM_HPP
#define LLMIO_GATEWAY_OPENAI_STREAM_HPP

// The body of a streamed OpenAI answer (chat or legacy completion), once the upstream stream
// is open: `first` (the role event, or nothing), the chunks as server-sent events, then the
// caller's tail (usage, `[DONE]`). Past this commit point an upstream failure can no longer
// change the status: it becomes the stream's last event, after every chunk already received.

#include "api_error.hpp"
#include "exchange.hpp"
#include "stream_relay.hpp"

#include <llmio/error.hpp>

#include <boost/asio/awaitable.hpp>

#include <exception>
#include <string>
#include <string_view>

namespace llmio::gateway {

/// `encode(batch, chunk)` appends a chunk's event; `tail(batch)` appends what follows the last
/// chunk of a stream that ended well.
template <class Stream, class Encode, class Tail>
boost::asio::awaitable<void> relay_events(Exchange& exchange, Stream& stream, std::string_view first, Encode encode,
                                          Tail tail)
{
    co_await exchange.begin_stream("text/event-stream", first);
    std::string batch;
    std::exception_ptr upstream_failure;
    try {
        co_await relay_chunks(exchange, stream, batch, encode);
    } catch (ProviderError const&) {
        upstream_failure = std::current_exception();
    }
    if (upstream_failure) {
        if (exchange.client_gone())
            co_return; // the client's leaving cancelled the stream: nobody to tell
        batch += "data: ";
        append_error_object(batch, api_error_from(upstream_failure));
        batch += "\n\n";
    } else {
        tail(batch);
    }
    co_await exchange.finish(batch);
}

} // namespace llmio::gateway

#endif

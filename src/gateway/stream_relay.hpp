#ifndef LLMIO_GATEWAY_STREAM_RELAY_HPP
#define LLMIO_GATEWAY_STREAM_RELAY_HPP

// Relays an upstream stream (ChatStream or CompletionStream) to the client. Every chunk that
// arrived in the same upstream read goes out in one write, so a burst of tokens costs one
// syscall rather than one each; the batch is bounded, and each write waits for the client
// (backpressure), so a slow reader slows the upstream read instead of growing a buffer.

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <string>

namespace llmio::gateway {

/// Bytes of encoded chunks gathered before a write even when upstream has more buffered.
inline constexpr std::size_t kRelayBatchBytes = 64 * 1024;

/// Encodes each chunk with `encode(batch, chunk)` and hands the batch to `writer.write` (an
/// Exchange) whenever upstream has nothing more buffered. Returns at the stream's end with the
/// unwritten rest in `batch`, for the caller's last piece (Exchange::finish). Throws the
/// stream's errors; what was encoded before then stays in `batch`.
template <class Writer, class Stream, class Encode>
boost::asio::awaitable<void> relay_chunks(Writer& writer, Stream& stream, std::string& batch, Encode& encode)
{
    typename Stream::Chunk polled;
    // Bounded by the stream: each pass consumes at least one chunk.
    for (;;) {
        auto chunk = co_await stream.next();
        if (!chunk)
            co_return;
        encode(batch, *chunk);
        // Bounded by what upstream buffered and by kRelayBatchBytes.
        while (batch.size() < kRelayBatchBytes) {
            auto const poll = stream.try_next(polled);
            if (poll == Stream::Poll::pending)
                break;
            if (poll == Stream::Poll::end)
                co_return;
            encode(batch, polled);
        }
        co_await writer.write(batch);
        batch.clear();
    }
}

} // namespace llmio::gateway

#endif

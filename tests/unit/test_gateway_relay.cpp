// The gateway's stream relay (src/gateway/stream_relay.hpp) against a scripted upstream and a
// scripted client: what one upstream read brought goes out in one write, a client that does not
// read stops the upstream reads (bounded memory), and nothing received is lost.

#include "gateway/stream_relay.hpp"

#include <llmio/chat_stream.hpp>
#include <llmio/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <deque>
#include <string>
#include <vector>

using namespace llmio;
namespace asio = boost::asio;

namespace {

// An upstream whose chunks arrive in "reads": after `next` delivers a read's first chunk, the
// rest of that read is buffered (try_next hands them out); then try_next says pending.
class ScriptedSource final : public ChatStream::Source {
public:
    explicit ScriptedSource(std::deque<std::vector<std::string>> reads, bool fail_at_end = false)
        : reads_(std::move(reads)), fail_at_end_(fail_at_end)
    {
    }

    Ready try_next(ChatChunk& out) override
    {
        if (buffered_.empty() && reads_.empty() && fail_at_end_) // a bad frame in the last read
            throw_error(errc::stream_truncated, "the server closed the stream early");
        if (buffered_.empty())
            return Ready::pending;
        give(out);
        return Ready::chunk;
    }

    asio::awaitable<bool> next(ChatChunk& out) override
    {
        ++reads_done;
        if (reads_.empty()) {
            if (fail_at_end_)
                throw_error(errc::stream_truncated, "the server closed the stream early");
            co_return false;
        }
        buffered_.assign(reads_.front().begin(), reads_.front().end());
        reads_.pop_front();
        give(out);
        co_return true;
    }

    void close() noexcept override {}

    int reads_done = 0;
    int chunks_given = 0;

private:
    void give(ChatChunk& out)
    {
        out = ChatChunk{};
        out.content = std::move(buffered_.front());
        buffered_.pop_front();
        ++chunks_given;
    }

    std::deque<std::vector<std::string>> reads_;
    std::deque<std::string> buffered_;
    bool fail_at_end_;
};

// An upstream that always has another chunk buffered: a fast model and a fast network.
class EndlessSource final : public ChatStream::Source {
public:
    explicit EndlessSource(std::size_t chunk_bytes) : text_(chunk_bytes, 'x') {}

    Ready try_next(ChatChunk& out) override
    {
        if (closed_)
            return Ready::end;
        out = ChatChunk{};
        out.content = text_;
        ++chunks_given;
        return Ready::chunk;
    }
    asio::awaitable<bool> next(ChatChunk& out) override { co_return try_next(out) == Ready::chunk; }
    // Closing ends it (here, unlike a real source, without an error: the relay returns).
    void close() noexcept override { closed_ = true; }

    int chunks_given = 0;

private:
    std::string text_;
    bool closed_ = false;
};

// A client: records each write; when `hold` is set, a write waits until `release` (a client
// that stopped reading, its socket buffers full).
struct ScriptedClient {
    explicit ScriptedClient(asio::io_context& io) : gate(io) {}

    asio::awaitable<void> write(std::string_view bytes)
    {
        writes.emplace_back(bytes);
        if (hold) {
            gate.expires_at(asio::steady_timer::time_point::max());
            co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }
    void release() { gate.cancel(); }

    std::vector<std::string> writes;
    bool hold = false;
    asio::steady_timer gate;
};

auto const encode_text = [](std::string& out, ChatChunk const& chunk) {
    out += chunk.content;
    out += '|';
};

} // namespace

TEST_CASE("gateway relay: the chunks of one upstream read go out in one write, the rest is left for the last piece",
          "[gateway]")
{
    asio::io_context io;
    auto source = std::make_unique<ScriptedSource>(std::deque<std::vector<std::string>>{
        {"a", "b", "c"}, {"d"}, {"e", "f"}});
    auto* upstream = source.get();
    ChatStream stream(std::move(source));
    ScriptedClient client(io);
    std::string batch;
    auto encode = encode_text;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await gateway::relay_chunks(client, stream, batch, encode);
            done = true;
        },
        asio::detached);
    io.run();
    REQUIRE(done);
    CHECK(client.writes == std::vector<std::string>{"a|b|c|", "d|", "e|f|"});
    CHECK(batch.empty());
    CHECK(upstream->reads_done == 4); // three reads and the end
    CHECK(stream.result().content == "abcdef");
}

TEST_CASE("gateway relay: a client that stops reading stops the upstream reads with at most one batch pending",
          "[gateway]")
{
    asio::io_context io;
    constexpr std::size_t chunk_bytes = 1000;
    auto source = std::make_unique<EndlessSource>(chunk_bytes);
    auto* upstream = source.get();
    ChatStream stream(std::move(source));
    ScriptedClient client(io);
    client.hold = true;
    std::string batch;
    auto encode = encode_text;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await gateway::relay_chunks(client, stream, batch, encode);
            done = true;
        },
        asio::detached);
    // Run everything that can run: the relay then waits on the client's write.
    io.poll();
    REQUIRE(client.writes.size() == 1);
    auto const per_chunk = chunk_bytes + 1;
    auto const most_chunks = static_cast<int>(gateway::kRelayBatchBytes / per_chunk + 1);
    CHECK(upstream->chunks_given == most_chunks);
    CHECK(client.writes[0].size() == static_cast<std::size_t>(most_chunks) * per_chunk);
    CHECK(client.writes[0].size() < gateway::kRelayBatchBytes + per_chunk);
    // Still nothing more pulled however long it waits: the producer is suspended.
    io.poll();
    CHECK(upstream->chunks_given == most_chunks);

    // The client reads one batch: exactly one more batch is pulled and written.
    client.release();
    io.poll();
    CHECK(client.writes.size() == 2);
    CHECK(upstream->chunks_given == 2 * most_chunks);
    // The upstream ends while the client holds the second batch; once read, the relay is done.
    stream.close();
    client.hold = false;
    client.release();
    io.run();
    CHECK(done);
    CHECK(client.writes.size() == 2);
    CHECK(upstream->chunks_given == 2 * most_chunks);
}

TEST_CASE("gateway relay: an upstream failure leaves what was received but not written in the batch", "[gateway]")
{
    asio::io_context io;
    ChatStream stream(std::make_unique<ScriptedSource>(std::deque<std::vector<std::string>>{{"a", "b"}, {"c", "d"}},
                                                       true));
    ScriptedClient client(io);
    std::string batch;
    auto encode = encode_text;
    std::string error;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            try {
                co_await gateway::relay_chunks(client, stream, batch, encode);
            } catch (MalformedResponseError const& e) {
                error = e.what();
            }
        },
        asio::detached);
    io.run();
    CHECK(error.find("the server closed the stream early") != std::string::npos);
    CHECK(client.writes == std::vector<std::string>{"a|b|"});
    CHECK(batch == "c|d|"); // the caller writes it before the error event
    CHECK(stream.result().content == "abcd");
}

// The fault-injection cases: the emulator behind the target misbehaves (error statuses, broken
// streams, stalls) and the provider must report it as the right typed error, retry what may be
// retried and nothing else, and keep its connections sound.

#include "case_support.hpp"

#include <llmio/error.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace llmio::testing::detail {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using emulators::Fault;

namespace {

void error_classes(Target const& target)
{
    struct ErrorCase {
        int status;
        std::string message;
        std::string type;
        errc code;
    };
    std::vector<ErrorCase> const cases = {
        {400, "Invalid value for 'temperature'", "invalid_request_error", errc::invalid_request},
        {401, "Incorrect API key provided", "authentication_error", errc::authentication_failed},
        {404, "The model 'nope' does not exist", "model_not_found", errc::model_not_found},
        {429, "Rate limit reached for requests", "rate_limit_error", errc::rate_limited},
        {500, "The server had an error", "server_error", errc::server_error},
        {400, "This model's maximum context length is 4096 tokens", "invalid_request_error",
         errc::context_length_exceeded},
    };
    for (auto const& c : cases) {
        auto const what = "status " + std::to_string(c.status) + " \"" + c.message + "\"";
        target.server->faults().add(
            Fault::respond(c.status, target.error_body(c.status, c.message, c.type)).on(target.chat_path));
        auto const e = expect_throws<ProviderError>(
            [&] {
                run<ChatResponse>(target, RetryPolicy::none(),
                                  [&](ModelProvider& p) { return p.chat(prompt(target, "hi")); });
            },
            what);
        expect_eq(e.error(), c.code, what + ": error()");
        expect_eq(e.http_status(), c.status, what + ": http_status()");
        expect_eq(e.server_message(), c.message, what + ": server_message()");
        expect_eq(e.provider(), target.provider_name, what + ": provider()");
    }
}

Streamed stream_hi(Target const& target)
{
    return run<Streamed>(target, [&](ModelProvider& p) { return stream_all(p, prompt(target, "hi there")); });
}

void in_band_error(Target const& target)
{
    Fault f;
    f.error_event = emulators::StreamErrorEvent{2, target.stream_error_form, 500, "Compute error.", "server_error"};
    target.server->faults().add(f.on(target.chat_path));
    auto const e = expect_throws<ServerError>([&] { stream_hi(target); }, "an error event in a 200 stream");
    expect_eq(e.server_message(), "Compute error.", "an error event in a 200 stream: server_message()");
}

void truncated_stream(Target const& target)
{
    Fault f;
    f.omit_done = true;
    target.server->faults().add(f.on(target.chat_path));
    auto const e = expect_throws<MalformedResponseError>([&] { stream_hi(target); },
                                                         "a stream without its terminator");
    expect_eq(e.error(), errc::stream_truncated, "a stream without its terminator: error()");
}

void malformed_chunk(Target const& target)
{
    Fault f;
    f.malformed_event_at = 1;
    target.server->faults().add(f.on(target.chat_path));
    auto const e = expect_throws<MalformedResponseError>([&] { stream_hi(target); }, "a malformed chunk");
    expect_eq(e.error(), errc::malformed_response, "a malformed chunk: error()");
}

void retried_5xx(Target const& target)
{
    target.server->faults().add(
        Fault::respond(503, target.error_body(503, "Service overloaded", "server_error")).on(target.chat_path).times(2));
    auto response = run<ChatResponse>(target, [&](ModelProvider& p) { return p.chat(prompt(target, "retry me")); });
    if (target.expected_reply)
        expect_eq(response.content, target.expected_reply("retry me"), "the answer after two 503s");
    expect_eq(target.server->requests_served(), 3u, "requests the emulator served (two 503s, then the answer)");
}

void retry_after(Target const& target)
{
    target.server->faults().add(
        Fault::respond(429, target.error_body(429, "Slow down", "rate_limit_error"), {{"retry-after-ms", "300"}})
            .on(target.chat_path));
    auto const started = std::chrono::steady_clock::now();
    run<ChatResponse>(target, [&](ModelProvider& p) { return p.chat(prompt(target, "patience")); });
    auto const waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    expect(waited >= 300ms, "the retry waits retry-after-ms (300 ms), waited " + std::to_string(waited.count()) + " ms");
    expect_eq(target.server->requests_served(), 2u, "requests the emulator served (a 429, then the answer)");
}

void no_retry_after_commit(Target const& target)
{
    target.server->faults().add(Fault::drop_after(2).on(target.chat_path));
    std::vector<std::string> delivered;
    auto const e = expect_throws<MalformedResponseError>(
        [&] {
            run<ChatResponse>(target, [&](ModelProvider& p) {
                return p.chat_stream(prompt(target, "a long enough answer please"),
                                     [&](ChatChunk const& c) { delivered.push_back(c.content); });
            });
        },
        "a stream dropped after two chunks");
    expect_eq(e.error(), errc::stream_truncated, "a stream dropped after two chunks: error()");
    expect(!delivered.empty(), "the chunks before the drop reached on_chunk");
    expect_eq(target.server->requests_served(), 1u, "requests the emulator served (no retry once streaming)");
}

void cancellation(Target const& target)
{
    target.server->faults().add(Fault::stall_after(3).on(target.chat_path));
    std::string first;
    expect_throws<CancelledError>(
        [&] {
            run<int>(target, [&](ModelProvider& p) -> asio::awaitable<int> {
                auto ex = co_await asio::this_coro::executor;
                auto stream = co_await p.chat_stream(prompt(target, "stall after a few words please"));
                auto chunk = co_await stream.next();
                first = chunk ? chunk->content : "";
                asio::cancellation_signal signal;
                asio::steady_timer timer(ex, 50ms);
                timer.async_wait([&](boost::system::error_code ec) {
                    if (!ec)
                        signal.emit(asio::cancellation_type::terminal);
                });
                // Reads what was sent before the stall, then waits in next() until cancelled.
                auto read_rest = [&]() -> asio::awaitable<void> {
                    while (auto more = co_await stream.next()) {
                    }
                };
                co_await asio::co_spawn(ex, read_rest(), asio::bind_cancellation_slot(signal.slot(), asio::use_awaitable));
                co_return 0;
            });
        },
        "a stream cancelled while the server stalls");
    expect(!first.empty(), "the first chunk arrived before the stall");
    expect(target.server->wait_for_client_closes(1, 2000ms), "the cancelled stream's connection is closed");
}

void connection_reuse(Target const& target)
{
    run<int>(target, [&](ModelProvider& p) -> asio::awaitable<int> {
        co_await stream_all(p, prompt(target, "one"));
        co_await stream_all(p, prompt(target, "two"));
        co_await p.chat(prompt(target, "three"));
        co_return 0;
    });
    expect_eq(target.server->accepted_connections(), 1u, "connections for two streams and a chat, one after another");
}

} // namespace

std::vector<Case> fault_cases()
{
    Needs emulator;
    emulator.emulator = true;
    Needs streamed = emulator;
    streamed.streaming = true;
    return {
        {"each HTTP error class becomes its type with the server's message", emulator, error_classes},
        {"an error event inside a 200 stream is a typed error", streamed, in_band_error},
        {"a stream that ends without its terminator is truncated, never success", streamed, truncated_stream},
        {"a malformed chunk is a MalformedResponseError", streamed, malformed_chunk},
        {"5xx then success through retries", emulator, retried_5xx},
        {"Retry-After is honoured", emulator, retry_after},
        {"a stream is never retried once it reached the caller", streamed, no_retry_after_commit},
        {"cancellation mid-stream closes the connection", streamed, cancellation},
        {"a connection is reused after a completed stream", streamed, connection_reuse},
    };
}

} // namespace llmio::testing::detail

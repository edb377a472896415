// The fault matrix (issue 12): every server fault of the table below, against each provider
// (openai, lmstudio, ollama) and each call (chat, streamed chat, model listing). A scripted
// server on 127.0.0.1 writes the fault's raw bytes; each cell asserts the exact outcome (the
// typed error: class, errc, HTTP status and key parts of what(); or the exact answer), that the
// call ended (the configured timeouts end it; the watchdog is generous) and that memory stayed
// bounded (the bytes the server managed to push and the content delivered are bounded).
//
// Every what() must also be one line without control characters, name the provider and never
// contain the configured API key. Run one fault with LLMIO_FAULT_ONLY=<name substring>.

#include "support/fault_wire.hpp"
#include "support/scripted_server.hpp"

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/openai/provider.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace llmio;
using namespace llmio::test::fault_wire;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using llmio::test::ScriptedServer;
using llmio::test::ServerConnection;

namespace {

// ---- what the server does --------------------------------------------------------------------

/// After `bytes`: what the server does with the connection.
enum class Then {
    serve_next, ///< Keep it open and answer the next request (keep-alive).
    close,      ///< Orderly close (FIN).
    reset,      ///< Abort (RST).
    stall,      ///< Send nothing more; wait until the client gives up.
    endless,    ///< Write `repeat` again and again as fast as the client reads.
    trickle,    ///< Write `repeat` every 100 ms, forever (never idle, never done).
};

struct Script {
    Script() = default;
    Script(std::string b, Then t = Then::serve_next, std::string r = {})
        : bytes(std::move(b)), then(t), repeat(std::move(r))
    {
    }
    std::string bytes;
    Then then = Then::serve_next;
    std::string repeat;
};

// The server stops an endless write after this many bytes or this long, so that a client that
// never stops cannot take the machine's memory; a correct client stops long before.
constexpr std::size_t kServerWriteCap = 256u << 20;
constexpr auto kServerPatience = 30s;
// How far past its total timeout a call may end on a loaded machine.
constexpr auto kSlack = 10s;

// ---- what the cell expects -------------------------------------------------------------------

struct Expect {
    std::optional<errc> code; ///< nullopt: the call succeeds with the valid answer.
    std::vector<std::string> parts; ///< Substrings of what() (besides "provider <name>").
    int http_status = -1;           ///< -1: not checked.
    std::optional<std::chrono::milliseconds> retry_after;
    std::string content = "Hello";  ///< Successful chat / stream answer.
    /// Content the client may deliver, and bytes the server may push before the call's total
    /// deadline: a client that stops at its limits takes a few socket buffers, not the endless
    /// rest. (After the deadline the bound is always kAfterDeadlineSlack.)
    std::size_t max_streamed = 1u << 20;
    std::size_t max_written = 64u << 20;
};

// Once the total deadline has passed, a client may still drain what sits in socket buffers
// (a few MiB on loopback), but must not keep reading.
constexpr std::size_t kAfterDeadlineSlack = 16u << 20;

Expect ok() { return {}; }
Expect fail(errc code, std::vector<std::string> parts = {}, int status = -1)
{
    Expect e;
    e.code = code;
    e.parts = std::move(parts);
    e.http_status = status;
    return e;
}

/// Knobs a row changes from the matrix's defaults.
struct Tuning {
    Tuning(std::chrono::milliseconds t = 15s, bool r = false, std::chrono::milliseconds s = 10s, std::size_t a = 0)
        : total(t), retries(r), stage(s), max_answer(a)
    {
    }
    std::chrono::milliseconds total;
    bool retries; ///< The default RetryPolicy instead of none.
    /// The first-byte and idle timeouts: generous, except in the rows about stalls.
    std::chrono::milliseconds stage;
    std::size_t max_answer; ///< http::Limits::max_answer_bytes; 0 = the library's default.
};
Tuning const kStalls{15s, false, 1s};

struct FaultRow {
    FaultRow(char const* n, Script (*s)(Cell const&), Expect (*e)(Cell const&), Tuning t = {}, bool r = false)
        : name(n), script(s), expect(e), tuning(t), refused(r)
    {
    }
    char const* name;
    Script (*script)(Cell const&);
    Expect (*expect)(Cell const&);
    Tuning tuning;
    bool refused; ///< No server at all.
};

bool streamed(Cell const& c) { return c.call == Call::stream; }
bool sse(Cell const& c) { return c.provider != Provider::ollama; }

// Half of a valid body, for cuts.
std::string half(std::string const& s) { return s.substr(0, s.size() / 2); }

// Headers of a valid answer, cut in the middle of a header line.
std::string partial_head(Cell const& c)
{
    return "HTTP/1.1 200 OK\r\nContent-Type: " + std::string(streamed(c) ? stream_content_type(c) : "application/json") +
           "\r\nX-Part";
}

// The cell's valid response with a Content-Length (non-streamed) or chunked (streamed) framing
// whose body is cut after the first half / the first event.
std::string cut_response(Cell const& c)
{
    if (!streamed(c)) {
        auto const body = answer_body(c);
        return head(200, "application/json") + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
               half(body);
    }
    return chunked_head(200, stream_content_type(c)) + chunk(content_event(c, "Hel"));
}

// A status with the provider's real error body shape.
std::string status_with(Cell const&, int status, std::string const& body, std::string_view extra = "")
{
    return respond(status, "application/json", body, extra);
}

std::string lmstudio_model_not_found()
{
    // LM Studio's 404 message spans several lines.
    return R"({"error":{"message":"Model \"m\" not found. Please specify a valid model.\n\nYour models:\n  qwen2.5-7b-instruct\n  text-embedding-nomic-embed-text-v1.5","type":"invalid_request_error","param":"model","code":"model_not_found"}})";
}

// Server text built to attack a terminal and a log: forged lines, an ANSI colour, a tab, DEL,
// a C1 control (NEL, U+0085) and the client's own key quoted back.
std::string const kHostile = "bad\r\nllmio: forged line\x1b[31m red\tx\x7f y\xc2\x85z Authorization: Bearer " +
                             std::string(kApiKey);
// How what() must show it: escaped, one line, key redacted.
std::string const kHostileShown = R"(bad\r\nllmio: forged line\x1b[31m red\tx\x7f y)";
std::string const kHostileRedacted = "Authorization: Bearer [redacted]";

std::string hostile_error_body(Provider p)
{
    return error_body(p, kHostile, "invalid_request_error");
}

// The stream's in-band error event in each server's form.
std::string error_event(Cell const& c, std::string const& message)
{
    if (c.provider == Provider::ollama)
        return R"({"error":)" + json_string(message) + "}\n";
    if (c.provider == Provider::lmstudio) // LM Studio's variant with a duplicated message
        return R"(data: {"error":{"message":)" + json_string(message) + R"(},"message":)" + json_string(message) +
               "}\n\n";
    return R"(data: {"error":{"message":)" + json_string(message) +
           R"(,"type":"server_error","param":null,"code":null}})" "\n\n";
}

// A chunk of stream without choices (OpenAI dialect) or a line without message (Ollama).
std::string empty_event(Cell const& c)
{
    if (sse(c))
        return R"(data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[]})" "\n\n";
    return R"({"model":"m","created_at":"2025-01-01T00:00:00Z","done":false})" "\n";
}

std::string empty_end(Cell const& c)
{
    if (sse(c))
        return R"(data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":0,"total_tokens":3}})"
               "\n\ndata: [DONE]\n\n";
    return R"({"model":"m","created_at":"2025-01-01T00:00:00Z","done":true,"done_reason":"stop"})" "\n";
}

// clang-format off
std::vector<FaultRow> const kFaults = {
    // ---- the connection ----------------------------------------------------------------------
    {"refused connection",
     +[](Cell const&) { return Script{}; },
     +[](Cell const&) { return fail(errc::connection_refused); }, {}, true},
    {"close before headers",
     +[](Cell const&) { return Script{"", Then::close}; },
     +[](Cell const&) { return fail(errc::connection_reset); }},
    {"reset before headers",
     +[](Cell const&) { return Script{"", Then::reset}; },
     +[](Cell const&) { return fail(errc::connection_reset); }},
    {"reset mid-headers",
     +[](Cell const& c) { return Script{partial_head(c), Then::reset}; },
     +[](Cell const&) { return fail(errc::connection_reset); }},
    {"close mid-headers",
     +[](Cell const& c) { return Script{partial_head(c), Then::close}; },
     +[](Cell const&) { return fail(errc::connection_reset); }},
    // Once the headers arrived, a reset and a close both mean "the body ended early".
    {"reset mid-body / mid-stream",
     +[](Cell const& c) { return Script{cut_response(c), Then::reset}; },
     +[](Cell const&) { return fail(errc::stream_truncated); }},
    {"close mid-body / mid-stream (truncated)",
     +[](Cell const& c) { return Script{cut_response(c), Then::close}; },
     +[](Cell const&) { return fail(errc::stream_truncated); }},
    {"stall before headers",
     +[](Cell const&) { return Script{"", Then::stall}; },
     +[](Cell const&) { return fail(errc::first_byte_timeout); }, kStalls},
    {"stall mid-headers",
     +[](Cell const& c) { return Script{partial_head(c), Then::stall}; },
     +[](Cell const&) { return fail(errc::first_byte_timeout); }, kStalls},
    {"stall mid-body / mid-stream",
     +[](Cell const& c) { return Script{cut_response(c), Then::stall}; },
     +[](Cell const&) { return fail(errc::idle_timeout); }, kStalls},
    {"stall after the terminator (answer complete, connection kept)",
     +[](Cell const& c) {
         // A non-streamed body is complete at its Content-Length: plain keep-alive.
         if (!streamed(c))
             return Script{ok_response(c)};
         // Every event and the terminator, but not the chunked body's last chunk.
         return Script{chunked_head(200, stream_content_type(c)) + chunk(content_event(c, "Hel")) +
                           chunk(content_event(c, "lo")) + chunk(final_events(c)), Then::stall};
     },
     +[](Cell const&) { return ok(); }, kStalls},

    // ---- framing -----------------------------------------------------------------------------
    {"chunked body cut without its last chunk",
     +[](Cell const& c) {
         std::string const payload = streamed(c) ? content_event(c, "Hel") : half(answer_body(c));
         return Script{chunked_head(200, streamed(c) ? stream_content_type(c) : "application/json") + chunk(payload),
                       Then::close};
     },
     +[](Cell const&) { return fail(errc::stream_truncated); }},
    {"clean end without the stream terminator / body without its end",
     +[](Cell const& c) {
         if (!streamed(c))
             return Script{chunked_head(200, "application/json") + chunk(half(answer_body(c))) + std::string(kLastChunk),
                           Then::serve_next};
         return Script{chunked_head(200, stream_content_type(c)) + chunk(content_event(c, "Hel")) +
                           chunk(content_event(c, "lo")) + std::string(kLastChunk), Then::serve_next};
     },
     +[](Cell const& c) { return streamed(c) ? fail(errc::stream_truncated) : fail(errc::malformed_response); }},
    {"close-delimited body ended early",
     +[](Cell const& c) {
         std::string const payload = streamed(c) ? content_event(c, "Hel") : half(answer_body(c));
         return Script{head(200, streamed(c) ? stream_content_type(c) : "application/json", "Connection: close\r\n") +
                           "\r\n" + payload, Then::close};
     },
     +[](Cell const& c) { return streamed(c) ? fail(errc::stream_truncated) : fail(errc::malformed_response); }},
    {"close-delimited complete body (HTTP/1.0 style) is fine",
     +[](Cell const& c) {
         std::string const payload = streamed(c) ? content_event(c, "Hel") + content_event(c, "lo") + final_events(c)
                                                 : answer_body(c);
         return Script{head(200, streamed(c) ? stream_content_type(c) : "application/json", "Connection: close\r\n") +
                           "\r\n" + payload, Then::close};
     },
     +[](Cell const&) { return ok(); }},
    {"malformed chunk size",
     +[](Cell const& c) {
         return Script{chunked_head(200, streamed(c) ? stream_content_type(c) : "application/json") + "zz\r\nabc\r\n",
                       Then::stall};
     },
     +[](Cell const&) { return fail(errc::malformed_response); }},
    {"chunk longer than its size",
     +[](Cell const& c) {
         std::string const payload = streamed(c) ? content_event(c, "Hel") : answer_body(c);
         return Script{chunked_head(200, streamed(c) ? stream_content_type(c) : "application/json") + "4\r\n" + payload +
                           "\r\n" + std::string(kLastChunk), Then::stall};
     },
     +[](Cell const&) { return fail(errc::malformed_response); }},
    {"invalid status line",
     +[](Cell const&) { return Script{"HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\n{}", Then::stall}; },
     +[](Cell const&) { return fail(errc::malformed_response); }},
    {"not HTTP at all",
     +[](Cell const&) { return Script{"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", Then::stall}; },
     +[](Cell const&) { return fail(errc::malformed_response); }},

    // ---- content -----------------------------------------------------------------------------
    {"malformed JSON body / first event",
     +[](Cell const& c) {
         if (!streamed(c))
             return Script{respond(200, "application/json", R"({"id": oops})")};
         std::string const bad = sse(c) ? "data: {oops\n\n" : "{oops\n";
         return Script{chunked_head(200, stream_content_type(c)) + chunk(bad) + chunk(final_events(c)) +
                       std::string(kLastChunk)};
     },
     +[](Cell const&) { return fail(errc::malformed_response); }},
    {"malformed JSON event mid-stream / wrong shape",
     +[](Cell const& c) {
         if (!streamed(c)) {
             std::string const body = c.call == Call::list ? (c.provider == Provider::ollama ? R"({"models":5})" : R"({"object":"list","data":5})")
                                      : c.provider == Provider::ollama ? R"({"model":"m","message":"nope","done":true})"
                                                                       : R"({"id":"c1","choices":"nope"})";
             // LM Studio lists from /api/v1/models first: a wrong shape there is malformed too.
             std::string const lms_list = R"({"models":5})";
             return Script{respond(200, "application/json",
                                   c.provider == Provider::lmstudio && c.path == "/api/v1/models" ? lms_list : body)};
         }
         std::string const bad = sse(c) ? "data: {\"choices\":[{\"delta\":\n\n" : "{\"message\":\n";
         return Script{chunked_head(200, stream_content_type(c)) + chunk(content_event(c, "Hel")) + chunk(bad) +
                       chunk(final_events(c)) + std::string(kLastChunk)};
     },
     +[](Cell const&) { return fail(errc::malformed_response); }},
    {"HTML instead of JSON (200 text/html)",
     +[](Cell const&) {
         return Script{respond(200, "text/html; charset=utf-8", "<!DOCTYPE html><html><body>Welcome to nginx!</body></html>")};
     },
     +[](Cell const&) { return fail(errc::unexpected_content_type, {}, 200); }},
    {"proxy 502 in HTML",
     +[](Cell const&) {
         return Script{respond(502, "text/html", "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")};
     },
     +[](Cell const&) { return fail(errc::server_error, {}, 502); }},
    {"stream of chunks without choices / lines without message, then a clean end",
     +[](Cell const& c) {
         if (!streamed(c)) {
             std::string const body = c.call == Call::list ? std::string("{}")
                                      : c.provider == Provider::ollama ? R"({"model":"m","done":true,"done_reason":"stop"})"
                                                                       : R"({"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[]})";
             return Script{respond(200, "application/json", body)};
         }
         return Script{chunked_head(200, stream_content_type(c)) + chunk(empty_event(c)) + chunk(empty_event(c)) +
                       chunk(empty_end(c)) + std::string(kLastChunk)};
     },
     +[](Cell const&) { return fail(errc::malformed_response); }},
    {"keep-alive comments and blank lines around the answer are fine",
     +[](Cell const& c) {
         if (!streamed(c))
             return Script{respond(200, "application/json", "\r\n  " + answer_body(c) + "\n\n")};
         std::string const noise = sse(c) ? ": ping\n\n" : "\n";
         return Script{chunked_head(200, stream_content_type(c)) + chunk(noise) + chunk(content_event(c, "Hel")) +
                       chunk(noise) + chunk(content_event(c, "lo")) + chunk(final_events(c)) + std::string(kLastChunk)};
     },
     +[](Cell const&) { return ok(); }},

    {"CRLF line endings in the stream are fine",
     +[](Cell const& c) {
         if (!streamed(c))
             return Script{ok_response(c)};
         std::string events = content_event(c, "Hel") + content_event(c, "lo") + final_events(c);
         std::string crlf;
         for (char ch : events)
             crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
         return Script{chunked_head(200, stream_content_type(c)) + chunk(crlf) + std::string(kLastChunk)};
     },
     +[](Cell const&) { return ok(); }},
    {"one byte per chunk is fine",
     +[](Cell const& c) {
         std::string const payload = streamed(c) ? content_event(c, "Hel") + content_event(c, "lo") + final_events(c)
                                                 : answer_body(c);
         std::string out = chunked_head(200, streamed(c) ? stream_content_type(c) : "application/json");
         for (char ch : payload)
             out += chunk(std::string_view(&ch, 1));
         return Script{out + std::string(kLastChunk)};
     },
     +[](Cell const&) { return ok(); }},
    {"a UTF-8 character split across chunks",
     +[](Cell const& c) {
         if (!streamed(c))
             return Script{ok_response(c)};
         std::string const events = content_event(c, "H\xc3\xa9l") + content_event(c, "l\xc3\xb6") + final_events(c);
         auto const cut = events.find("\xc3\xa9") + 1; // between the two bytes of U+00E9
         return Script{chunked_head(200, stream_content_type(c)) + chunk(events.substr(0, cut)) +
                       chunk(events.substr(cut)) + std::string(kLastChunk)};
     },
     +[](Cell const& c) {
         auto e = ok();
         if (streamed(c))
             e.content = "H\xc3\xa9ll\xc3\xb6";
         return e;
     }},
    {"a redirect is refused",
     +[](Cell const&) {
         return Script{respond(301, "text/html", "<html>Moved</html>", "Location: http://127.0.0.1:9/elsewhere\r\n")};
     },
     +[](Cell const&) { return fail(errc::invalid_request, {}, 301); }},
    {"two different Content-Lengths",
     +[](Cell const& c) {
         auto const body = answer_body(c);
         return Script{head(200, "application/json") + "Content-Length: " + std::to_string(body.size()) +
                           "\r\nContent-Length: 3\r\n\r\n" + body, Then::stall};
     },
     +[](Cell const&) { return fail(errc::malformed_response); }},

    // ---- size and time bounds ----------------------------------------------------------------
    {"endless body / endless line",
     +[](Cell const& c) {
         if (!streamed(c))
             return Script{chunked_head(200, "application/json") + chunk(R"({"pad":")"), Then::endless,
                           chunk(std::string(64 * 1024, 'a'))};
         std::string const start = sse(c) ? "data: {\"x\":\"" : "{\"x\":\"";
         return Script{chunked_head(200, stream_content_type(c)) + chunk(start), Then::endless,
                       chunk(std::string(64 * 1024, 'a'))};
     },
     +[](Cell const&) { return fail(errc::body_too_large); }},
    {"oversized Content-Length / oversized event",
     +[](Cell const& c) {
         if (!streamed(c))
             return Script{head(200, "application/json") + "Content-Length: 1048576\r\n\r\n{\"pad\":\"", Then::stall};
         std::string const big = sse(c) ? "data: {\"x\":\"" + std::string(128 * 1024, 'a') + "\"}\n\n"
                                        : "{\"x\":\"" + std::string(128 * 1024, 'a') + "\"}\n";
         return Script{chunked_head(200, stream_content_type(c)) + chunk(big) + chunk(final_events(c)) +
                       std::string(kLastChunk)};
     },
     +[](Cell const&) { return fail(errc::body_too_large); }},
    {"oversized header block",
     +[](Cell const&) {
         return Script{head(200, "application/json", "X-Pad: " + std::string(16 * 1024, 'p') + "\r\n") +
                           "Content-Length: 2\r\n\r\n{}",
                       Then::stall};
     },
     +[](Cell const&) { return fail(errc::body_too_large); }},
    {"endless header block",
     +[](Cell const&) { return Script{"HTTP/1.1 200 OK\r\n", Then::endless, "X-Pad: " + std::string(1000, 'p') + "\r\n"}; },
     +[](Cell const&) { return fail(errc::body_too_large); }},
    {"endless valid events / trickling body under a total timeout",
     +[](Cell const& c) {
         if (!streamed(c))
             return Script{chunked_head(200, "application/json") + chunk(R"({"pad":")"), Then::trickle, chunk("a")};
         // Empty deltas: the answer never grows, so only the deadline can end the call (the
         // growing answer is limits.max_answer_bytes' row below).
         return Script{chunked_head(200, stream_content_type(c)), Then::endless,
                       chunk(content_event(c, ""))};
     },
     +[](Cell const&) {
         // Any amount may arrive before the deadline; the bound is what arrives after it.
         auto e = fail(errc::total_timeout);
         e.max_streamed = e.max_written = std::size_t(-1);
         return e;
     }, {1s}},

    {"endless valid events under max_answer_bytes",
     +[](Cell const& c) {
         // The bound is on the assembled answer: normal answers pass under it unchanged.
         if (!streamed(c))
             return Script{ok_response(c)};
         return Script{chunked_head(200, stream_content_type(c)), Then::endless,
                       chunk(content_event(c, std::string(200, 'x')))};
     },
     +[](Cell const& c) {
         if (!streamed(c))
             return ok();
         auto e = fail(errc::body_too_large);
         e.max_streamed = 64 * 1024; // never more than the limit reaches the caller
         return e;
     }, {15s, false, 10s, 64 * 1024}},

    // ---- interim responses -------------------------------------------------------------------
    {"100 Continue before the answer",
     +[](Cell const& c) { return Script{"HTTP/1.1 100 Continue\r\n\r\n" + ok_response(c)}; },
     +[](Cell const&) { return ok(); }},
    {"103 Early Hints before the answer",
     +[](Cell const& c) {
         return Script{"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n" + ok_response(c)};
     },
     +[](Cell const&) { return ok(); }},
    {"100 and 103 before the answer",
     +[](Cell const& c) {
         return Script{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n" +
                       ok_response(c)};
     },
     +[](Cell const&) { return ok(); }},

    // ---- every error status with each server's body ------------------------------------------
    {"400 bad request",
     +[](Cell const& c) {
         std::string const m = c.provider == Provider::ollama ? "invalid message format" : "'messages' must contain at least one message";
         return Script{status_with(c, 400, error_body(c.provider, m, "invalid_request_error"))};
     },
     +[](Cell const& c) {
         return fail(errc::invalid_request,
                     {c.provider == Provider::ollama ? "invalid message format" : "'messages' must contain at least one message"}, 400);
     }},
    {"401 unauthorized",
     +[](Cell const& c) {
         if (c.provider == Provider::lmstudio)
             return Script{status_with(c, 401, R"({"error":{"type":"invalid_request","code":"invalid_api_key","message":"An LM Studio API token is required to make requests to this server."}})")};
         if (c.provider == Provider::ollama)
             return Script{status_with(c, 401, R"({"error":"unauthorized","signin_url":"https://ollama.com/connect?name=x"})")};
         return Script{status_with(c, 401, error_body(c.provider, "Incorrect API key provided: sk-fau***123.", "invalid_request_error", "invalid_api_key"))};
     },
     +[](Cell const& c) {
         std::string const m = c.provider == Provider::lmstudio ? "An LM Studio API token is required"
                              : c.provider == Provider::ollama ? "unauthorized" : "Incorrect API key provided: sk-fau***123.";
         return fail(errc::authentication_failed, {m}, 401);
     }},
    {"403 forbidden",
     +[](Cell const& c) {
         return Script{status_with(c, 403, error_body(c.provider, "You are not allowed to sample from this model", "permission_error"))};
     },
     +[](Cell const&) { return fail(errc::authentication_failed, {"You are not allowed to sample from this model"}, 403); }},
    {"404 model not found",
     +[](Cell const& c) {
         if (c.provider == Provider::lmstudio)
             return Script{status_with(c, 404, lmstudio_model_not_found())};
         if (c.provider == Provider::ollama)
             return Script{status_with(c, 404, R"({"error":"model 'm' not found"})")};
         return Script{status_with(c, 404, error_body(c.provider, "The model `m` does not exist or you do not have access to it.",
                                                     "invalid_request_error", "model_not_found"))};
     },
     +[](Cell const& c) {
         // LM Studio's message has line breaks: they must arrive escaped, on one line.
         std::string const m = c.provider == Provider::lmstudio ? R"(Model "m" not found. Please specify a valid model.\n\nYour models:\n  qwen2.5-7b-instruct)"
                              : c.provider == Provider::ollama ? "model 'm' not found"
                                                               : "The model `m` does not exist or you do not have access to it.";
         return fail(errc::model_not_found, {m}, 404);
     }},
    {"408 request timeout",
     +[](Cell const& c) { return Script{status_with(c, 408, error_body(c.provider, "request timed out", "server_error"))}; },
     +[](Cell const&) { return fail(errc::server_error, {"request timed out"}, 408); }},
    {"413 payload too large",
     +[](Cell const& c) { return Script{status_with(c, 413, error_body(c.provider, "request entity too large"))}; },
     +[](Cell const&) { return fail(errc::invalid_request, {"request entity too large"}, 413); }},
    {"422 unprocessable",
     +[](Cell const& c) {
         return Script{status_with(c, 422, error_body(c.provider, "temperature: Input should be less than or equal to 2"))};
     },
     +[](Cell const&) { return fail(errc::invalid_request, {"temperature: Input should be less than or equal to 2"}, 422); }},
    {"429 with Retry-After",
     +[](Cell const& c) {
         std::string const m = c.provider == Provider::ollama ? "too many requests" : "Rate limit reached for requests";
         return Script{status_with(c, 429, error_body(c.provider, m, "requests", "rate_limit_exceeded"), "Retry-After: 7\r\n")};
     },
     +[](Cell const& c) {
         auto e = fail(errc::rate_limited, {c.provider == Provider::ollama ? "too many requests" : "Rate limit reached for requests"}, 429);
         e.retry_after = 7000ms;
         return e;
     }},
    {"429 with a Retry-After beyond the total timeout, retries on",
     +[](Cell const& c) {
         return Script{status_with(c, 429, error_body(c.provider, "slow down", "requests", "rate_limit_exceeded"), "Retry-After: 30\r\n")};
     },
     +[](Cell const&) {
         auto e = fail(errc::rate_limited, {"slow down"}, 429);
         e.retry_after = 30000ms;
         return e;
     }, {3s, true}},
    {"500 internal error",
     +[](Cell const& c) {
         if (c.provider == Provider::lmstudio)
             return Script{status_with(c, 500, R"({"error":{"message":"Compute error."},"message":"Compute error."})")};
         if (c.provider == Provider::ollama)
             return Script{status_with(c, 500, R"({"error":"llama runner process has terminated: exit status 2"})")};
         return Script{status_with(c, 500, error_body(c.provider, "The server had an error while processing your request. Sorry about that!", "server_error"))};
     },
     +[](Cell const& c) {
         std::string const m = c.provider == Provider::lmstudio ? "Compute error."
                              : c.provider == Provider::ollama ? "llama runner process has terminated: exit status 2"
                                                               : "The server had an error while processing your request.";
         return fail(errc::server_error, {m}, 500);
     }},
    {"502 bad gateway",
     +[](Cell const& c) { return Script{status_with(c, 502, error_body(c.provider, "Bad gateway.", "cf_bad_gateway", "502"))}; },
     +[](Cell const&) { return fail(errc::server_error, {"Bad gateway."}, 502); }},
    {"503 busy",
     +[](Cell const& c) {
         return Script{status_with(c, 503, error_body(c.provider, "server busy, please try again.  maximum pending requests exceeded", "server_error"))};
     },
     +[](Cell const&) { return fail(errc::server_error, {"server busy, please try again.  maximum pending requests exceeded"}, 503); }},
    {"504 gateway timeout",
     +[](Cell const& c) { return Script{status_with(c, 504, error_body(c.provider, "Gateway timeout.", "server_error"))}; },
     +[](Cell const&) { return fail(errc::server_error, {"Gateway timeout."}, 504); }},
    {"500 with a plain-text body",
     +[](Cell const&) { return Script{respond(500, "text/plain; charset=utf-8", "Internal Server Error\n")}; },
     +[](Cell const&) { return fail(errc::server_error, {}, 500); }},

    // ---- errors inside a 200 -----------------------------------------------------------------
    {"200 with LM Studio's unknown-route error",
     +[](Cell const& c) {
         return Script{respond(200, "application/json", R"x({"error":"Unexpected endpoint or method. (POST )x" + c.path + R"x()"})x")};
     },
     +[](Cell const&) { return fail(errc::invalid_request, {"Unexpected endpoint or method."}, 200); }},
    {"error event mid-stream / 200 with an error object",
     +[](Cell const& c) {
         if (!streamed(c))
             return Script{respond(200, "application/json", error_body(c.provider, "Compute error.", "server_error"))};
         return Script{chunked_head(200, stream_content_type(c)) + chunk(content_event(c, "Hel")) +
                       chunk(error_event(c, "Compute error.")) + (sse(c) ? chunk("data: [DONE]\n\n") : "") +
                       std::string(kLastChunk)};
     },
     +[](Cell const&) { return fail(errc::server_error, {"Compute error."}, 200); }},
    {"error event as the first event",
     +[](Cell const& c) {
         if (!streamed(c))
             return Script{respond(200, "application/json", error_body(c.provider, "model is still loading", "server_error"))};
         return Script{chunked_head(200, stream_content_type(c)) + chunk(error_event(c, "model is still loading")) +
                       std::string(kLastChunk)};
     },
     +[](Cell const&) { return fail(errc::server_error, {"model is still loading"}, 200); }},

    // ---- hostile text ------------------------------------------------------------------------
    {"hostile error text in a 400",
     +[](Cell const& c) { return Script{status_with(c, 400, hostile_error_body(c.provider))}; },
     +[](Cell const&) { return fail(errc::invalid_request, {kHostileShown, kHostileRedacted}, 400); }},
    {"hostile error text inside a 200 / in a stream's error event",
     +[](Cell const& c) {
         if (!streamed(c))
             return Script{respond(200, "application/json", error_body(c.provider, kHostile, "server_error"))};
         return Script{chunked_head(200, stream_content_type(c)) + chunk(error_event(c, kHostile)) +
                       std::string(kLastChunk)};
     },
     +[](Cell const&) { return fail(errc::server_error, {kHostileShown, kHostileRedacted}, 200); }},
    {"hostile text in a non-JSON 500 body",
     +[](Cell const&) { return Script{respond(500, "text/plain", kHostile)}; },
     +[](Cell const&) { return fail(errc::server_error, {kHostileShown, kHostileRedacted}, 500); }},
};
// clang-format on

// ---- running one cell --------------------------------------------------------------------------

struct Outcome {
    bool finished = false;
    std::exception_ptr error;
    std::string content;
    std::vector<std::string> model_ids;
    std::size_t streamed_bytes = 0;
    std::chrono::steady_clock::duration elapsed{};
};

bool is_target(Cell const& c, std::string_view path)
{
    switch (c.provider) {
    case Provider::openai:
        return path == (c.call == Call::list ? "/v1/models" : "/v1/chat/completions");
    case Provider::ollama:
        return path == (c.call == Call::list ? "/api/tags" : "/api/chat");
    case Provider::lmstudio:
        if (c.call == Call::list)
            return path == "/api/v1/models" || path == "/api/v0/models" || path == "/v1/models";
        return path == (c.call == Call::chat ? "/api/v0/chat/completions" : "/v1/chat/completions");
    }
    return false;
}

http::HttpOptions http_options(Tuning const& t)
{
    http::HttpOptions o;
    o.timeouts.connect = 5s;
    o.timeouts.first_byte = t.stage;
    o.timeouts.idle = t.stage;
    o.timeouts.total = t.total;
    o.limits.max_header_bytes = 8 * 1024;
    o.limits.max_body_bytes = 256 * 1024;
    o.limits.max_line_bytes = 64 * 1024;
    if (t.max_answer != 0)
        o.limits.max_answer_bytes = t.max_answer;
    return o;
}

std::unique_ptr<ModelProvider> make_provider(Provider p, asio::any_io_executor ex, std::string const& base,
                                             Tuning const& t)
{
    RetryPolicy const retry = t.retries ? RetryPolicy{} : RetryPolicy::none();
    switch (p) {
    case Provider::openai: {
        openai::Options o;
        o.base_url = base + "/v1";
        o.api_key = std::string(kApiKey);
        o.http = http_options(t);
        o.retry = retry;
        return std::make_unique<openai::OpenAICompatibleProvider>(ex, std::move(o));
    }
    case Provider::lmstudio: {
        lmstudio::Options o;
        o.base_url = base;
        o.api_key = std::string(kApiKey);
        o.http = http_options(t);
        o.retry = retry;
        return std::make_unique<lmstudio::Provider>(ex, std::move(o));
    }
    case Provider::ollama: {
        ollama::Options o;
        o.base_url = base;
        o.api_key = std::string(kApiKey);
        o.http = http_options(t);
        o.retry = retry;
        return std::make_unique<ollama::OllamaProvider>(ex, std::move(o));
    }
    }
    return nullptr;
}

/// What the server pushed: in all, and once the client's total deadline had passed.
struct Tally {
    std::atomic<std::size_t> written{0};
    std::atomic<std::size_t> after_deadline{0};
};

asio::awaitable<void> serve(ServerConnection& c, FaultRow const& row, Cell cell, Tally& tally)
{
    auto const start = std::chrono::steady_clock::now();
    auto const give_up_at = start + kServerPatience;
    auto const deadline = start + row.tuning.total;
    auto send = [&](std::string const& bytes) -> asio::awaitable<bool> {
        bool const sent = co_await c.try_write(bytes);
        tally.written += bytes.size();
        if (std::chrono::steady_clock::now() >= deadline)
            tally.after_deadline += bytes.size();
        co_return sent;
    };
    // An endless write stops at the cap, or well past the deadline's slack.
    auto keep_writing = [&] {
        return std::chrono::steady_clock::now() < give_up_at && tally.written < kServerWriteCap &&
               tally.after_deadline < 4 * kAfterDeadlineSlack;
    };
    while (auto request = co_await c.read_request()) {
        std::string_view target = request->target();
        std::string const path(target.substr(0, target.find('?')));
        if (!is_target(cell, path)) {
            co_await c.write(side_response(path));
            continue;
        }
        cell.path = path;
        Script const script = row.script(cell);
        if (!script.bytes.empty() && !co_await send(script.bytes))
            co_return;
        switch (script.then) {
        case Then::serve_next:
            continue;
        case Then::close:
            c.close();
            co_return;
        case Then::reset:
            c.reset();
            co_return;
        case Then::stall:
            break;
        case Then::endless:
            while (keep_writing()) {
                if (!co_await send(script.repeat))
                    co_return;
            }
            break;
        case Then::trickle:
            while (keep_writing()) {
                co_await c.sleep(100ms);
                if (!co_await send(script.repeat))
                    co_return;
            }
            break;
        }
        co_await c.wait_for_client_close(std::chrono::duration_cast<std::chrono::milliseconds>(kServerPatience));
        c.close();
        co_return;
    }
}

ChatRequest hello()
{
    ChatRequest r;
    r.model = "m";
    r.messages.push_back(Message::user("Hi"));
    return r;
}

Outcome run_cell(FaultRow const& row, Cell const& cell, Tally& tally)
{
    std::optional<ScriptedServer> server;
    std::string base;
    if (row.refused) {
        base = "http://127.0.0.1:" + std::to_string(llmio::test::unused_port());
    } else {
        server.emplace([&row, cell, &tally](ServerConnection& c) { return serve(c, row, cell, tally); });
        base = server->base_url();
    }

    Outcome out;
    // The provider (and its pooled sockets) must go before its io_context; a call the
    // watchdog abandons is cancelled and unwound below first.
    asio::io_context io;
    auto provider = make_provider(cell.provider, io.get_executor(), base, row.tuning);
    auto call = [&]() -> asio::awaitable<void> {
        switch (cell.call) {
        case Call::chat:
            out.content = (co_await provider->chat(hello())).content;
            break;
        case Call::stream:
            out.content = (co_await provider->chat_stream(hello(), [&](ChatChunk const& chunk) {
                out.streamed_bytes += chunk.content.size() + chunk.reasoning.size();
            })).content;
            break;
        case Call::list:
            for (auto const& m : co_await provider->list_models())
                out.model_ids.push_back(m.id);
            break;
        }
    };
    auto const start = std::chrono::steady_clock::now();
    asio::cancellation_signal abandon;
    auto future = asio::co_spawn(io, call(), asio::bind_cancellation_slot(abandon.slot(), asio::use_future));
    // The watchdog: 10 s beyond the cell's total timeout, which must have ended the call.
    io.run_for(row.tuning.total + kSlack);
    out.elapsed = std::chrono::steady_clock::now() - start;
    out.finished = future.wait_for(0s) == std::future_status::ready;
    if (!out.finished) {
        // The cell fails; unwind the call so that nothing of it outlives the provider.
        abandon.emit(asio::cancellation_type::terminal);
        io.run_for(kSlack);
    }
    if (out.finished) {
        try {
            future.get();
        } catch (...) {
            out.error = std::current_exception();
        }
    }
    return out;
}

std::string class_of(ProviderError const& e)
{
    if (dynamic_cast<RateLimitError const*>(&e)) return "RateLimitError";
    if (dynamic_cast<NetworkError const*>(&e)) return "NetworkError";
    if (dynamic_cast<TimeoutError const*>(&e)) return "TimeoutError";
    if (dynamic_cast<CancelledError const*>(&e)) return "CancelledError";
    if (dynamic_cast<MalformedResponseError const*>(&e)) return "MalformedResponseError";
    if (dynamic_cast<AuthenticationError const*>(&e)) return "AuthenticationError";
    if (dynamic_cast<ModelNotFoundError const*>(&e)) return "ModelNotFoundError";
    if (dynamic_cast<InvalidRequestError const*>(&e)) return "InvalidRequestError";
    if (dynamic_cast<ContextLengthError const*>(&e)) return "ContextLengthError";
    if (dynamic_cast<ServerError const*>(&e)) return "ServerError";
    return "ProviderError";
}

// The class each code must be thrown as (written out here, not taken from the library).
std::string expected_class(errc code)
{
    switch (code) {
    case errc::connection_refused:
    case errc::host_not_found:
    case errc::connection_reset:
    case errc::tls_error:
    case errc::network_error: return "NetworkError";
    case errc::connect_timeout:
    case errc::first_byte_timeout:
    case errc::idle_timeout:
    case errc::total_timeout:
    case errc::queue_timeout: return "TimeoutError";
    case errc::cancelled: return "CancelledError";
    case errc::malformed_response:
    case errc::stream_truncated:
    case errc::body_too_large:
    case errc::unexpected_content_type: return "MalformedResponseError";
    case errc::authentication_failed: return "AuthenticationError";
    case errc::rate_limited: return "RateLimitError";
    case errc::model_not_found: return "ModelNotFoundError";
    case errc::invalid_request:
    case errc::invalid_endpoint:
    case errc::operation_in_progress:
    case errc::unsupported: return "InvalidRequestError";
    case errc::context_length_exceeded: return "ContextLengthError";
    case errc::server_error: return "ServerError";
    }
    return "?";
}

std::string errc_name(errc code) { return make_error_code(code).message() + " (" + std::to_string(int(code)) + ")"; }

bool has_escape(std::string const& text, std::string const& part)
{
    if (text.find(part) != std::string::npos)
        return true;
    // `\xHH` may be written with upper-case hex digits.
    std::string upper = part;
    for (std::size_t i = 0; i + 3 < upper.size(); ++i) {
        if (upper[i] == '\\' && upper[i + 1] == 'x') {
            upper[i + 2] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i + 2])));
            upper[i + 3] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i + 3])));
        }
    }
    return text.find(upper) != std::string::npos;
}

// Compares an outcome with the cell's expectation; empty when they agree, else why not.
std::vector<std::string> mismatches(Outcome const& out, Expect const& want, Cell const& cell)
{
    std::vector<std::string> why;
    if (!out.finished) {
        why.push_back("did not end within its total timeout + 10 s (the watchdog)");
        return why;
    }
    // Bounded memory: what the client took in stays far below what an endless server offers.
    if (out.streamed_bytes > want.max_streamed)
        why.push_back("delivered " + std::to_string(out.streamed_bytes) + " content bytes (bound " +
                      std::to_string(want.max_streamed) + ")");
    if (!want.code) {
        if (out.error) {
            try {
                std::rethrow_exception(out.error);
            } catch (std::exception const& e) {
                why.push_back(std::string("expected success, got ") + e.what());
            }
            return why;
        }
        if (cell.call == Call::list) {
            if (out.model_ids != std::vector<std::string>{"m"})
                why.push_back("expected the model list [m], got " + std::to_string(out.model_ids.size()) + " models");
        } else if (out.content != want.content) {
            why.push_back("expected content \"" + want.content + "\", got \"" + out.content + "\"");
        }
        return why;
    }
    if (!out.error) {
        why.push_back("expected " + errc_name(*want.code) + ", got success (content \"" + out.content + "\", " +
                      std::to_string(out.model_ids.size()) + " models)");
        return why;
    }
    try {
        std::rethrow_exception(out.error);
    } catch (ProviderError const& e) {
        std::string const what = e.what();
        auto const got = "got " + class_of(e) + " " + errc_name(e.error()) + ": " + what;
        if (e.error() != *want.code)
            why.push_back("expected " + errc_name(*want.code) + ", " + got);
        else if (class_of(e) != expected_class(*want.code))
            why.push_back("expected class " + expected_class(*want.code) + ", " + got);
        if (want.http_status >= 0 && e.http_status() != want.http_status)
            why.push_back("expected HTTP " + std::to_string(want.http_status) + ", got " + std::to_string(e.http_status()));
        if (want.retry_after) {
            auto const* rl = dynamic_cast<RateLimitError const*>(&e);
            if (!rl || rl->retry_after() != want.retry_after)
                why.push_back("expected retry_after " + std::to_string(want.retry_after->count()) + " ms");
        }
        std::string const provider_part = "provider " + std::string(name_of(cell.provider));
        if (what.find(provider_part) == std::string::npos)
            why.push_back("what() does not name the provider: " + what);
        for (auto const& part : want.parts) {
            if (!has_escape(what, part))
                why.push_back("what() lacks \"" + part + "\": " + what);
        }
        // Every message: one line, no control characters, never the key.
        for (unsigned char ch : what) {
            if (ch < 0x20 || ch == 0x7f) {
                why.push_back("what() carries a raw control character: " + what);
                break;
            }
        }
        if (what.find("\xc2\x85") != std::string::npos)
            why.push_back("what() carries a raw C1 control (NEL)");
        if (what.find(kApiKey) != std::string::npos)
            why.push_back("what() shows the API key");
    } catch (std::exception const& e) {
        why.push_back(std::string("expected a ProviderError, got a foreign exception: ") + e.what());
    }
    return why;
}

} // namespace

TEST_CASE("fault matrix: every server fault x provider x call ends in its typed error", "[fault-matrix]")
{
    REQUIRE(kFaults.size() >= 40);
    char const* only = std::getenv("LLMIO_FAULT_ONLY");
    int cells = 0;
    int failed = 0;
    std::vector<std::string> report;
    for (auto const& row : kFaults) {
        if (only && std::string_view(row.name).find(only) == std::string_view::npos)
            continue;
        for (auto p : {Provider::openai, Provider::lmstudio, Provider::ollama}) {
            for (auto c : {Call::chat, Call::stream, Call::list}) {
                Cell const cell{p, c, ""};
                Tally tally;
                Outcome const out = run_cell(row, cell, tally);
                Expect const want = row.expect(cell);
                auto why = mismatches(out, want, cell);
                // Bounded memory on the server side too: a client that stops reading at its
                // limits lets the server push a few socket buffers, not the server's cap.
                if (tally.written > want.max_written)
                    why.push_back("the client took " + std::to_string(tally.written >> 20) + " MiB before it stopped");
                // Bounded time: the configured total timeout ends every call; 10 s of slack for
                // a loaded machine.
                if (out.finished && out.elapsed > row.tuning.total + kSlack)
                    why.push_back("took " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(out.elapsed).count()) +
                                  " ms under a total timeout of " + std::to_string(row.tuning.total.count()) + " ms");
                if (tally.after_deadline > kAfterDeadlineSlack)
                    why.push_back("the client took " + std::to_string(tally.after_deadline >> 20) +
                                  " MiB after its total deadline had passed");
                ++cells;
                std::string const name = std::string(row.name) + " | " + std::string(name_of(p)) + " | " +
                                         std::string(name_of(c));
                if (!why.empty())
                    ++failed;
                for (auto const& w : why) {
                    INFO(name);
                    FAIL_CHECK(w);
                    std::string one_line = name + " : " + w;
                    for (char& ch : one_line)
                        if (ch == '\n' || ch == '\r')
                            ch = ' ';
                    report.push_back(std::move(one_line));
                }
            }
        }
    }
    // One line per mismatch, for the lead's list of what each branch still has to fix.
    for (auto const& line : report)
        std::cout << "fault-matrix: " << line << "\n";
    INFO(failed << " of " << cells << " cells failed");
    CHECK(failed == 0);
}

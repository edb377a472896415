#include <llmio/http/sse_parser.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

using llmio::errc;
using llmio::http::SseEvent;
using llmio::http::SseLimits;
using llmio::http::SseOtherLine;
using llmio::http::SseParser;

namespace {

// What the parser reported, in order: an event or an other line.
struct Item {
    bool is_event = true;
    std::string a; // type | field
    std::string b; // data | value
    std::string c; // id   | line

    friend bool operator==(Item const&, Item const&) = default;
    friend std::ostream& operator<<(std::ostream& os, Item const& i)
    {
        return os << (i.is_event ? "event{type=" : "other{field=") << i.a
                  << (i.is_event ? " data=" : " value=") << i.b
                  << (i.is_event ? " id=" : " line=") << i.c << '}';
    }
};

Item ev(std::string data, std::string type = "message", std::string id = "")
{
    return {true, std::move(type), std::move(data), std::move(id)};
}

Item other(std::string field, std::string value, std::string line)
{
    return {false, std::move(field), std::move(value), std::move(line)};
}

struct Run {
    std::vector<Item> items;
    boost::system::error_code ec; // first error of any feed or finish
    bool finished_without_blank_line = false;
};

struct Recorder {
    std::vector<Item>* items;
    void operator()(SseEvent const& e) const
    {
        items->push_back({true, std::string(e.type), std::string(e.data), std::string(e.id)});
    }
    void operator()(SseOtherLine const& o) const
    {
        items->push_back({false, std::string(o.field), std::string(o.value), std::string(o.line)});
    }
};

// Feeds the pieces in order, then finishes (unless a feed failed).
Run run(std::vector<std::string_view> const& pieces, SseLimits limits = {})
{
    SseParser parser(limits);
    Run r;
    Recorder rec{&r.items};
    for (auto piece : pieces) {
        r.ec = parser.feed(piece, rec, rec);
        if (r.ec) {
            return r;
        }
    }
    r.ec = parser.finish(rec, rec);
    r.finished_without_blank_line = parser.finished_without_blank_line();
    return r;
}

std::vector<Item> events_of(std::string_view whole)
{
    Run r = run({whole});
    REQUIRE_FALSE(r.ec);
    return r.items;
}

// Compares what the parser reports with an expected sequence without allocating, so that
// sweeping every split point of a large fixture stays fast.
class Checker {
public:
    explicit Checker(Run const& expected) : expected_(expected) {}

    bool operator()(SseEvent const& e)
    {
        ok_ = ok_ && next_ < expected_.items.size() && expected_.items[next_].is_event &&
              expected_.items[next_].a == e.type && expected_.items[next_].b == e.data &&
              expected_.items[next_].c == e.id;
        ++next_;
        return true;
    }
    bool operator()(SseOtherLine const& o)
    {
        ok_ = ok_ && next_ < expected_.items.size() && !expected_.items[next_].is_event &&
              expected_.items[next_].a == o.field && expected_.items[next_].b == o.value &&
              expected_.items[next_].c == o.line;
        ++next_;
        return true;
    }

    // Feeds `pieces` to a fresh parser; true when it reports exactly the expected run.
    template <class Pieces>
    bool matches(SseParser& parser, Pieces const& pieces)
    {
        parser.reset();
        next_ = 0;
        ok_ = true;
        boost::system::error_code ec;
        for (std::string_view piece : pieces) {
            // Each piece goes through the same scratch buffer, as a socket buffer would be
            // reused: a view kept into an earlier piece would then see other bytes.
            scratch_.assign(piece);
            ec = parser.feed(scratch_, *this, *this);
            if (ec) {
                break;
            }
        }
        if (!ec) {
            ec = parser.finish(*this, *this);
        }
        return ok_ && next_ == expected_.items.size() && ec == expected_.ec &&
               (ec || parser.finished_without_blank_line() ==
                          expected_.finished_without_blank_line);
    }

private:
    Run const& expected_;
    std::string scratch_;
    std::size_t next_ = 0;
    bool ok_ = true;
};

// Feeding `whole` split in two at every position, and one byte at a time, must report exactly
// what feeding it whole reports.
void check_every_split(std::string_view whole, SseLimits limits = {})
{
    Run const expected = run({whole}, limits);
    SseParser parser(limits);
    Checker checker(expected);
    std::size_t first_bad_split = whole.size() + 1;
    for (std::size_t at = 0; at <= whole.size() && first_bad_split > whole.size(); ++at) {
        std::string_view const pieces[] = {whole.substr(0, at), whole.substr(at)};
        if (!checker.matches(parser, pieces)) {
            first_bad_split = at;
        }
    }
    INFO("first split that changed the result: " << first_bad_split);
    CHECK(first_bad_split == whole.size() + 1);

    std::vector<std::string_view> bytes;
    bytes.reserve(whole.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
        bytes.push_back(whole.substr(i, 1));
    }
    CHECK(checker.matches(parser, bytes));
}

std::string read_file(std::string const& path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// True when `body` starts with an HTTP/1.1 chunk-size line ("1a2f\r\n" or "1a2f;ext\r\n").
bool starts_with_chunk_size(std::string_view body)
{
    std::size_t i = 0;
    while (i < body.size() && std::isxdigit(static_cast<unsigned char>(body[i])) != 0) {
        ++i;
    }
    if (i == 0) {
        return false;
    }
    std::size_t eol = body.find("\r\n", i);
    return eol != std::string_view::npos && (eol == i || body[i] == ';');
}

// Removes HTTP/1.1 chunked framing (the captures store decoded bodies, but a raw capture would
// carry the framing).
std::string dechunk(std::string_view body)
{
    std::string out;
    for (;;) { // bounded: each pass consumes a chunk or fails
        std::size_t eol = body.find("\r\n");
        REQUIRE(eol != std::string_view::npos);
        std::size_t size = std::stoul(std::string(body.substr(0, eol)), nullptr, 16);
        body.remove_prefix(eol + 2);
        if (size == 0) {
            return out;
        }
        REQUIRE(body.size() >= size + 2);
        out.append(body.substr(0, size));
        REQUIRE(body.substr(size, 2) == "\r\n");
        body.remove_prefix(size + 2);
    }
}

// The response body of a captured exchange: what follows the blank line after the headers.
std::string capture_body(std::string const& name)
{
    std::string const raw = read_file(std::string(LLMIO_CAPTURES_DIR) + "/llama-server/" + name);
    std::size_t const end_of_headers = raw.find("\r\n\r\n");
    REQUIRE(end_of_headers != std::string::npos);
    std::string headers = raw.substr(0, end_of_headers);
    std::transform(headers.begin(), headers.end(), headers.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    REQUIRE(headers.find("content-type: text/event-stream") != std::string::npos);
    std::string_view body = std::string_view(raw).substr(end_of_headers + 4);
    if (headers.find("transfer-encoding: chunked") != std::string::npos &&
        starts_with_chunk_size(body)) {
        return dechunk(body);
    }
    return std::string(body);
}

std::string const kOpenAiChunk =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",)"
    R"("choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"usage":null})";

} // namespace

namespace Catch {
template <>
struct StringMaker<Item> {
    static std::string convert(Item const& i)
    {
        std::ostringstream os;
        os << i;
        return os.str();
    }
};
} // namespace Catch

// --- WHATWG conformance vectors (docs/protocols.md, Server-sent events) --------------------------

TEST_CASE("SSE: CRLF, CR-only and LF line ends give the same events", "[sse]")
{
    std::vector<Item> const expected = {ev("a"), ev("b\nc")};
    CHECK(events_of("data: a\n\ndata: b\ndata: c\n\n") == expected);
    CHECK(events_of("data: a\r\n\r\ndata: b\r\ndata: c\r\n\r\n") == expected);
    CHECK(events_of("data: a\r\rdata: b\rdata: c\r\r") == expected);
    CHECK(events_of("data: a\r\n\rdata: b\ndata: c\r\r\n") == expected);
}

TEST_CASE("SSE: a CR at the end of one feed and its LF in the next are one line end", "[sse]")
{
    // Were the LF taken as a blank line, "a" and "b" would be two events.
    Run r = run({"data: a\r", "\ndata: b\r", "\n\r", "\n"});
    REQUIRE_FALSE(r.ec);
    CHECK(r.items == std::vector<Item>{ev("a\nb")});
    CHECK_FALSE(r.finished_without_blank_line);

    // A CR at the end of a feed followed by something other than LF: still a line end.
    r = run({"data: a\r", "data: b\r", "\r"});
    CHECK(r.items == std::vector<Item>{ev("a\nb")});

    // An empty feed between the CR and the LF changes nothing.
    r = run({"data: a\r", "", "\n\r\n"});
    CHECK(r.items == std::vector<Item>{ev("a")});
}

TEST_CASE("SSE: a BOM at stream start is removed, also when split across feeds", "[sse]")
{
    CHECK(events_of("\xEF\xBB\xBF" "data: x\n\n") == std::vector<Item>{ev("x")});
    Run r = run({"\xEF", "\xBB", "\xBF" "data: x\n\n"});
    CHECK(r.items == std::vector<Item>{ev("x")});

    // Only one BOM, and only at the start: a second one is part of the field name.
    CHECK(events_of("\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\n") ==
          std::vector<Item>{other("\xEF\xBB\xBF" "data", "x", "\xEF\xBB\xBF" "data: x")});
    CHECK(events_of("data: x\n\n\xEF\xBB\xBF" "data: y\n\n") ==
          std::vector<Item>{ev("x"), other("\xEF\xBB\xBF" "data", "y", "\xEF\xBB\xBF" "data: y")});

    // Bytes that start like a BOM but are not one are kept.
    r = run({"\xEF\xBB", "data: x\n\n"});
    CHECK(r.items == std::vector<Item>{other("\xEF\xBB" "data", "x", "\xEF\xBB" "data: x")});
    r = run({"\xEF"});
    CHECK(r.items == std::vector<Item>{other("\xEF", "", "\xEF")});
}

TEST_CASE("SSE: exactly one space after the colon is removed", "[sse]")
{
    CHECK(events_of("data:x\n\ndata: x\n\ndata:  x\n\n") ==
          std::vector<Item>{ev("x"), ev("x"), ev(" x")});
    CHECK(events_of("data:\tx\n\n") == std::vector<Item>{ev("\tx")});
    CHECK(events_of("data: a: b\n\n") == std::vector<Item>{ev("a: b")});
}

TEST_CASE("SSE: data lines are joined with newlines", "[sse]")
{
    CHECK(events_of("data: a\ndata: b\ndata: c\n\n") == std::vector<Item>{ev("a\nb\nc")});
    // `data` without colon appends an empty line.
    CHECK(events_of("data\ndata\n\n") == std::vector<Item>{ev("\n")});
    CHECK(events_of("data: a\ndata\n\n") == std::vector<Item>{ev("a\n")});
    CHECK(events_of("data\n\n") == std::vector<Item>{ev("")});
    CHECK(events_of("data:\n\n") == std::vector<Item>{ev("")});
    // Non-standard `data:\n {json}` framing (docs/protocols.md, Server-sent events: JSON on the
    // line after `data:`): the JSON is another line.
    CHECK(events_of("data:\n {\"a\":1}\n\n") ==
          std::vector<Item>{other(" {\"a\"", "1}", " {\"a\":1}"), ev("")});
}

TEST_CASE("SSE: comments are keep-alives and never reach a callback", "[sse]")
{
    CHECK(events_of(": ping\n\ndata: a\n: ping\ndata: b\n\n:\n\n: ping\n\n") ==
          std::vector<Item>{ev("a\nb")});
    CHECK(events_of(": only comments\n\n:\n\n").empty());
}

TEST_CASE("SSE: an event: field without data does not dispatch", "[sse]")
{
    CHECK(events_of("event: ping\n\ndata: a\n\n") == std::vector<Item>{ev("a")});
    CHECK(events_of("event: delta\ndata: a\n\ndata: b\n\n") ==
          std::vector<Item>{ev("a", "delta"), ev("b")});
    CHECK(events_of("event\ndata: a\n\n") == std::vector<Item>{ev("a")});
    // The last event: line wins.
    CHECK(events_of("event: x\nevent: y\ndata: a\n\n") == std::vector<Item>{ev("a", "y")});
}

TEST_CASE("SSE: id persists across events, an id containing NUL is ignored", "[sse]")
{
    using namespace std::string_literals;
    SseParser parser;
    std::vector<Item> items;
    Recorder rec{&items};
    std::string const stream = "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\ndata: c\nid: 3\n\n"
                               "id\ndata: d\n\n"s;
    REQUIRE_FALSE(parser.feed(stream, rec, rec));
    CHECK(items == std::vector<Item>{ev("a", "message", "1"), ev("b", "message", "1"),
                                     ev("c", "message", "3"), ev("d", "message", "")});
    CHECK(parser.last_event_id().empty());
    REQUIRE_FALSE(parser.feed("id: 42\n\n", rec, rec));
    CHECK(parser.last_event_id() == "42");
    CHECK(items.size() == 4); // an id alone dispatches nothing
}

TEST_CASE("SSE: retry takes only ASCII digits", "[sse]")
{
    SseParser parser;
    std::vector<Item> items;
    Recorder rec{&items};
    CHECK_FALSE(parser.retry_ms().has_value());
    REQUIRE_FALSE(parser.feed("retry: 1500\n\n", rec, rec));
    CHECK(parser.retry_ms() == std::optional<std::uint64_t>(1500));
    for (std::string_view bad : {"retry: 10x\n", "retry:\n", "retry: -5\n", "retry:  7\n",
                                 "retry: 99999999999999999999999\n", "retry\n"}) {
        REQUIRE_FALSE(parser.feed(bad, rec, rec));
        CHECK(parser.retry_ms() == std::optional<std::uint64_t>(1500));
    }
    REQUIRE_FALSE(parser.feed("retry:18446744073709551615\n", rec, rec));
    CHECK(parser.retry_ms() == std::optional<std::uint64_t>(UINT64_MAX));
    CHECK(items.empty());
}

TEST_CASE("SSE: the last event without a blank line is dispatched by finish()", "[sse]")
{
    Run r = run({"data: a\n\ndata: b"});
    REQUIRE_FALSE(r.ec);
    CHECK(r.items == std::vector<Item>{ev("a"), ev("b")});
    CHECK(r.finished_without_blank_line);

    r = run({"event: e\ndata: b\ndata: c\n"});
    CHECK(r.items == std::vector<Item>{ev("b\nc", "e")});
    CHECK(r.finished_without_blank_line);

    r = run({"data: a\n\n"});
    CHECK(r.items == std::vector<Item>{ev("a")});
    CHECK_FALSE(r.finished_without_blank_line);

    // A pending line that is not data is processed, and nothing without data is dispatched.
    r = run({"data: a\n\nevent: x\nerror: boom"});
    CHECK(r.items == std::vector<Item>{ev("a"), other("error", "boom", "error: boom")});
    CHECK_FALSE(r.finished_without_blank_line);

    // finish() twice is harmless; the second dispatches nothing.
    SseParser parser;
    std::vector<Item> items;
    Recorder rec{&items};
    REQUIRE_FALSE(parser.feed("data: z", rec, rec));
    REQUIRE_FALSE(parser.finish(rec, rec));
    CHECK(parser.finished_without_blank_line());
    REQUIRE_FALSE(parser.finish(rec, rec));
    CHECK_FALSE(parser.finished_without_blank_line());
    CHECK(items == std::vector<Item>{ev("z")});

    CHECK(run({""}).items.empty());
}

TEST_CASE("SSE: [DONE] followed by more bytes: the parser reports all, a false return stops",
          "[sse]")
{
    std::string const stream = "data: [DONE]\n\ndata: {\"late\":1}\n\nerror: x\n\n";
    CHECK(events_of(stream) ==
          std::vector<Item>{ev("[DONE]"), ev("{\"late\":1}"), other("error", "x", "error: x")});

    SseParser parser;
    std::vector<std::string> seen;
    int others = 0;
    auto on_event = [&](SseEvent const& e) {
        seen.emplace_back(e.data);
        return e.data != "[DONE]";
    };
    auto on_other = [&](SseOtherLine const&) { ++others; };
    CHECK_FALSE(parser.feed("data: x\n\n" + stream, on_event, on_other));
    CHECK(parser.stopped());
    CHECK(seen == std::vector<std::string>{"x", "[DONE]"});
    CHECK(others == 0);
    // A stopped parser ignores further input until reset().
    CHECK_FALSE(parser.feed("data: more\n\n", on_event, on_other));
    CHECK_FALSE(parser.finish(on_event, on_other));
    CHECK(seen.size() == 2);
    parser.reset();
    CHECK_FALSE(parser.stopped());
    CHECK_FALSE(parser.feed("data: more\n\n", on_event, on_other));
    CHECK(seen.back() == "more");
}

TEST_CASE("SSE: an on_other returning false stops too", "[sse]")
{
    SseParser parser;
    int events = 0;
    std::string field;
    auto on_event = [&](SseEvent const&) { ++events; };
    auto on_other = [&](SseOtherLine const& o) {
        field = o.field;
        return false;
    };
    CHECK_FALSE(parser.feed("data: a\n\nerror: {}\n\ndata: b\n\n", on_event, on_other));
    CHECK(parser.stopped());
    CHECK(events == 1);
    CHECK(field == "error");
}

TEST_CASE("SSE: JSON split across feeds inside a UTF-8 sequence arrives intact", "[sse]")
{
    std::string const json = "{\"content\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\"}";
    std::string const stream = "data: " + json + "\n\n";
    std::size_t const inside_e_acute = stream.find("\xC3") + 1;
    std::size_t const inside_emoji = stream.find("\xF0") + 2;
    Run r = run({std::string_view(stream).substr(0, inside_e_acute),
                 std::string_view(stream).substr(inside_e_acute, inside_emoji - inside_e_acute),
                 std::string_view(stream).substr(inside_emoji)});
    REQUIRE_FALSE(r.ec);
    CHECK(r.items == std::vector<Item>{ev(json)});

    // Invalid UTF-8 passes through untouched (the JSON parser will judge it).
    CHECK(events_of("data: \xFF\xC3(\n\n") == std::vector<Item>{ev("\xFF\xC3(")});
}

TEST_CASE("SSE: llama.cpp's error: line and a bare JSON error line reach on_other", "[sse]")
{
    std::string const error_json =
        R"({"code":500,"message":"context shift is disabled","type":"server_error"})";
    CHECK(events_of("data: {\"a\":1}\n\nerror: " + error_json + "\n\ndata: [DONE]\n\n") ==
          std::vector<Item>{ev("{\"a\":1}"), other("error", error_json, "error: " + error_json),
                            ev("[DONE]")});

    std::string const bare = R"({"error":{"message":"Compute error."}})";
    CHECK(events_of(bare + "\n\n") ==
          std::vector<Item>{other("{\"error\"", R"({"message":"Compute error."}})", bare)});

    // Unknown fields, case-mismatched names and colon-less lines are other lines too.
    CHECK(events_of("Data: x\nfoo\nfoo: bar\n\n") ==
          std::vector<Item>{other("Data", "x", "Data: x"), other("foo", "", "foo"),
                            other("foo", "bar", "foo: bar")});
}

// --- Buffers and lifetimes --------------------------------------------------------------------

TEST_CASE("SSE: an event spanning feeds survives the caller reusing its buffer", "[sse]")
{
    SseParser parser;
    std::vector<Item> items;
    Recorder rec{&items};
    std::string buffer = "data: one\n"; // one whole data line, then the feed ends
    REQUIRE_FALSE(parser.feed(buffer, rec, rec));
    buffer.assign("XXXX: XXX\n"); // the socket buffer is overwritten by the next read
    buffer.assign("data: tw");
    REQUIRE_FALSE(parser.feed(buffer, rec, rec));
    buffer.assign("o\nevent: e");
    REQUIRE_FALSE(parser.feed(buffer, rec, rec));
    buffer.assign("nd\n\ndata: three\n\n");
    REQUIRE_FALSE(parser.feed(buffer, rec, rec));
    CHECK(items == std::vector<Item>{ev("one\ntwo", "end"), ev("three")});
}

TEST_CASE("SSE: reset() returns to the initial state", "[sse]")
{
    SseParser parser;
    std::vector<Item> items;
    Recorder rec{&items};
    REQUIRE_FALSE(parser.feed("id: 7\nretry: 10\ndata: partial", rec, rec));
    parser.reset();
    CHECK(parser.last_event_id().empty());
    CHECK_FALSE(parser.retry_ms().has_value());
    REQUIRE_FALSE(parser.feed("\xEF\xBB\xBF" "data: fresh\n\n", rec, rec));
    CHECK(items == std::vector<Item>{ev("fresh")});
}

// --- Limits -----------------------------------------------------------------------------------

TEST_CASE("SSE: the line limit fails exactly at limit + 1", "[sse]")
{
    SseLimits const limits{16, 1 << 20};
    std::string const at_limit = "data: 0123456789";   // 16 bytes
    std::string const over_limit = "data: 0123456789a"; // 17 bytes
    REQUIRE(at_limit.size() == 16);

    Run r = run({at_limit + "\n\n"}, limits);
    REQUIRE_FALSE(r.ec);
    CHECK(r.items == std::vector<Item>{ev("0123456789")});
    r = run({at_limit.substr(0, 5), at_limit.substr(5) + "\r", "\n\r\n"}, limits);
    REQUIRE_FALSE(r.ec);
    CHECK(r.items == std::vector<Item>{ev("0123456789")});
    r = run({at_limit}, limits); // unterminated at end of input
    REQUIRE_FALSE(r.ec);
    CHECK(r.items == std::vector<Item>{ev("0123456789")});

    r = run({"data: ok\n\n" + over_limit + "\n\n"}, limits);
    CHECK(r.ec == errc::body_too_large);
    CHECK(r.ec.message() == "response exceeds the configured size limit");
    CHECK(r.items == std::vector<Item>{ev("ok")});
    r = run({over_limit.substr(0, 9), over_limit.substr(9) + "\n\n"}, limits);
    CHECK(r.ec == errc::body_too_large);
    // A partial line fails as soon as it exceeds the limit, before its terminator arrives.
    r = run({over_limit}, limits);
    CHECK(r.ec == errc::body_too_large);
    // Comments count too: memory must stay bounded whatever the line.
    r = run({": 0123456789abcdef\n"}, limits);
    CHECK(r.ec == errc::body_too_large);

    // The failure is sticky.
    SseParser parser(limits);
    std::vector<Item> items;
    Recorder rec{&items};
    CHECK(parser.feed(over_limit, rec, rec) == errc::body_too_large);
    CHECK(parser.feed("data: x\n\n", rec, rec) == errc::body_too_large);
    CHECK(parser.finish(rec, rec) == errc::body_too_large);
    CHECK(items.empty());
    parser.reset();
    CHECK_FALSE(parser.feed("data: x\n\n", rec, rec));
    CHECK(items == std::vector<Item>{ev("x")});
}

TEST_CASE("SSE: the event data limit fails exactly at limit + 1", "[sse]")
{
    SseLimits const limits{1 << 20, 10};
    // One line: 10 bytes pass, 11 fail.
    Run r = run({"data: 0123456789\n\n"}, limits);
    REQUIRE_FALSE(r.ec);
    CHECK(r.items == std::vector<Item>{ev("0123456789")});
    r = run({"data: 0123456789a\n\n"}, limits);
    CHECK(r.ec == errc::body_too_large);
    CHECK(r.items.empty());

    // Joined lines count their '\n' separators: "12345\n6789" is 10 bytes, "12345\n67890" 11.
    r = run({"data: 12345\ndata: 6789\n\n"}, limits);
    REQUIRE_FALSE(r.ec);
    CHECK(r.items == std::vector<Item>{ev("12345\n6789")});
    r = run({"data: 12345\n", "data: 6789\n\n"}, limits);
    REQUIRE_FALSE(r.ec);
    CHECK(r.items == std::vector<Item>{ev("12345\n6789")});
    r = run({"data: 12345\ndata: 67890\n\n"}, limits);
    CHECK(r.ec == errc::body_too_large);
    r = run({"data: 12345\n", "data: 67890\n\n"}, limits);
    CHECK(r.ec == errc::body_too_large);
    // Empty data lines count as separators: ten of them make 9 bytes, eleven make 10, twelve 11.
    std::string lines;
    for (int i = 0; i < 11; ++i) {
        lines += "data\n";
    }
    r = run({lines + "\n"}, limits);
    REQUIRE_FALSE(r.ec);
    CHECK(r.items == std::vector<Item>{ev(std::string(10, '\n'))});
    r = run({lines + "data\n\n"}, limits);
    CHECK(r.ec == errc::body_too_large);

    // The limit is per event: the buffer starts over after each dispatch.
    r = run({"data: 0123456789\n\ndata: 0123456789\n\n"}, limits);
    REQUIRE_FALSE(r.ec);
    CHECK(r.items.size() == 2);
}

// --- Every split of every fixture -------------------------------------------------------------

TEST_CASE("SSE: conformance vectors give the same result however they are split", "[sse]")
{
    using namespace std::string_literals;
    std::vector<std::string> const vectors = {
        "data: a\r\n\r\ndata: b\r\ndata: c\r\n\r\n",
        "data: a\r\rdata: b\rdata: c\r\r",
        "\xEF\xBB\xBF" "data: x\r\n\r\n",
        "\xEF\xBB" "data: x\n\n",
        "data:x\n\ndata: x\n\ndata:  x\n\n",
        "data\ndata\n\ndata: a\ndata\n\n",
        ": ping\n\nevent: e\ndata: a\n: ping\n\nevent: ping\n\n",
        "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\nretry: 10x\nretry: 20\n\n"s,
        "data: [DONE]\n\ndata: more\n\nerror: {\"code\":500}\n{\"error\":1}\n",
        "data: {\"c\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\"}\r\n\r\ndata: tail",
        "data: a\r\n\r\r\n\ndata: b\n\r\r\n",
    };
    for (auto const& v : vectors) {
        INFO("stream: " << v);
        check_every_split(v);
    }
    // And with limits small enough to fail somewhere in the middle.
    check_every_split("data: 0123\ndata: 4567\n\ndata: 012345678\n\n", SseLimits{12, 9});
    check_every_split("data: 01\n\n: 0123456789012\n", SseLimits{12, 9});
}

TEST_CASE("SSE: llama-server captures give the same events however they are split", "[sse]")
{
    struct Fixture {
        char const* file;
        std::size_t events;
    };
    // Event counts include the final [DONE].
    for (Fixture const f : {Fixture{"12-chat-stream.http", 14},
                            Fixture{"13-chat-stream-include-usage.http", 14},
                            Fixture{"14-chat-stream-natural-stop.http", 21},
                            Fixture{"15-chat-stream-stop-sequence.http", 8},
                            Fixture{"38-completions-stream.http", 10},
                            Fixture{"67-ctx-too-long-no-shift-stream.http", 1},
                            Fixture{"69-ctx-fills-during-gen-stream.http", 239}}) {
        INFO(f.file);
        std::string const body = capture_body(f.file);
        Run const whole = run({body});
        REQUIRE_FALSE(whole.ec);
        CHECK_FALSE(whole.finished_without_blank_line);
        std::size_t events = 0;
        for (Item const& item : whole.items) {
            if (item.is_event) {
                ++events;
                CHECK(item.a == "message");
                CHECK(item.c.empty());
                bool const json_or_done = item.b == "[DONE]" || (item.b.front() == '{' &&
                                                                 item.b.back() == '}');
                CHECK(json_or_done);
            }
        }
        CHECK(events == f.events);
        REQUIRE_FALSE(whole.items.empty());
        CHECK(whole.items.back() == ev("[DONE]"));
        check_every_split(body);
    }
}

TEST_CASE("SSE: llama-server's in-stream errors arrive as other lines before [DONE]", "[sse]")
{
    Run r = run({capture_body("67-ctx-too-long-no-shift-stream.http")});
    REQUIRE_FALSE(r.ec);
    std::string const json =
        R"({"code":400,"message":"the request exceeds the available context size. )"
        R"(try increasing the context size or enable context shift","type":"invalid_request_error"})";
    CHECK(r.items == std::vector<Item>{other("error", json, "error: " + json), ev("[DONE]")});

    r = run({capture_body("69-ctx-fills-during-gen-stream.http")});
    REQUIRE_FALSE(r.ec);
    REQUIRE(r.items.size() >= 3);
    std::string const shift = R"({"code":500,"message":"context shift is disabled","type":"server_error"})";
    CHECK(r.items[r.items.size() - 2] == other("error", shift, "error: " + shift));
    CHECK(r.items[r.items.size() - 3].is_event);
}

TEST_CASE("SSE: a typical OpenAI chunk is handed out without the caller seeing a copy", "[sse]")
{
    // A whole event inside one feed: the data view points into the fed bytes.
    std::string const stream = "data: " + kOpenAiChunk + "\n\n";
    SseParser parser;
    char const* data_ptr = nullptr;
    auto on_event = [&](SseEvent const& e) { data_ptr = e.data.data(); };
    auto on_other = [](SseOtherLine const&) {};
    REQUIRE_FALSE(parser.feed(stream, on_event, on_other));
    CHECK(data_ptr == stream.data() + 6);
}

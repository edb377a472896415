#include <llmio/http/ndjson_splitter.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using llmio::errc;
using llmio::http::NdjsonSplitter;

namespace {

using Lines = std::vector<std::string>;

struct Run {
    Lines lines;
    boost::system::error_code ec; // first error of any feed or finish
};

// Feeds the pieces in order, then finishes (unless a feed failed).
Run run(std::vector<std::string_view> const& pieces, std::size_t max_line = 16 << 20)
{
    NdjsonSplitter splitter(max_line);
    Run r;
    auto on_line = [&](std::string_view line) { r.lines.emplace_back(line); };
    for (auto piece : pieces) {
        r.ec = splitter.feed(piece, on_line);
        if (r.ec) {
            return r;
        }
    }
    r.ec = splitter.finish(on_line);
    return r;
}

// Feeding `whole` split in two at every position, and one byte at a time, must report exactly
// what feeding it whole reports. Pieces go through one reused scratch buffer, as a socket
// buffer would be reused, so a view kept into an earlier piece would see other bytes.
void check_every_split(std::string_view whole, std::size_t max_line = 16 << 20)
{
    Run const expected = run({whole}, max_line);
    NdjsonSplitter splitter(max_line);
    std::string scratch;
    auto matches = [&](auto const& pieces) {
        splitter.reset();
        std::size_t next = 0;
        bool ok = true;
        auto on_line = [&](std::string_view line) {
            ok = ok && next < expected.lines.size() && expected.lines[next] == line;
            ++next;
        };
        boost::system::error_code ec;
        for (std::string_view piece : pieces) {
            scratch.assign(piece);
            ec = splitter.feed(scratch, on_line);
            if (ec) {
                break;
            }
        }
        if (!ec) {
            ec = splitter.finish(on_line);
        }
        return ok && next == expected.lines.size() && ec == expected.ec;
    };

    std::size_t first_bad_split = whole.size() + 1;
    for (std::size_t at = 0; at <= whole.size() && first_bad_split > whole.size(); ++at) {
        std::string_view const pieces[] = {whole.substr(0, at), whole.substr(at)};
        if (!matches(pieces)) {
            first_bad_split = at;
        }
    }
    INFO("first split that changed the result: " << first_bad_split);
    CHECK(first_bad_split == whole.size() + 1);

    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < whole.size(); ++i) {
        bytes.push_back(whole.substr(i, 1));
    }
    CHECK(matches(bytes));
}

// An Ollama /api/chat stream as docs/protocols.md (Ollama: /api/chat) describes it: thinking
// deltas, content deltas, a whole tool call, and the final line with done_reason and metrics.
Lines const kOllamaChatLines = {
    R"({"model":"qwen3:0.6b","created_at":"2025-06-01T10:00:00.000000001Z","message":{"role":"assistant","content":"","thinking":"The user"},"done":false})",
    R"({"model":"qwen3:0.6b","created_at":"2025-06-01T10:00:00.010000001Z","message":{"role":"assistant","content":"","thinking":" wants the weather."},"done":false})",
    R"({"model":"qwen3:0.6b","created_at":"2025-06-01T10:00:00.020000001Z","message":{"role":"assistant","content":"Caf\u00e9 \"Tokyo\" \u2014 "},"done":false})",
    "{\"model\":\"qwen3:0.6b\",\"created_at\":\"2025-06-01T10:00:00.030000001Z\",\"message\":{\"role\":\"assistant\",\"content\":\"na\xC3\xAFve \xF0\x9F\x98\x80\"},\"done\":false}",
    R"({"model":"qwen3:0.6b","created_at":"2025-06-01T10:00:00.040000001Z","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_abc","function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}}]},"done":false})",
    R"({"model":"qwen3:0.6b","created_at":"2025-06-01T10:00:00.050000001Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":182242375,"load_duration":41295167,"prompt_eval_count":169,"prompt_eval_duration":24573166,"eval_count":15,"eval_duration":115959084})",
};

std::string joined(Lines const& lines, std::string_view end = "\n")
{
    std::string out;
    for (auto const& line : lines) {
        out += line;
        out += end;
    }
    return out;
}

} // namespace

TEST_CASE("NDJSON: an Ollama chat stream comes out line by line", "[ndjson]")
{
    Run r = run({joined(kOllamaChatLines)});
    REQUIRE_FALSE(r.ec);
    CHECK(r.lines == kOllamaChatLines);
}

TEST_CASE("NDJSON: every split of an Ollama stream gives the same lines", "[ndjson]")
{
    check_every_split(joined(kOllamaChatLines));
    // The same with CRLF, a BOM, blank lines, and a mid-stream error ending the stream
    // without its final '\n' (docs/protocols.md, Ollama: conventions).
    std::string stream = "\xEF\xBB\xBF" + joined({kOllamaChatLines[0], kOllamaChatLines[2]}, "\r\n") +
                         "\n  \r\n\t\n" + R"({"error":"an error was encountered while running the model"})";
    check_every_split(stream);
    Run r = run({stream});
    REQUIRE_FALSE(r.ec);
    CHECK(r.lines == Lines{kOllamaChatLines[0], kOllamaChatLines[2],
                           R"({"error":"an error was encountered while running the model"})"});
    // With a limit that the longest line exceeds, at whatever split.
    check_every_split(joined(kOllamaChatLines), kOllamaChatLines[4].size() - 1);
    check_every_split("{\"a\":1}\r\n{\"b\":22}\r\n", 8);
}

TEST_CASE("NDJSON: a trailing CR is removed, blank and whitespace-only lines are skipped",
          "[ndjson]")
{
    Run r = run({"{\"a\":1}\r\n\n\r\n   \n\t \r\n{\"b\":2}\n"});
    REQUIRE_FALSE(r.ec);
    CHECK(r.lines == Lines{"{\"a\":1}", "{\"b\":2}"});
    // Only one CR is removed, and a CR inside a line stays.
    r = run({"{\"a\":\r1}\r\r\n"});
    CHECK(r.lines == Lines{"{\"a\":\r1}\r"});
    // A CR at the end of one feed and the LF at the start of the next.
    r = run({"{\"a\":1}\r", "\n{\"b\":2}\r", "", "\n"});
    CHECK(r.lines == Lines{"{\"a\":1}", "{\"b\":2}"});
    // Leading and inner spaces of a real line are kept.
    r = run({" {\"a\": 1} \n"});
    CHECK(r.lines == Lines{" {\"a\": 1} "});
}

TEST_CASE("NDJSON: a BOM is removed from the first line only", "[ndjson]")
{
    Run r = run({"\xEF\xBB\xBF{\"a\":1}\n\xEF\xBB\xBF{\"b\":2}\n"});
    REQUIRE_FALSE(r.ec);
    CHECK(r.lines == Lines{"{\"a\":1}", "\xEF\xBB\xBF{\"b\":2}"});
    r = run({"\xEF", "\xBB", "\xBF{\"a\":1}\n"});
    CHECK(r.lines == Lines{"{\"a\":1}"});
    // Bytes that start like a BOM but are not one are kept.
    r = run({"\xEF\xBB", "{}\n"});
    CHECK(r.lines == Lines{"\xEF\xBB{}"});
    r = run({"\xEF"});
    CHECK(r.lines == Lines{"\xEF"});
    // A BOM alone is an empty stream.
    r = run({"\xEF\xBB\xBF\n"});
    CHECK(r.lines.empty());
}

TEST_CASE("NDJSON: the last line without a newline is delivered by finish()", "[ndjson]")
{
    NdjsonSplitter splitter;
    Lines lines;
    auto on_line = [&](std::string_view line) { lines.emplace_back(line); };
    REQUIRE_FALSE(splitter.feed("{\"a\":1}\n{\"done\":", on_line));
    CHECK(lines == Lines{"{\"a\":1}"});
    REQUIRE_FALSE(splitter.feed("true}\r", on_line));
    CHECK(lines.size() == 1);
    REQUIRE_FALSE(splitter.finish(on_line));
    CHECK(lines == Lines{"{\"a\":1}", "{\"done\":true}"});
    REQUIRE_FALSE(splitter.finish(on_line)); // again: nothing pending
    CHECK(lines.size() == 2);

    CHECK(run({""}).lines.empty());
    CHECK(run({"  \t"}).lines.empty());
}

TEST_CASE("NDJSON: a line spanning feeds survives the caller reusing its buffer", "[ndjson]")
{
    NdjsonSplitter splitter;
    Lines lines;
    auto on_line = [&](std::string_view line) { lines.emplace_back(line); };
    std::string buffer = "{\"a\":";
    REQUIRE_FALSE(splitter.feed(buffer, on_line));
    buffer.assign("XXXXXX");
    buffer.assign("1}\n{\"b\"");
    REQUIRE_FALSE(splitter.feed(buffer, on_line));
    buffer.assign(":2}\n");
    REQUIRE_FALSE(splitter.feed(buffer, on_line));
    CHECK(lines == Lines{"{\"a\":1}", "{\"b\":2}"});
}

TEST_CASE("NDJSON: whole lines are handed out in place", "[ndjson]")
{
    std::string const stream = kOllamaChatLines[0] + "\n";
    NdjsonSplitter splitter;
    char const* seen = nullptr;
    REQUIRE_FALSE(splitter.feed(stream, [&](std::string_view line) { seen = line.data(); }));
    CHECK(seen == stream.data());
}

TEST_CASE("NDJSON: the line limit fails exactly at limit + 1", "[ndjson]")
{
    std::size_t const limit = 8;
    // 8 content bytes pass, with "\n" or "\r\n", whole, split or unterminated.
    for (auto pieces : std::vector<std::vector<std::string_view>>{
             {"{\"a\":12}\n"}, {"{\"a\":12}\r\n"}, {"{\"a\":", "12}\r", "\n"}, {"{\"a\":12}\r"},
             {"{\"a\":12}"}, {"{\"a\":12}", "\r", "\n"}}) {
        Run r = run(pieces, limit);
        REQUIRE_FALSE(r.ec);
        CHECK(r.lines == Lines{"{\"a\":12}"});
    }
    // 9 content bytes fail, however they arrive; lines before the long one are delivered.
    // A whitespace-only line counts too: whether it is blank is known only at its end.
    struct Case {
        std::vector<std::string_view> pieces;
        Lines before;
    };
    for (auto const& c : {Case{{"{}\n{\"a\":123}\n"}, {"{}"}}, Case{{"{\"a\":123}\r\n"}, {}},
                          Case{{"{\"a\":", "123}\n"}, {}}, Case{{"{\"a\":123}"}, {}},
                          Case{{"{\"a\":12}\r", "x"}, {}}, Case{{"{\"a\":12}", "\r\r\n"}, {}},
                          Case{{"{}\n", "         \n"}, {"{}"}}}) {
        Run r = run(c.pieces, limit);
        CHECK(r.ec == errc::body_too_large);
        CHECK(r.lines == c.before);
    }

    // A partial line fails as soon as it exceeds the limit, before its '\n' arrives.
    NdjsonSplitter splitter(limit);
    Lines lines;
    auto on_line = [&](std::string_view line) { lines.emplace_back(line); };
    CHECK(splitter.feed("{\"a\":1234", on_line) == errc::body_too_large);
    // The failure is sticky until reset().
    CHECK(splitter.feed("\n{}\n", on_line) == errc::body_too_large);
    CHECK(splitter.finish(on_line) == errc::body_too_large);
    CHECK(lines.empty());
    splitter.reset();
    CHECK_FALSE(splitter.feed("{}\n", on_line));
    CHECK(lines == Lines{"{}"});
}

TEST_CASE("NDJSON: a callback returning false stops", "[ndjson]")
{
    NdjsonSplitter splitter;
    Lines lines;
    auto on_line = [&](std::string_view line) {
        lines.emplace_back(line);
        return line.find("\"error\"") == std::string_view::npos;
    };
    CHECK_FALSE(splitter.feed("{\"a\":1}\n{\"error\":\"boom\"}\n{\"b\":2}\n", on_line));
    CHECK(splitter.stopped());
    CHECK(lines == Lines{"{\"a\":1}", "{\"error\":\"boom\"}"});
    CHECK_FALSE(splitter.feed("{\"c\":3}\n", on_line));
    CHECK_FALSE(splitter.finish(on_line));
    CHECK(lines.size() == 2);
    splitter.reset();
    CHECK_FALSE(splitter.stopped());
    CHECK_FALSE(splitter.feed("{\"c\":3}\n", on_line));
    CHECK(lines.back() == "{\"c\":3}");
}

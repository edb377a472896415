// The SAX fast path of Ollama's /api/chat lines must read exactly what the DOM reader reads,
// and leave to the DOM reader every line it does not fully understand.

#include <llmio/error.hpp>
#include <llmio/ollama/line_fast_path.hpp>
#include <llmio/ollama/wire.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace llmio;

namespace {

// What ChatLineParser made of a line, comparable across readers.
struct Outcome {
    std::string kind; // chunk, done, in-band, error
    ChatChunk chunk;
    std::string text; // the in-band body or the error message

    friend bool operator==(Outcome const&, Outcome const&) = default;
};

Outcome read_line(std::string const& line)
{
    ollama::ChatLineParser parser;
    Outcome o;
    try {
        switch (parser.parse_into(line, o.chunk)) {
        case ollama::LineKind::chunk: o.kind = "chunk"; break;
        case ollama::LineKind::done: o.kind = "done"; break;
        case ollama::LineKind::error: o.kind = "in-band"; o.text = line; break;
        }
    } catch (MalformedResponseError const& e) {
        o.kind = "error";
        o.text = e.what();
    }
    return o;
}

// The DOM reader's reading of a line the fast path accepts: the same line with a key the fast
// path does not know sends ChatLineParser to its DOM, which ignores that key.
Outcome read_line_with_dom(std::string const& line)
{
    auto const end = line.rfind('}');
    REQUIRE(end != std::string::npos);
    return read_line(line.substr(0, end) + R"(,"x_unknown":1})" + line.substr(end + 1));
}

bool fast_accepts(std::string const& line)
{
    ollama::LineFastPath fast;
    ChatChunk out;
    return fast.parse(line, out);
}

std::string const kLine =
    R"({"model":"llama3.2","created_at":"2025-01-01T00:00:00.123Z","message":{"role":"assistant","content":" world"},"done":false})";

} // namespace

TEST_CASE("ollama fast line path: the common line is read without a DOM, exactly", "[ollama-wire]")
{
    ollama::LineFastPath fast;
    ChatChunk chunk;
    REQUIRE(fast.parse(kLine, chunk));
    CHECK(chunk.model == "llama3.2");
    CHECK(chunk.content == " world");
    CHECK(chunk.reasoning.empty());
    CHECK_FALSE(chunk.no_choice);
    CHECK_FALSE(chunk.finish_reason);

    // The same reader is reused for the next line: nothing of the previous one leaks.
    REQUIRE(fast.parse(R"({"model":"m","message":{"role":"assistant","content":"","thinking":"hmm"},"done":false})", chunk));
    CHECK(chunk.model == "m");
    CHECK(chunk.content.empty());
    CHECK(chunk.reasoning == "hmm");
}

TEST_CASE("ollama fast line path: the lines it takes read as the DOM reader reads them", "[ollama-wire]")
{
    std::vector<std::string> const lines = {
        kLine,
        R"({"model":"m","message":{"role":"assistant","content":""},"done":false})",
        R"({"message":{"content":"no model, no done"}})",
        R"({"model":"m","message":{},"done":false})",
        R"({"model":"m","message":{"role":"assistant","content":"line\n\"q\" \u00e9 \ud83d\ude00 \\ \/"},"done":false})",
        R"({"model":"m","message":{"role":"assistant","content":"","thinking":"step 1"},"done":false})",
        R"({"done":false,"message":{"thinking":"t","content":"c","role":"assistant"},"model":"m"})",
        " {\"model\":\"m\",\"message\":{\"content\":\"spaces\"}} ",
    };
    for (auto const& line : lines) {
        INFO(line);
        CHECK(fast_accepts(line));
        auto const fast = read_line(line);
        auto const dom = read_line_with_dom(line);
        CHECK(fast.kind == "chunk");
        CHECK(fast == dom);
    }
}

TEST_CASE("ollama fast line path: every other line goes to the DOM reader", "[ollama-wire]")
{
    std::vector<std::string> const lines = {
        // The final line: done, its reason and counters.
        R"({"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","eval_count":3})",
        // Tool calls, images, unknown keys, errors.
        R"({"model":"m","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{}}}]},"done":false})",
        R"({"model":"m","message":{"role":"assistant","content":"x","images":null},"done":false})",
        R"({"model":"m","message":{"content":"x"},"done":false,"extra":1})",
        R"({"error":"model 'x' not found"})",
        R"({"model":"m","message":{"content":"x"},"error":"boom"})",
        // No message: no part of the answer.
        R"({"model":"m","done":false})",
        // Nulls and values of other types.
        R"({"model":null,"message":{"content":"x"}})",
        R"({"model":"m","message":{"content":null}})",
        R"({"model":"m","message":{"content":5}})",
        R"({"model":"m","message":"text"})",
        R"({"model":"m","message":{"content":"x"},"done":"false"})",
        R"({"model":"m","message":{"content":"x","model":"nested"}})",
        // Repeated keys: the DOM decides which one counts.
        R"({"model":"m","message":{"content":"a","content":"b"}})",
        R"({"model":"a","model":"b","message":{"content":"x"}})",
        // Not an object, invalid JSON, two values.
        R"(["x"])",
        R"("x")",
        R"({"model":"m","message":{"content":"x"})",
        R"({"model":"m","message":{"content":"x"}} {})",
    };
    for (auto const& line : lines) {
        INFO(line);
        CHECK_FALSE(fast_accepts(line));
    }
    // And the DOM reader still has the last word on them, e.g. the final line's reason.
    auto const done = read_line(lines[0]);
    CHECK(done.kind == "done");
    CHECK(done.chunk.finish_reason == FinishReason::stop);
    auto const error = read_line(lines[4]);
    CHECK(error.kind == "in-band");
    auto const broken = read_line(lines[17]);
    CHECK(broken.kind == "error");
}

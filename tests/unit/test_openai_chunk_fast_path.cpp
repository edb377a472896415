// The SAX fast path of stream chunks must read exactly what the DOM reader reads, and leave to
// the DOM reader every event it does not fully understand.

#include <llmio/error.hpp>
#include <llmio/openai/chunk_fast_path.hpp>
#include <llmio/openai/wire.hpp>

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace llmio;
using openai::ChunkParser;

namespace {

// What a reader made of an event, comparable across readers.
struct Outcome {
    std::string kind; // chunk, done, in-band, error
    ChatChunk chunk;
    std::string text; // the in-band body or the error message

    friend bool operator==(Outcome const&, Outcome const&) = default;
};

Outcome read_with(ChunkParser& parser, std::string const& data)
{
    Outcome o;
    try {
        auto result = parser.parse(data);
        if (auto* chunk = std::get_if<ChatChunk>(&result)) {
            o.kind = "chunk";
            o.chunk = std::move(*chunk);
        } else if (auto* error = std::get_if<openai::InBandError>(&result)) {
            o.kind = "in-band";
            o.text = error->body;
        } else {
            o.kind = "done";
        }
    } catch (MalformedResponseError const& e) {
        o.kind = "error";
        o.text = e.what();
    }
    return o;
}

// Reads `data` with the default parser (fast path first) and the DOM-only one.
void check_same_as_dom(std::string const& data)
{
    INFO(data);
    ChunkParser fast;
    ChunkParser dom(ChunkParser::Reader::dom_only);
    auto const a = read_with(fast, data);
    auto const b = read_with(dom, data);
    CHECK(a.kind == b.kind);
    CHECK(a.text == b.text);
    CHECK(a.chunk.content == b.chunk.content);
    CHECK(a == b);
}

bool fast_accepts(std::string const& data)
{
    openai::ChunkFastPath fast;
    ChatChunk out;
    return fast.parse(data, out);
}

std::string const kDelta =
    R"({"id":"chatcmpl-AbC123","object":"chat.completion.chunk","created":1732000000,)"
    R"("model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1",)"
    R"("choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}]})";

} // namespace

TEST_CASE("fast chunk path: OpenAI's text delta is read without a DOM, exactly", "[openai-wire]")
{
    openai::ChunkFastPath fast;
    ChatChunk chunk;
    REQUIRE(fast.parse(kDelta, chunk));
    CHECK(chunk.id == "chatcmpl-AbC123");
    CHECK(chunk.model == "gpt-4o-mini-2024-07-18");
    CHECK(chunk.content == " world");
    CHECK(chunk.choice_index == 0);
    CHECK_FALSE(chunk.finish_reason);
    CHECK_FALSE(chunk.no_choice);
    check_same_as_dom(kDelta);

    // The same reader is reused for the next event: nothing of the previous one leaks.
    std::string const finish =
        R"({"id":"chatcmpl-AbC123","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})";
    REQUIRE(fast.parse(finish, chunk));
    CHECK(chunk.content.empty());
    CHECK(chunk.finish_reason == FinishReason::stop);
    CHECK(chunk.finish_reason_raw == "stop");
}

TEST_CASE("fast chunk path: the shapes it takes read like the DOM reader reads them", "[openai-wire]")
{
    std::vector<std::string> const events = {
        kDelta,
        // The first chunk: a role and an empty content.
        R"({"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})",
        // Escapes, non-ASCII text and a surrogate pair.
        R"({"id":"c","choices":[{"delta":{"content":"line\n\"q\" \u00e9 \ud83d\ude00 \\ \/"}}]})",
        // Reasoning: reasoning_content wins over reasoning; reasoning alone is used.
        R"({"choices":[{"index":0,"delta":{"reasoning_content":"think","reasoning":"other"}}]})",
        R"({"choices":[{"index":0,"delta":{"reasoning":"thinking aloud"}}]})",
        R"({"choices":[{"index":0,"delta":{"reasoning_content":"","reasoning":"fallback"}}]})",
        R"({"choices":[{"index":0,"delta":{"refusal":"I can't help with that."}}]})",
        // Finish reasons: a known one, an unknown one, an empty string (not finished).
        R"({"choices":[{"index":0,"delta":{},"finish_reason":"length"}]})",
        R"({"choices":[{"index":0,"delta":{},"finish_reason":"eos_token"}]})",
        R"({"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":""}]})",
        // A numeric id, a null model, nulls everywhere the shape allows them.
        R"({"id":42,"model":null,"choices":[{"index":null,"delta":{"content":null},"finish_reason":null}]})",
        R"({"id":null,"choices":null})",
        // No choice at all (an empty array, or none), another choice index, an empty object.
        R"({"id":"c","choices":[]})",
        R"({"id":"c","object":"chat.completion.chunk"})",
        R"({"choices":[{"index":1,"delta":{"content":"second"}}]})",
        R"({})",
        // Unknown members of every kind, nested, at every level, are skipped.
        R"({"x":{"a":[1,{"b":[true,false,null,1.5,-3,18446744073709551615]}]},"choices":[{"logprobs":)"
        R"({"content":[{"token":"a","bytes":[97],"top_logprobs":[]}]},"index":0,"delta":)"
        R"({"role":"assistant","extra":{"content":"not this"},"content":"this"},"n":{"delta":1}}],"y":"z"})",
        // OpenAI with include_usage, and servers that send every member: null is absent.
        R"({"id":"c","choices":[{"index":0,"delta":{"content":"u","tool_calls":null},"message":null}],)"
        R"("usage":null,"timings":null,"error":null})",
        // Whitespace between tokens.
        " { \"choices\" : [ { \"delta\" : { \"content\" : \"spaced\" } } ] } ",
    };
    for (auto const& e : events) {
        INFO(e);
        CHECK(fast_accepts(e));
        check_same_as_dom(e);
    }
}

TEST_CASE("fast chunk path: everything else is left to the DOM reader", "[openai-wire]")
{
    std::vector<std::string> const events = {
        // Valid events the fast path does not read itself.
        R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function",)"
        R"("function":{"name":"get_weather","arguments":"{\"city\""}}]}}]})",
        R"({"id":"c","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})",
        R"({"choices":[{"index":0,"delta":{}}],"timings":{"predicted_n":3,"predicted_ms":10.5}})",
        R"({"error":{"message":"boom","type":"server_error"}})",
        R"({"choices":[{"index":0,"message":{"content":"full"}}]})",
        R"({"choices":[{"index":1,"delta":{"content":"b"}},{"index":0,"delta":{"content":"a"}}]})",
        R"({"choices":[{"index":0,"delta":{"content":[{"type":"text","text":"part"}]}}]})",
        R"({"id":18446744073709551615,"choices":[]})",
        R"({"choices":[{"index":2.0,"delta":{"content":"x"}}]})",
        // A repeated key: the DOM reader decides which one counts.
        R"({"choices":[{"delta":{"content":"a","content":"b"}}]})",
        // Wrong types and broken JSON: the DOM reader's exact errors.
        R"({"choices":[{"delta":{"content":5}}]})",
        R"({"model":["m"],"choices":[]})",
        R"({"choices":[{"index":-1,"delta":{}}]})",
        R"({"choices":[{"delta":"text"}]})",
        R"({"choices":[{"finish_reason":true}]})",
        R"({"choices":{"index":0}})",
        R"({"choices":[1]})",
        R"({"choices":["a"]})",
        R"({"choices":[null]})",
        R"({"choices":[[]]})",
        R"(["not","an","object"])",
        R"("just a string")",
        R"(17)",
        R"({"choices":[{"delta":{"content":"cut)",
        R"({"a":1} trailing)",
        R"({"a":1}{"b":2})",
        "",
    };
    for (auto const& e : events) {
        INFO(e);
        CHECK_FALSE(fast_accepts(e));
        check_same_as_dom(e);
    }
}

TEST_CASE("fast chunk path: every llama-server stream event reads like the DOM reader reads it", "[openai-wire]")
{
    std::size_t events = 0;
    std::size_t taken_fast = 0;
    std::string const dir = std::string(LLMIO_CAPTURES_DIR) + "/llama-server";
    for (auto const& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".http")
            continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        std::istringstream lines(text.str());
        std::string line;
        while (std::getline(lines, line)) {
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            if (line.rfind("data: {", 0) != 0)
                continue;
            auto const data = line.substr(6);
            ++events;
            taken_fast += fast_accepts(data) ? 1 : 0;
            check_same_as_dom(data);
        }
    }
    CHECK(events > 50);
    // Text deltas are the bulk of every stream; only the usage/timings trailers go to the DOM.
    CHECK(taken_fast * 10 > events * 7);
}

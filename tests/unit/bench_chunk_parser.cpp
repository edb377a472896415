// Micro-benchmark of the per-event stream path. Hidden ([.]): run it explicitly with
//   llmio_tests "[.bench]"   (use an optimised build). It prints ns per chunk; it asserts
// only correctness, never timing.

#include <llmio/chat_assembler.hpp>
#include <llmio/openai/wire.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>
#include <string>

using namespace llmio;

TEST_CASE("benchmark: ChunkParser + ChatAssembler per chunk", "[.bench]")
{
    // ~150 bytes, the shape OpenAI streams for a text delta.
    std::string const chunk =
        R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",)"
        R"("choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]})";
    REQUIRE(chunk.size() == 147);
    constexpr int n = 1'000'000;

    openai::ChunkParser parser;
    auto const t0 = std::chrono::steady_clock::now();
    std::size_t bytes = 0;
    for (int i = 0; i < n; ++i) {
        auto r = parser.parse(chunk);
        bytes += std::get<ChatChunk>(r).content.size();
    }
    auto const t1 = std::chrono::steady_clock::now();

    ChatAssembler assembler;
    for (int i = 0; i < n; ++i) {
        auto r = parser.parse(chunk);
        assembler.apply(std::get<ChatChunk>(r));
    }
    auto const t2 = std::chrono::steady_clock::now();

    auto ns = [](auto d) { return std::chrono::duration<double, std::nano>(d).count() / n; };
    std::cout << "parse: " << ns(t1 - t0) << " ns/chunk; parse+assemble: " << ns(t2 - t1)
              << " ns/chunk\n";
    CHECK(bytes == 3u * n);
    CHECK(assembler.result().content.size() == 3u * n);
}

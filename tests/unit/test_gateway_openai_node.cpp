// A real client nobody here wrote: openai-node (bench/node) against the `llmio serve` binary,
// whole and streamed answers, models and embeddings. Needs node and npm (CI machines have
// them); `npm ci` runs once when bench/node has no node_modules.

#include "support/emulator_fixture.hpp"
#include "support/real_clients.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <csignal>

#ifdef LLMIO_CLI_PATH

using namespace std::chrono_literals;

TEST_CASE("gateway openai-node: whole and streamed chats, models, one model and embeddings through llmio serve", "[gateway]")
{
    llmio::test::OpenAiEmulatorFixture upstream;
    llmio::test::ServeProcess serve(R"({"default_provider": "up",
        "providers": {"up": {"kind": "openai", "base_url": ")" + upstream.server.base_url() + R"(/v1"}},
        "routes": {"chat": {"targets": [{"providers": ["up"], "model": "gpt-4o-mini"}]}}})");
    REQUIRE_FALSE(serve.base_url.empty());

    auto const out = llmio::test::run_node_client("openai_node_client.cjs", "openai", serve.base_url);
    CHECK(boost::json::parse(out) == boost::json::parse(R"({
        "whole": "Hello! You said: hi", "whole_finish": "stop",
        "streamed": "Hello! You said: hi", "finish": "stop",
        "usage": {"prompt_tokens": 1, "completion_tokens": 4, "total_tokens": 5,
                  "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}},
        "models": ["chat", "up/gpt-4o-mini", "up/text-embedding-3-small"],
        "retrieved": "up/gpt-4o-mini",
        "embedding_length": 64})"));
    serve.process.signal(SIGTERM);
    CHECK(serve.process.wait(15s) == 0);
}

#endif

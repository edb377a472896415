// A real client nobody here wrote: ollama-js (bench/node) against the `llmio serve` binary in
// front of an LM Studio emulator: chat whole and streamed, tool calls, a schema format,
// generate, embed, the model list and an unknown model's error.

#include "support/lmstudio_fixture.hpp"
#include "support/real_clients.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <csignal>

#ifdef LLMIO_CLI_PATH

using namespace std::chrono_literals;

TEST_CASE("gateway ollama-js: chat, tools, format, generate, embed, list and show through llmio serve", "[gateway][ollama]")
{
    llmio::test::LmStudioEmulatorFixture upstream;
    llmio::test::ServeProcess serve(R"({"providers": {"lms": {"kind": "lmstudio", "base_url": ")" +
                                    upstream.server.base_url() + R"(", "max_retries": 0}},
        "routes": {"fast": {"targets": [{"providers": ["lms"], "model": "qwen2.5-7b-instruct"}]}}})");
    REQUIRE_FALSE(serve.base_url.empty());

    auto const out = llmio::test::run_node_client("ollama_js_client.cjs", "ollama", serve.base_url);
    CHECK(boost::json::parse(out) == boost::json::parse(R"({
        "chat": {"model": "lms/qwen2.5-7b-instruct",
                 "message": {"role": "assistant", "content": "Hello! You said: Say hi"},
                 "done": true, "done_reason": "stop", "prompt_eval_count": 2, "eval_count": 5, "timed": true},
        "stream": {"text": "Hello! You said: Say hi", "parts": 6, "open": true,
                   "done": true, "done_reason": "stop", "prompt_eval_count": 2, "eval_count": 5, "timed": true},
        "tool_calls": [{"id": "call_K6p2cWkj4uq3h5VFJjImXWiq",
                        "function": {"index": 0, "name": "get_weather", "arguments": {"city": "sample city"}}}],
        "streamed_tool_calls": [[{"id": "call_K6p2cWkj4uq3h5VFJjImXWiq",
                                  "function": {"index": 0, "name": "get_weather", "arguments": {"city": "sample city"}}}]],
        "tool_answer": "get_weather returned sunny.",
        "format": {"n": 1},
        "generate": {"response": "Hello! You said: Say hi", "done": true, "done_reason": "stop",
                     "prompt_eval_count": 2, "eval_count": 5, "timed": true},
        "generate_stream": {"text": "Hello! You said: Say hi", "done": true, "done_reason": "stop",
                            "prompt_eval_count": 2, "eval_count": 5, "timed": true},
        "embed": {"model": "lms/text-embedding-nomic-embed-text-v1.5", "count": 2, "unit": true,
                  "same_text_same_vector": true},
        "list": [
            {"name": "fast", "size": 0, "format": "", "family": "", "quantization": ""},
            {"name": "lms/qwen2.5-7b-instruct", "size": 4683073952, "format": "gguf", "family": "qwen2",
             "quantization": "Q4_K_M"},
            {"name": "lms/deepseek-r1-reasoner", "size": 4683073952, "format": "gguf", "family": "llama",
             "quantization": "Q4_K_M"},
            {"name": "lms/qwen2-vl-7b-instruct", "size": 4683073952, "format": "mlx", "family": "qwen2_vl",
             "quantization": "4bit"},
            {"name": "lms/text-embedding-nomic-embed-text-v1.5", "size": 84106624, "format": "gguf", "family": "",
             "quantization": "Q4_K_M"}],
        "show": {"capabilities": ["completion", "tools"], "architecture": "qwen2", "context_length": 32768},
        "unknown": {"status": 404, "error": "model \"nosuch\" not found, try pulling it first"}})"));
    serve.process.signal(SIGTERM);
    CHECK(serve.process.wait(15s) == 0);
}

#endif

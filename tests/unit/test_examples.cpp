// Every example program runs against an emulator and must print what the docs promise.
// The binaries' paths come from CMake (LLMIO_EXAMPLE_<name>, tests/CMakeLists.txt); each example
// takes the server's base URL as its first argument and exits non-zero when the server's
// answers are not what it expects.

#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <vector>

#if defined(LLMIO_EXAMPLE_02_chat)

namespace {

struct ExampleRun {
    int exit_code = -1;
    std::string output; ///< stdout and stderr, interleaved.
};

std::string shell_quote(std::string const& text)
{
    std::string quoted = "'";
    for (char c : text) {
        if (c == '\'')
            quoted += "'\\''";
        else
            quoted += c;
    }
    return quoted + "'";
}

// Runs `program` with `args`; a hung example is killed after 60 s (exit code 124).
ExampleRun run_example(std::string const& program, std::vector<std::string> const& args)
{
    std::string command = "timeout 60 " + shell_quote(program);
    for (auto const& arg : args)
        command += ' ' + shell_quote(arg);
    command += " 2>&1";
    ExampleRun run;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        run.output.append(buffer, n);
    int const status = ::pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    INFO(run.output);
    return run;
}

std::vector<std::string> lines_of(std::string const& text)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        auto const end = text.find('\n', start);
        lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return lines;
}

// LM Studio answers non-streamed chats on /api/v0 (for its stats) and streams on /v1.
constexpr std::string_view kChatPath = "/api/v0/chat/completions";
constexpr std::string_view kStreamPath = "/v1/chat/completions";

std::size_t chat_requests(llmio::emulators::EmulatorServer const& server)
{
    std::size_t n = 0;
    for (auto const& r : const_cast<llmio::emulators::EmulatorServer&>(server).requests())
        n += r.target == kChatPath || r.target == kStreamPath ? 1 : 0;
    return n;
}

} // namespace

using llmio::emulators::Fault;
using llmio::test::LmStudioEmulatorFixture;
using llmio::test::OllamaEmulatorFixture;
using Lines = std::vector<std::string>;

TEST_CASE("example 00_hello asks one question and prints the answer", "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    auto const run = run_example(LLMIO_EXAMPLE_00_hello, {lmstudio.server.base_url()});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{"Hello! You said: What is the capital of France?"});
    CHECK(chat_requests(lmstudio.server) == 1);
}

TEST_CASE("example 00_hello reports a failed call and exits with 1", "[examples]")
{
    auto const nowhere = run_example(LLMIO_EXAMPLE_00_hello, {"http://127.0.0.1:1"});
    CHECK(nowhere.exit_code == 1);
    CHECK_THAT(nowhere.output, Catch::StartsWith("error: connection refused (provider lmstudio"));

    auto config = llmio::emulators::LmStudioEmulatorConfig::defaults();
    std::erase_if(config.models, [](auto const& m) { return m.key == "qwen2.5-7b-instruct"; });
    LmStudioEmulatorFixture without_the_model(config);
    auto const unknown = run_example(LLMIO_EXAMPLE_00_hello, {without_the_model.server.base_url()});
    CHECK(unknown.exit_code == 1);
    CHECK_THAT(unknown.output, Catch::StartsWith("error: model not found"));
}

TEST_CASE("example 02_chat lists the models and chats with the first loaded LLM", "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    auto const run = run_example(LLMIO_EXAMPLE_02_chat, {lmstudio.server.base_url()});
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{
        "qwen2.5-7b-instruct [llm] loaded",
        "deepseek-r1-reasoner [llm]",
        "qwen2-vl-7b-instruct [vlm]",
        "text-embedding-nomic-embed-text-v1.5 [embedding] loaded",
        "qwen2.5-7b-instruct: Hello! You said: What is the capital of France?",
        "finish: stop",
        "tokens: 11 in, 9 out",
    });
}

TEST_CASE("example 02_chat fails without a loaded LLM and for a server that is not there", "[examples]")
{
    auto config = llmio::emulators::LmStudioEmulatorConfig::defaults();
    for (auto& m : config.models)
        if (m.type == "llm")
            m.loaded_context_length.reset();
    LmStudioEmulatorFixture lmstudio(config);
    auto const unloaded = run_example(LLMIO_EXAMPLE_02_chat, {lmstudio.server.base_url()});
    CHECK(unloaded.exit_code == 1);
    CHECK_THAT(unloaded.output, Catch::Contains("no LLM is loaded"));

    auto const nowhere = run_example(LLMIO_EXAMPLE_02_chat, {"http://127.0.0.1:1"});
    CHECK(nowhere.exit_code == 1);
    CHECK_THAT(nowhere.output, Catch::StartsWith("error: connection refused (provider lmstudio"));
}

TEST_CASE("example 03_streaming prints the stream and the assembled answer", "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    auto const run = run_example(LLMIO_EXAMPLE_03_streaming, {lmstudio.server.base_url()});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{
        "Hello! You said: Count from one to five.",
        "finish: stop",
        "Hello! You said: Count from one to five.",
        "10 chunks, 8 tokens",
    });
}

TEST_CASE("example 04_tools runs the tool and sends its result back", "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    auto const run = run_example(LLMIO_EXAMPLE_04_tools, {lmstudio.server.base_url()});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{
        R"(call get_weather {"city":"sample city"})",
        R"(answer: get_weather returned {"city":"sample city","temperature_c":21}.)",
    });
}

TEST_CASE("example 05_structured_output reads the schema's fields", "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    auto const run = run_example(LLMIO_EXAMPLE_05_structured_output, {lmstudio.server.base_url()});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{"name: sample name", "population: 1"});
    auto const sent = lmstudio.server.last_request();
    REQUIRE(sent);
    CHECK_THAT(sent->body, Catch::Contains(R"("response_format":{"type":"json_schema")"));
}

TEST_CASE("example 06_errors: a retried 503, an unretried one, an unknown model, a refused port",
          "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    std::string const busy = R"({"error":{"message":"Server busy","type":"server_error"}})";
    // The first call gets a 503 and succeeds on its retry (the no-op fault lets it through); the
    // second call, which does not retry, gets the next 503.
    lmstudio.server.faults().add(Fault::respond(503, busy).on(std::string(kChatPath)));
    lmstudio.server.faults().add(Fault{}.on(std::string(kChatPath)));
    lmstudio.server.faults().add(Fault::respond(503, busy).on(std::string(kChatPath)));
    auto const run = run_example(LLMIO_EXAMPLE_06_errors, {lmstudio.server.base_url()});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{
        "answer: Hello! You said: Hello",
        "server error (server error), HTTP 503, server says: Server busy",
        "  hint: the server is busy or starting; try again shortly",
        "  (transient)",
        "model not found (model not found), HTTP 404, server says: Model \"no-such-model\" not "
        "found. Please specify a valid model.",
        "  hint: check the model name against the server's model list",
        "network (connection refused)",
        "  hint: is the server running and listening on that port?",
        "  (transient)",
    });
    // 503, retry, 503 (no retry), unknown model; the refused port never reached the emulator.
    CHECK(chat_requests(lmstudio.server) == 4);
}

TEST_CASE("example 07_blocking_future uses futures and a blocking helper", "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    auto const run = run_example(LLMIO_EXAMPLE_07_blocking_future, {lmstudio.server.base_url()});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{
        "future: Hello! You said: Say hello.",
        "4 models",
        "blocking: Hello! You said: Say hello.",
    });
}

TEST_CASE("example 08_discovery tells LM Studio, Ollama and nothing apart", "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    OllamaEmulatorFixture ollama;
    auto const run = run_example(LLMIO_EXAMPLE_08_discovery, {lmstudio.server.base_url(),
                                                              ollama.server.base_url(),
                                                              "http://127.0.0.1:1"});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{
        "found lmstudio at " + lmstudio.server.base_url() + ", 4 models",
        "found ollama at " + ollama.server.base_url() + ", version 0.12.3, 4 models",
        "nothing at http://127.0.0.1:1: connection refused",
    });

    auto const none = run_example(LLMIO_EXAMPLE_08_discovery, {"http://127.0.0.1:1"});
    CHECK(none.exit_code == 1);
}

TEST_CASE("example 09_local_models manages LM Studio's models", "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    auto const run = run_example(LLMIO_EXAMPLE_09_local_models,
                                 {lmstudio.server.base_url(), "lmstudio", "deepseek-r1-reasoner",
                                  "openai/gpt-oss-20b"});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{
        "on disk: qwen2.5-7b-instruct, 4466 MiB, loaded",
        "on disk: deepseek-r1-reasoner, 4466 MiB",
        "on disk: qwen2-vl-7b-instruct, 4466 MiB",
        "on disk: text-embedding-nomic-embed-text-v1.5, 80 MiB, loaded",
        "in memory: qwen2.5-7b-instruct, context 4096",
        "in memory: text-embedding-nomic-embed-text-v1.5, context 2048",
        "loaded deepseek-r1-reasoner in 1.25 s",
        "unloaded deepseek-r1-reasoner",
        "  downloading 0/12582912 bytes",
        "  downloading 4194305/12582912 bytes",
        "  downloading 8388610/12582912 bytes",
        "  completed 12582912/12582912 bytes",
        "downloaded openai/gpt-oss-20b: completed",
    });
    CHECK(lmstudio.dialect->downloaded("openai/gpt-oss-20b"));
    CHECK_FALSE(lmstudio.dialect->loaded_context_length("deepseek-r1-reasoner"));
}

TEST_CASE("example 09_local_models manages Ollama's models", "[examples]")
{
    OllamaEmulatorFixture ollama;
    auto const run = run_example(LLMIO_EXAMPLE_09_local_models,
                                 {ollama.server.base_url(), "ollama", "llama3.2:latest",
                                  "tinyllama:latest"});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{
        "on disk: llama3.2:latest, 1925 MiB",
        "on disk: qwen3:latest, 4983 MiB",
        "on disk: llava:latest, 4514 MiB",
        "on disk: all-minilm:latest, 43 MiB",
        "loaded llama3.2:latest in 0.5 s",
        "unloaded llama3.2:latest",
        "  pulling manifest 0 bytes",
        "  pulling BZEbLWrokjRY 0/637699138 bytes",
        "  pulling BZEbLWrokjRY 318849569/637699138 bytes",
        "  pulling BZEbLWrokjRY 637699138/637699138 bytes",
        "  pulling KZhHVXGZdwPk 637699138/637700138 bytes",
        "  pulling KZhHVXGZdwPk 637699638/637700138 bytes",
        "  pulling KZhHVXGZdwPk 637700138/637700138 bytes",
        "  verifying sha256 digest 637700138/637700138 bytes",
        "  writing manifest 637700138/637700138 bytes",
        "  success 637700138/637700138 bytes",
        "downloaded tinyllama:latest: success",
    });
    auto const on_disk = ollama.dialect->downloaded();
    CHECK(std::find(on_disk.begin(), on_disk.end(), "tinyllama:latest") != on_disk.end());
    CHECK(ollama.dialect->loaded().empty());
}

TEST_CASE("example 10_registry_config resolves provider/model ids from a configuration", "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    auto const run = run_example(LLMIO_EXAMPLE_10_registry_config, {lmstudio.server.base_url()});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{
        "provider lmstudio",
        "resolved to lmstudio, model qwen2.5-7b-instruct",
        "answer: Hello! You said: Hi!",
        "lmstudio/qwen2.5-7b-instruct",
        "lmstudio/deepseek-r1-reasoner",
        "lmstudio/qwen2-vl-7b-instruct",
        "lmstudio/text-embedding-nomic-embed-text-v1.5",
    });
}

TEST_CASE("example 11_coroutines against a fast server: everything answers", "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    auto const run = run_example(LLMIO_EXAMPLE_11_coroutines, {lmstudio.server.base_url()});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{
        "deadline: answered: Hello! You said: Write a long poem.",
        "stoppable: finished: Hello! You said: Write a long story.",
        "timeouts: answered: Hello! You said: Think hard.",
        "Hello! You said: North? / Hello! You said: South?",
        "one: Hello! You said: one",
        "two: Hello! You said: two",
        "three: Hello! You said: three",
        "four: Hello! You said: four",
    });
}

TEST_CASE("example 11_coroutines against a stalled server: deadline, stop and timeout fire",
          "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    Fault stall;
    stall.stall_before_headers = true;
    // Two plain chats (deadline, timeouts) and one stream (stop).
    lmstudio.server.faults().add(Fault(stall).on(std::string(kChatPath)).times(2));
    lmstudio.server.faults().add(std::move(stall).on(std::string(kStreamPath)).times(1));
    auto const run = run_example(LLMIO_EXAMPLE_11_coroutines, {lmstudio.server.base_url()});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{
        "deadline: no answer within 2 s, gave up",
        "stoppable: stopped",
        "timeouts: timed out waiting for the response",
        "Hello! You said: North? / Hello! You said: South?",
        "one: Hello! You said: one",
        "two: Hello! You said: two",
        "three: Hello! You said: three",
        "four: Hello! You said: four",
    });
    // Each abandoned request closed its connection.
    CHECK(lmstudio.server.wait_for_client_closes(3, std::chrono::seconds(5)));
}

TEST_CASE("example 12_custom_provider serves chats and streams through its own provider", "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    auto const run = run_example(LLMIO_EXAMPLE_12_custom_provider, {lmstudio.server.base_url()});
    CHECK(run.exit_code == 0);
    CHECK(lines_of(run.output) == Lines{
        "health: ok, 4 models",
        "chat: Hello! You said: Hello, provider",
        "stream: Hello! You said: Hello, provider",
    });
}

TEST_CASE("example 13_router answers from LM Studio, and from Ollama once LM Studio is down", "[examples]")
{
    OllamaEmulatorFixture ollama;
    SECTION("both up: the first target answers")
    {
        LmStudioEmulatorFixture lmstudio;
        auto const run = run_example(LLMIO_EXAMPLE_13_router, {lmstudio.server.base_url(), ollama.server.base_url()});
        CHECK(run.exit_code == 0);
        CHECK(lines_of(run.output) == Lines{
            "qwen2.5-7b-instruct: Hello! You said: Hello",
            "qwen2.5-7b-instruct: Hello! You said: How are you?",
            "qwen2.5-7b-instruct: Hello! You said: Goodbye",
            "workstation circuit: closed",
        });
        CHECK(ollama.server.requests().empty());
    }
    SECTION("LM Studio down: Ollama answers, and LM Studio is tried once")
    {
        std::string const dead = "http://127.0.0.1:" + std::to_string(llmio::test::unused_port());
        auto const run = run_example(LLMIO_EXAMPLE_13_router, {dead, ollama.server.base_url()});
        CHECK(run.exit_code == 0);
        CHECK(lines_of(run.output) == Lines{
            "llama3.2: Hello! You said: Hello",
            "llama3.2: Hello! You said: How are you?",
            "llama3.2: Hello! You said: Goodbye",
            "workstation circuit: open",
        });
    }
}

TEST_CASE("example 14_cache answers a repeat and a stream from the cache", "[examples]")
{
    LmStudioEmulatorFixture lmstudio;
    auto const run = run_example(LLMIO_EXAMPLE_14_cache, {lmstudio.server.base_url()});
    CHECK(run.exit_code == 0);
    std::string const answer = "Hello! You said: What is the capital of France?";
    CHECK(lines_of(run.output) == Lines{
        "first:    server: " + answer,
        "second:   cache: " + answer,
        "stream:   cache: " + answer,
        "bypassed: server: " + answer,
        "sampled:  server: " + answer,
        "hits 2, misses 1, not cacheable 2",
    });
    // The first question, the bypassed one and the sampled one; the stream was a replay.
    CHECK(chat_requests(lmstudio.server) == 3);
}

TEST_CASE("every example prints its usage and exits with 2 without a URL", "[examples]")
{
    for (char const* program : {LLMIO_EXAMPLE_02_chat, LLMIO_EXAMPLE_03_streaming,
                                LLMIO_EXAMPLE_06_errors, LLMIO_EXAMPLE_09_local_models,
                                LLMIO_EXAMPLE_12_custom_provider, LLMIO_EXAMPLE_13_router,
                                LLMIO_EXAMPLE_14_cache}) {
        auto const run = run_example(program, {});
        CHECK(run.exit_code == 2);
        CHECK_THAT(run.output, Catch::StartsWith("usage: "));
    }
}

#else

TEST_CASE("examples are not built (LLMIO_BUILD_EXAMPLES=OFF)", "[examples]")
{
    WARN("skipped: configure with LLMIO_BUILD_EXAMPLES=ON to run the examples against emulators");
}

#endif

// `llmio` commands run in-process against the emulators: output, JSON shapes, model and
// provider selection, stdin and interactive prompts.

#include "support/cli_runner.hpp"
#include "support/emulator_fixture.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

namespace {

using llmio::test::CliInput;
using llmio::test::run_cli;

boost::json::value parse_json(std::string const& text)
{
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    INFO(text);
    REQUIRE_FALSE(ec);
    return value;
}

boost::json::object last_request_body(llmio::emulators::EmulatorServer& server, std::string const& path)
{
    auto const requests = server.requests();
    for (auto it = requests.rbegin(); it != requests.rend(); ++it)
        if (it->target == path)
            return parse_json(it->body).as_object();
    FAIL("no request to " << path);
    return {};
}

} // namespace

TEST_CASE("cli chat streams the loaded LM Studio model's answer to stdout", "[cli]")
{
    llmio::test::LmStudioEmulatorFixture lms;
    auto const r = run_cli({"chat", "--url", lms.server.base_url(), "hi there"});
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(r.out == "Hello! You said: hi there\n");
    // Exactly one chat model is loaded (the embedding model does not count).
    CHECK(last_request_body(lms.server, "/v1/chat/completions").at("model") == "qwen2.5-7b-instruct");
    CHECK(last_request_body(lms.server, "/v1/chat/completions").at("stream") == true);
}

TEST_CASE("cli chat --json prints the assembled answer and streamed stdout equals its content", "[cli]")
{
    llmio::test::LmStudioEmulatorFixture lms;
    auto const url = lms.server.base_url();
    auto const streamed = run_cli({"chat", "--url", url, "--max-tokens", "64", "--seed", "7",
                                   "--temperature", "0.5", "tell me a story about boats"});
    auto const json_run = run_cli({"chat", "--url", url, "--max-tokens", "64", "--seed", "7",
                                   "--temperature", "0.5", "--json", "tell me a story about boats"});
    REQUIRE(streamed.code == 0);
    REQUIRE(json_run.code == 0);
    auto const doc = parse_json(json_run.out).as_object();
    CHECK(doc.at("content") == "Hello! You said: tell me a story about boats");
    CHECK(streamed.out == std::string(doc.at("content").as_string()) + "\n");
    CHECK(doc.at("reasoning") == "");
    CHECK(doc.at("tool_calls").as_array().empty());
    CHECK(doc.at("finish_reason") == "stop");
    CHECK(doc.at("model") == "qwen2.5-7b-instruct");
    // Every usage key is present (docs/cli.md); the streamed usage carries LM Studio's
    // zero cached/reasoning details, and a stream reports no server statistics.
    CHECK(doc.at("usage") == parse_json(R"({"prompt_tokens":6,"completion_tokens":9,"total_tokens":15,
                                            "cached_tokens":0,"reasoning_tokens":0})"));
    CHECK(doc.at("stats").is_null());
    // --json changes only the output: the request still streams, with the same options.
    auto const body = last_request_body(lms.server, "/v1/chat/completions");
    CHECK(body.at("stream") == true);
    CHECK(body.at("max_tokens") == 64);
    CHECK(body.at("seed") == 7);
    CHECK(body.at("temperature").to_number<double>() == 0.5);
}

TEST_CASE("cli chat --no-stream --json lists every server statistic, null when not reported", "[cli]")
{
    llmio::test::LmStudioEmulatorFixture lms;
    auto const r = run_cli({"chat", "--url", lms.server.base_url(), "--no-stream", "--json", "hi"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    auto const doc = parse_json(r.out).as_object();
    CHECK(doc.at("stats") == parse_json(R"({"tokens_per_second":51.43,"time_to_first_token_s":0.111,
        "generation_time_s":0.954,"prompt_tokens_per_second":null,"model_load_time_s":null,
        "prompt_tokens":null,"predicted_tokens":null,"cached_prompt_tokens":null,
        "stop_reason":"eosFound"})"));
    CHECK(doc.at("usage") == parse_json(R"({"prompt_tokens":1,"completion_tokens":4,"total_tokens":5,
                                            "cached_tokens":null,"reasoning_tokens":null})"));
}

TEST_CASE("cli chat --no-stream --system against the OpenAI emulator", "[cli]")
{
    llmio::test::OpenAiEmulatorFixture openai;
    auto const r = run_cli({"chat", "--url", openai.server.base_url(), "-m", "gpt-4o-mini",
                            "--no-stream", "--system", "be brief", "--json", "ping"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    auto const doc = parse_json(r.out).as_object();
    CHECK(doc.at("content") == "Hello! You said: ping");
    auto const& usage = doc.at("usage").as_object();
    CHECK(usage.at("prompt_tokens") == 3);
    auto const body = last_request_body(openai.server, "/v1/chat/completions");
    CHECK_FALSE((body.contains("stream") && body.at("stream") == true));
    CHECK(body.at("messages").as_array().at(0).at("role") == "system");
    CHECK(body.at("messages").as_array().at(0).at("content") == "be brief");
}

TEST_CASE("cli chat against the Ollama emulator with --provider and -m", "[cli]")
{
    llmio::test::OllamaEmulatorFixture ollama;
    auto const r = run_cli({"chat", "--provider", "ollama", "--url", ollama.server.base_url(),
                            "-m", "llama3.2:latest", "hello llama"});
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(r.out == "Hello! You said: hello llama\n");
    CHECK(last_request_body(ollama.server, "/api/chat").at("model") == "llama3.2:latest");
}

TEST_CASE("cli chat --tools and --tool-choice print the tool calls, and --json gives them as JSON", "[cli]")
{
    llmio::test::OpenAiEmulatorFixture openai;
    auto const dir = std::filesystem::temp_directory_path() / "llmio_cli_tools_test.json";
    {
        std::ofstream file(dir);
        file << R"([{"type":"function","function":{"name":"get_weather","description":"Weather",
                    "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}])";
    }
    auto const r = run_cli({"chat", "--url", openai.server.base_url(), "-m", "gpt-4o-mini", "--tools",
                            dir.string(), "--tool-choice", "get_weather", "--json", "weather in Paris?"});
    std::filesystem::remove(dir);
    INFO(r.err);
    REQUIRE(r.code == 0);
    auto const doc = parse_json(r.out).as_object();
    auto const& calls = doc.at("tool_calls").as_array();
    REQUIRE(calls.size() == 1);
    CHECK(calls.at(0).at("name") == "get_weather");
    CHECK(calls.at(0).at("arguments") == R"({"city":"sample city"})");
    CHECK(calls.at(0).at("id").as_string().starts_with("call_"));
    CHECK(doc.at("finish_reason") == "tool_calls");
    auto const body = last_request_body(openai.server, "/v1/chat/completions");
    CHECK(body.at("tool_choice").at("function").at("name") == "get_weather");
}

TEST_CASE("cli chat --json-schema prints the structured JSON as the content", "[cli]")
{
    llmio::test::OpenAiEmulatorFixture openai;
    auto const path = std::filesystem::temp_directory_path() / "llmio_cli_schema_test.json";
    {
        std::ofstream file(path);
        file << R"({"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"]})";
    }
    auto const r = run_cli({"chat", "--url", openai.server.base_url(), "-m", "gpt-4o-mini",
                            "--json-schema", path.string(), "a person"});
    std::filesystem::remove(path);
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out == "{\"name\":\"sample name\",\"age\":1}\n");
    auto const body = last_request_body(openai.server, "/v1/chat/completions");
    CHECK(body.at("response_format").at("type") == "json_schema");
}

TEST_CASE("cli chat reads the prompt from stdin when it is not a terminal, and PROMPT wins", "[cli]")
{
    llmio::test::LmStudioEmulatorFixture lms;
    CliInput piped;
    piped.stdin_text = "from a pipe\n";
    auto const r = run_cli({"chat", "--url", lms.server.base_url()}, piped);
    CHECK(r.code == 0);
    CHECK(r.out == "Hello! You said: from a pipe\n");
    auto const both = run_cli({"chat", "--url", lms.server.base_url(), "the argument"}, piped);
    CHECK(both.out == "Hello! You said: the argument\n");
    CliInput empty;
    empty.stdin_text = "\n";
    auto const none = run_cli({"chat", "--url", lms.server.base_url()}, empty);
    CHECK(none.code == 2);
    CHECK(none.err.starts_with("llmio: usage: no prompt"));
}

TEST_CASE("cli interactive chat keeps the conversation history", "[cli]")
{
    llmio::test::LmStudioEmulatorFixture lms;
    CliInput terminal;
    terminal.stdin_is_terminal = true;
    terminal.stdin_text = "first question\n\nsecond question\n/exit\nnever sent\n";
    auto const r = run_cli({"chat", "--url", lms.server.base_url(), "--system", "sys"}, terminal);
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out == "Hello! You said: first question\nHello! You said: second question\n");
    std::vector<boost::json::object> bodies;
    for (auto const& request : lms.server.requests())
        if (request.target == "/v1/chat/completions")
            bodies.push_back(parse_json(request.body).as_object());
    REQUIRE(bodies.size() == 2);
    auto const& messages = bodies[1].at("messages").as_array();
    REQUIRE(messages.size() == 4);
    CHECK(messages[0].at("content") == "sys");
    CHECK(messages[1].at("content") == "first question");
    CHECK(messages[2].at("role") == "assistant");
    CHECK(messages[2].at("content") == "Hello! You said: first question");
    CHECK(messages[3].at("content") == "second question");
}

TEST_CASE("cli picks the model only when exactly one fits, else lists the choices", "[cli]")
{
    SECTION("several loaded")
    {
        auto config = llmio::emulators::LmStudioEmulatorConfig::defaults();
        for (auto& model : config.models)
            if (model.key == "deepseek-r1-reasoner")
                model.loaded_context_length = 4096;
        llmio::test::LmStudioEmulatorFixture lms(config);
        auto const r = run_cli({"chat", "--url", lms.server.base_url(), "hi"});
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK(r.err == "llmio: usage: several models are loaded; choose one with -m MODEL (choices: "
                       "qwen2.5-7b-instruct, deepseek-r1-reasoner)\n");
    }
    SECTION("none loaded")
    {
        llmio::test::OllamaEmulatorFixture ollama;
        auto const r = run_cli({"chat", "--provider", "ollama", "--url", ollama.server.base_url(), "hi"});
        CHECK(r.code == 6);
        CHECK(r.err.starts_with("llmio: no model loaded: no model is loaded on the ollama server; pass -m "
                                "MODEL (choices: llama3.2:latest, qwen3:latest, llava:latest"));
        CHECK(r.err.ends_with(")\nhint: load one with `llmio load MODEL`\n"));
    }
    SECTION("an OpenAI-compatible server offering one chat model")
    {
        llmio::test::OpenAiEmulatorFixture openai;
        auto const r = run_cli({"chat", "--url", openai.server.base_url(), "hi"});
        CHECK(r.code == 0);
        CHECK(last_request_body(openai.server, "/v1/chat/completions").at("model") == "gpt-4o-mini");
    }
}

TEST_CASE("cli name/model selects a provider only when the name is a registered provider", "[cli]")
{
    llmio::test::LmStudioEmulatorFixture lms;
    auto const url = lms.server.base_url();
    auto const prefixed = run_cli({"chat", "--url", url, "-m", "lmstudio/qwen2.5-7b-instruct", "x"});
    CHECK(prefixed.code == 0);
    CHECK(last_request_body(lms.server, "/v1/chat/completions").at("model") == "qwen2.5-7b-instruct");

    // `qwen/...` is not a provider: the whole text is the model id (unknown here: exit 6).
    auto const plain = run_cli({"chat", "--url", url, "-m", "qwen/qwen3-4b", "x"});
    CHECK(plain.code == 6);
    CHECK(plain.err.starts_with("llmio: model not found: "));
    CHECK(plain.err.find("llmio load qwen/qwen3-4b") != std::string::npos);

    // With --provider, another provider's prefix is part of the model id.
    auto const explicit_provider =
        run_cli({"chat", "--provider", "lmstudio", "--url", url, "-m", "openai/gpt-oss-20b", "x"});
    CHECK(explicit_provider.code == 6);
    CHECK(explicit_provider.err.find("llmio load openai/gpt-oss-20b") != std::string::npos);
}

TEST_CASE("cli common options are accepted before and after the command name", "[cli]")
{
    llmio::test::OllamaEmulatorFixture ollama;
    auto const url = ollama.server.base_url();
    auto const after = run_cli({"models", "--provider", "ollama", "--url", url, "--json"});
    auto const before = run_cli({"--provider", "ollama", "--url", url, "models", "--json"});
    CHECK(after.code == 0);
    CHECK(before.code == 0);
    CHECK(after.out == before.out);
}

TEST_CASE("cli models --json against each emulator", "[cli]")
{
    SECTION("lmstudio")
    {
        llmio::test::LmStudioEmulatorFixture lms;
        auto const r = run_cli({"models", "--url", lms.server.base_url(), "--json"});
        INFO(r.err);
        REQUIRE(r.code == 0);
        auto const models = parse_json(r.out).as_array();
        REQUIRE(models.size() == 4);
        auto const& first = models.at(0).as_object();
        CHECK(first.at("id") == "qwen2.5-7b-instruct");
        CHECK(first.at("provider") == "lmstudio");
        CHECK(first.at("loaded") == true);
        CHECK(first.at("context_length") == 4096); // loaded context, not the 32768 maximum
        auto const loaded = parse_json(run_cli({"models", "--url", lms.server.base_url(), "--loaded", "--json"}).out);
        CHECK(loaded.as_array().size() == 2);
        auto const table = run_cli({"models", "--url", lms.server.base_url()});
        CHECK(table.out.starts_with("MODEL "));
        auto const row = table.out.substr(table.out.find("\nqwen2.5-7b-instruct ") + 1);
        CHECK(row.substr(0, row.find('\n')).find(" yes ") != std::string::npos);
        CHECK(row.substr(0, row.find('\n')).find(" 4096 ") != std::string::npos);
    }
    SECTION("ollama")
    {
        llmio::test::OllamaEmulatorFixture ollama;
        auto const r = run_cli({"models", "--provider", "ollama", "--url", ollama.server.base_url(), "--json"});
        REQUIRE(r.code == 0);
        auto const models = parse_json(r.out).as_array();
        REQUIRE(models.size() == 4);
        CHECK(models.at(0).at("id") == "llama3.2:latest");
        CHECK(models.at(0).at("provider") == "ollama");
        CHECK(models.at(0).at("loaded") == false);
        CHECK(models.at(0).at("context_length") == 131072); // from /api/show
        CHECK(models.at(0).at("type") == "llm");
        CHECK(models.at(3).at("type") == "embedding");

        // Loaded: /api/ps gives the state and the loaded context.
        REQUIRE(run_cli({"chat", "--provider", "ollama", "--url", ollama.server.base_url(), "-m", "llava", "hi"})
                    .code == 0);
        auto const table = run_cli({"models", "--provider", "ollama", "--url", ollama.server.base_url()});
        INFO(table.out);
        REQUIRE(table.code == 0);
        auto const row_of = [&](std::string const& id) {
            auto const row = table.out.substr(table.out.find("\n" + id + " ") + 1);
            return row.substr(0, row.find('\n'));
        };
        CHECK(row_of("llava:latest").find(" yes ") != std::string::npos);
        CHECK(row_of("llava:latest").find(" 4096 ") != std::string::npos);
        CHECK(row_of("llava:latest").find(" vlm ") != std::string::npos);
        CHECK(row_of("qwen3:latest").find(" no ") != std::string::npos);
        CHECK(row_of("qwen3:latest").find(" 40960 ") != std::string::npos);
    }
    SECTION("openai")
    {
        llmio::test::OpenAiEmulatorFixture openai;
        auto const r = run_cli({"models", "--url", openai.server.base_url(), "--json"});
        REQUIRE(r.code == 0);
        auto const models = parse_json(r.out).as_array();
        REQUIRE(models.size() == 2);
        CHECK(models.at(0).at("id") == "gpt-4o-mini");
        CHECK(models.at(0).at("provider") == "openai");
        auto const unsupported = run_cli({"models", "--url", openai.server.base_url(), "--loaded"});
        CHECK(unsupported.code == 7);
        CHECK(unsupported.err.starts_with("llmio: unsupported: the openai provider cannot list loaded models"));
    }
}

TEST_CASE("cli complete and embed", "[cli]")
{
    llmio::test::LmStudioEmulatorFixture lms;
    auto const url = lms.server.base_url();
    auto const complete = run_cli({"complete", "--url", url, "-m", "qwen2.5-7b-instruct", "--json", "Once upon"});
    INFO(complete.err);
    REQUIRE(complete.code == 0);
    auto const doc = parse_json(complete.out).as_object();
    CHECK(doc == parse_json(R"({"model":"qwen2.5-7b-instruct","text":"Hello! You said: Once upon",
        "finish_reason":"stop","usage":{"prompt_tokens":2,"completion_tokens":5,"total_tokens":7,
        "cached_tokens":null,"reasoning_tokens":null},"stats":null})"));
    CHECK(last_request_body(lms.server, "/v1/completions").at("stream") == true); // streamed by default
    auto const plain = run_cli({"complete", "--url", url, "-m", "qwen2.5-7b-instruct", "Once upon"});
    CHECK(plain.out == std::string(doc.at("text").as_string()) + "\n");
    // --no-stream asks for the whole completion; the output is the same, --json included.
    auto const whole = run_cli({"complete", "--url", url, "-m", "qwen2.5-7b-instruct", "--no-stream", "--json", "Once upon"});
    REQUIRE(whole.code == 0);
    auto const last = parse_json(lms.server.last_request()->body).as_object();
    CHECK((!last.contains("stream") || last.at("stream") == false));
    CHECK(parse_json(whole.out) == doc);
    auto const whole_plain = run_cli({"complete", "--url", url, "-m", "qwen2.5-7b-instruct", "--no-stream", "Once upon"});
    CHECK(whole_plain.out == plain.out);

    auto const embed = run_cli({"embed", "--url", url, "--json", "first text", "second text"});
    INFO(embed.err);
    REQUIRE(embed.code == 0);
    auto const vectors = parse_json(embed.out).as_array();
    REQUIRE(vectors.size() == 2);
    CHECK(vectors.at(0).as_array().size() == 64);
    CHECK(vectors.at(0) != vectors.at(1));
    CHECK(last_request_body(lms.server, "/v1/embeddings").at("model") == "text-embedding-nomic-embed-text-v1.5");
    auto const preview = run_cli({"embed", "--url", url, "first text"});
    CHECK(preview.out.starts_with("0: 64 dimensions ["));
}

TEST_CASE("cli load, unload and pull on LM Studio and Ollama", "[cli]")
{
    SECTION("lmstudio")
    {
        llmio::test::LmStudioEmulatorFixture lms;
        auto const url = lms.server.base_url();
        auto const load = run_cli({"load", "--url", url, "deepseek-r1-reasoner", "--context-length", "8192"});
        INFO(load.err);
        CHECK(load.code == 0);
        CHECK(load.out.starts_with("loaded deepseek-r1-reasoner"));
        CHECK(lms.dialect->loaded_context_length("deepseek-r1-reasoner") == 8192);
        auto const unload = run_cli({"unload", "--url", url, "deepseek-r1-reasoner"});
        CHECK(unload.code == 0);
        CHECK(unload.out == "unloaded deepseek-r1-reasoner\n");
        CHECK_FALSE(lms.dialect->loaded_context_length("deepseek-r1-reasoner"));
        auto const pull = run_cli({"pull", "--provider", "lmstudio", "--url", url, "openai/gpt-oss-20b"});
        INFO(pull.err);
        CHECK(pull.code == 0);
        CHECK(pull.out.starts_with("pulled openai/gpt-oss-20b: "));
        CHECK(pull.err.find('\r') == std::string::npos); // plain lines: stderr is no terminal
        CHECK(lms.dialect->downloaded("openai/gpt-oss-20b"));
    }
    SECTION("ollama")
    {
        llmio::test::OllamaEmulatorFixture ollama;
        auto const url = ollama.server.base_url();
        auto const load = run_cli({"load", "--provider", "ollama", "--url", url, "qwen3:latest"});
        CHECK(load.code == 0);
        CHECK(ollama.dialect->loaded() == std::vector<std::string>{"qwen3:latest"});
        CliInput terminal;
        terminal.env = {{"LLMIO_DISCOVERY_URLS", ""}};
        terminal.stderr_is_terminal = true;
        auto const pull = run_cli({"pull", "--provider", "ollama", "--url", url, "tinyllama:latest"}, terminal);
        INFO(pull.err);
        CHECK(pull.code == 0);
        CHECK(pull.out.starts_with("pulled tinyllama:latest: "));
        CHECK(pull.err.find('\r') != std::string::npos); // redrawn progress bar
    }
    SECTION("openai has no model management")
    {
        llmio::test::OpenAiEmulatorFixture openai;
        auto const r = run_cli({"load", "--url", openai.server.base_url(), "gpt-4o-mini"});
        CHECK(r.code == 7);
        CHECK(r.err == "llmio: unsupported: the openai provider cannot load models (the server does not "
                       "manage local models)\nhint: use an LM Studio or Ollama server (--provider "
                       "lmstudio|ollama)\n");
    }
}

TEST_CASE("cli info and health", "[cli]")
{
    llmio::test::LmStudioEmulatorFixture lms;
    auto const url = lms.server.base_url();
    auto const info = run_cli({"info", "--url", url, "--json"});
    INFO(info.err);
    REQUIRE(info.code == 0);
    auto const doc = parse_json(info.out).as_object();
    CHECK(doc.at("kind") == "lmstudio");
    CHECK(doc.at("version") == "0.4.2");
    CHECK(doc.at("base_url").as_string().starts_with("http://127.0.0.1:"));
    CHECK(doc.at("models").as_array().size() == 4);
    auto const text = run_cli({"info", "--url", url});
    CHECK(text.out.find("kind:      lmstudio\n") != std::string::npos);
    auto const health = run_cli({"health", "--url", url});
    CHECK(health.code == 0);
    CHECK(health.out.starts_with("ok (lmstudio, "));
    auto const dead = run_cli({"health", "--provider", "openai", "--url", "http://127.0.0.1:1"});
    CHECK(dead.code == 3);
    CHECK(dead.err.starts_with("llmio: unhealthy: "));
}

TEST_CASE("cli discover reports what it found and why other candidates were not", "[cli]")
{
    llmio::test::LmStudioEmulatorFixture lms;
    llmio::test::OllamaEmulatorFixture ollama;
    CliInput input;
    input.env = {{"LLMIO_DISCOVERY_URLS", lms.server.base_url() + ", " + ollama.server.base_url() +
                                              ",http://127.0.0.1:1"}};
    auto const r = run_cli({"discover", "--json"}, input);
    INFO(r.err);
    REQUIRE(r.code == 0);
    auto const doc = parse_json(r.out).as_object();
    auto const& found = doc.at("found").as_array();
    REQUIRE(found.size() == 2);
    CHECK(found.at(0).at("kind") == "lmstudio");
    CHECK(found.at(0).at("version").is_string());
    CHECK(found.at(0).at("auth_required") == false);
    CHECK(found.at(0).as_object().contains("model_count"));
    CHECK(found.at(0).at("base_url") == boost::json::value(lms.server.base_url()));
    CHECK(found.at(1).at("kind") == "ollama");
    auto const& missing = doc.at("not_found").as_array();
    REQUIRE(missing.size() == 1);
    CHECK(missing.at(0).at("base_url") == "http://127.0.0.1:1");
    CHECK(missing.at(0).at("reason") == "connection refused");

    // Without --provider and --url the chat goes to the first server found (LM Studio first).
    CliInput ollama_first;
    ollama_first.env = {{"LLMIO_DISCOVERY_URLS", ollama.server.base_url() + "," + lms.server.base_url()}};
    auto const chat = run_cli({"chat", "hello discovery"}, ollama_first);
    INFO(chat.err);
    CHECK(chat.code == 0);
    CHECK(chat.out == "Hello! You said: hello discovery\n");
    CHECK(lms.server.requests_served() > 0);
    CHECK(ollama.dialect->loaded().empty());
}

TEST_CASE("cli refuses a link-local (cloud metadata) --url before connecting, exit 2", "[cli][host_policy]")
{
    // The host policy refuses 169.254.0.0/16 by default: nothing is sent there.
    auto const r = run_cli({"chat", "--provider", "openai", "--url", "http://169.254.169.254:1/v1", "-m", "x", "hi"});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("host 169.254.169.254 is a link-local address (cloud metadata services live there), refused "
                     "by the host policy's deny_link_local; list it in allow_hosts to reach it") != std::string::npos);
}

TEST_CASE("cli chat --stats prints the figures on stderr and leaves stdout the answer", "[cli][metrics]")
{
    llmio::test::OllamaEmulatorFixture ollama;
    auto const url = ollama.server.base_url();
    // Streamed: the time to first token, the client's speed and the server's, Ollama's usage.
    auto const streamed = run_cli({"chat", "--provider", "ollama", "--url", url, "-m", "llama3.2:latest",
                                   "--stats", "hello llama"});
    INFO(streamed.err);
    CHECK(streamed.code == 0);
    CHECK(streamed.out == "Hello! You said: hello llama\n");
    std::regex const streamed_stats("time to first token  [0-9]+\\.[0-9]{3} s\n"
                                    "tokens/s             [0-9]+\\.[0-9] \\(server 98\\.0\\)\n"
                                    "tokens in/out        2 / 5\n"
                                    "total time           [0-9]+\\.[0-9]{3} s\n");
    CHECK(std::regex_match(streamed.err, streamed_stats));

    // Whole: no first token to time.
    auto const whole = run_cli({"chat", "--provider", "ollama", "--url", url, "-m", "llama3.2:latest",
                                "--no-stream", "--stats", "hello llama"});
    INFO(whole.err);
    CHECK(whole.code == 0);
    CHECK(whole.out == "Hello! You said: hello llama\n");
    CHECK(whole.err.rfind("time to first token  -\n", 0) == 0);
    CHECK(whole.err.find("tokens in/out        2 / 5\n") != std::string::npos);

    // Without --stats, stderr stays quiet.
    auto const plain = run_cli({"chat", "--provider", "ollama", "--url", url, "-m", "llama3.2:latest", "hello"});
    CHECK(plain.err.empty());
}

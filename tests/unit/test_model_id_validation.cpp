// A model id with a control character (or an empty one where a model is required) is refused
// with InvalidRequestError before anything is sent, in every provider and every call that sends
// one; the CLI exits 2 for it.

#include "support/cli_runner.hpp"
#include "support/emulator_fixture.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/model_id.hpp>
#include <llmio/model_manager.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/openai/provider.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <string>

using namespace llmio;
namespace asio = boost::asio;

namespace {

std::string const kForged = "qwen\r\nX-Injected: 1";
std::string const kForgedMessage =
    "invalid request (provider %; the model id \"qwen\\r\\nX-Injected: 1\" contains a control "
    "character; refused before sending)";

std::string expected_message(std::string const& provider)
{
    std::string m = kForgedMessage;
    m.replace(m.find('%'), 1, provider);
    return m;
}

using Call = std::function<asio::awaitable<void>(ModelProvider&, std::string)>;

// Every call of ModelProvider (and the model manager) that takes a model id.
std::vector<std::pair<std::string, Call>> calls()
{
    std::vector<std::pair<std::string, Call>> out;
    out.emplace_back("chat", [](ModelProvider& p, std::string m) -> asio::awaitable<void> {
        ChatRequest r;
        r.model = std::move(m);
        r.messages.push_back(Message::user("hi"));
        co_await p.chat(r);
    });
    out.emplace_back("chat_stream", [](ModelProvider& p, std::string m) -> asio::awaitable<void> {
        ChatRequest r;
        r.model = std::move(m);
        r.messages.push_back(Message::user("hi"));
        co_await p.chat_stream(r);
    });
    out.emplace_back("complete", [](ModelProvider& p, std::string m) -> asio::awaitable<void> {
        CompletionRequest r;
        r.model = std::move(m);
        r.prompt = "hi";
        co_await p.complete(r);
    });
    out.emplace_back("embed", [](ModelProvider& p, std::string m) -> asio::awaitable<void> {
        EmbeddingRequest r;
        r.model = std::move(m);
        r.input = {"hi"};
        co_await p.embed(r);
    });
    out.emplace_back("supports_model", [](ModelProvider& p, std::string m) -> asio::awaitable<void> {
        co_await p.supports_model(std::move(m));
    });
    out.emplace_back("model_capabilities", [](ModelProvider& p, std::string m) -> asio::awaitable<void> {
        co_await p.model_capabilities(std::move(m));
    });
    out.emplace_back("load", [](ModelProvider& p, std::string m) -> asio::awaitable<void> {
        if (auto* manager = p.model_manager())
            co_await manager->load(std::move(m), {});
        else
            throw_error(errc::invalid_request, "no manager"); // keeps the table uniform
    });
    out.emplace_back("unload", [](ModelProvider& p, std::string m) -> asio::awaitable<void> {
        if (auto* manager = p.model_manager())
            co_await manager->unload(std::move(m));
        else
            throw_error(errc::invalid_request, "no manager");
    });
    out.emplace_back("download", [](ModelProvider& p, std::string m) -> asio::awaitable<void> {
        if (auto* manager = p.model_manager())
            co_await manager->download(std::move(m), {});
        else
            throw_error(errc::invalid_request, "no manager");
    });
    return out;
}

InvalidRequestError refused(std::function<asio::awaitable<void>(asio::any_io_executor)> op)
{
    try {
        test::run_async(op);
    } catch (InvalidRequestError const& e) {
        return e;
    } catch (std::exception const& e) {
        FAIL("wrong exception: " << e.what());
    }
    FAIL("no exception");
    throw std::logic_error("unreachable");
}

template <class Provider, class Options>
void check_every_call(Options const& options, std::string const& name, emulators::EmulatorServer const& server,
                      bool manages_models)
{
    for (auto const& [call, run] : calls()) {
        if (!manages_models && (call == "load" || call == "unload" || call == "download"))
            continue;
        INFO(name << " " << call);
        auto const e = refused([&, run = run](asio::any_io_executor ex) -> asio::awaitable<void> {
            Provider provider(ex, options);
            co_await run(provider, kForged);
        });
        CHECK(e.code() == errc::invalid_request);
        CHECK(std::string(e.what()) == expected_message(name));
        CHECK(server.requests_served() == 0);
    }
}

} // namespace

TEST_CASE("validate_model_id refuses control characters and, where required, empty ids", "[model_id]")
{
    CHECK_NOTHROW(validate_model_id("qwen2.5-7b-instruct", ModelIdUse::required));
    CHECK_NOTHROW(validate_model_id("llama3.2:1b", ModelIdUse::required));
    CHECK_NOTHROW(validate_model_id("caf\xC3\xA9/mod\xC3\xA8le", ModelIdUse::required));
    CHECK_NOTHROW(validate_model_id("", ModelIdUse::optional));
    try {
        validate_model_id("", ModelIdUse::required, "ollama");
        FAIL("accepted an empty id");
    } catch (InvalidRequestError const& e) {
        CHECK(std::string(e.what()) == "invalid request (provider ollama; the model id is empty; name a model)");
    }
    for (std::string const& bad : {std::string("a\nb"), std::string("a\rb"), std::string("a\tb"),
                                  std::string("a\0b", 3), std::string("a\x7f"), std::string("a\xC2\x85")}) {
        INFO(bad);
        CHECK_THROWS_AS(validate_model_id(bad, ModelIdUse::optional), InvalidRequestError);
    }
}

TEST_CASE("openai: a model id with CR/LF is refused before sending", "[model_id][openai]")
{
    test::OpenAiEmulatorFixture emulator;
    openai::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    check_every_call<openai::OpenAICompatibleProvider>(o, "openai", emulator.server, false);
}

TEST_CASE("lmstudio: a model id with CR/LF is refused before sending, native chat and management included",
          "[model_id][lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    lmstudio::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    check_every_call<lmstudio::Provider>(o, "lmstudio", emulator.server, true);

    auto const e = refused([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        lmstudio::Provider provider(ex, o);
        lmstudio::NativeChatRequest request;
        request.model = kForged;
        request.input = "hi";
        co_await provider.native_chat(request);
    });
    CHECK(std::string(e.what()) == expected_message("lmstudio"));
    CHECK(emulator.server.requests_served() == 0);
}

TEST_CASE("ollama: a model id with CR/LF is refused before sending, pull/delete/show included",
          "[model_id][ollama]")
{
    test::OllamaEmulatorFixture emulator;
    ollama::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    check_every_call<ollama::OllamaProvider>(o, "ollama", emulator.server, true);

    auto const e = refused([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        ollama::OllamaProvider provider(ex, o);
        co_await provider.delete_model(kForged);
    });
    CHECK(std::string(e.what()) == expected_message("ollama"));
    CHECK(emulator.server.requests_served() == 0);
}

TEST_CASE("cli: a model id with a control character exits 2", "[model_id][cli]")
{
    test::OpenAiEmulatorFixture emulator;
    test::CliInput input;
    input.env = {{"LLMIO_DISCOVERY_URLS", ""}, {"LLMIO_MAX_RETRIES", "0"}};
    auto const r = test::run_cli(
        {"chat", "--provider", "openai", "--url", emulator.server.base_url(), "-m", "gpt\r\nX: 1", "hi"}, input);
    CHECK(r.code == 2);
    CHECK(r.err.starts_with("llmio: usage: the model id \"gpt\\r\\nX: 1\" contains a control "
                            "character; refused before sending\n"));
    CHECK(emulator.server.requests_served() == 0);
}

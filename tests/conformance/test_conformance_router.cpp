// The conformance suite (llmio::testing) for llmio::Router: a router whose routes are named
// after the emulator's models, over the OpenAI provider, must behave as the provider alone.

#include <llmio/testing/catch2.hpp>
#include <llmio/testing/emulators/openai_emulator.hpp>

#include <llmio/openai/provider.hpp>
#include <llmio/router.hpp>

#include <catch2/catch.hpp>

using namespace llmio;
using llmio::testing::Target;

TEST_CASE("conformance: a router over openai against the OpenAI-dialect emulator", "[conformance][router]")
{
    testing::catch2::run_conformance_suite([] {
        auto server = testing::start_emulator(
            std::make_shared<emulators::OpenAiEmulator>(emulators::OpenAiEmulatorConfig::openai()));
        Target t;
        t.label = "router over openai (emulator)";
        t.provider_name = "openai"; // one server's failure is its provider's own error
        t.features.completion_streaming = true;
        t.chat_model = "gpt-4o-mini";
        t.embedding_model = "text-embedding-3-small";
        t.make = [base_url = server->base_url(), chat = t.chat_model,
                  embedding = t.embedding_model](boost::asio::any_io_executor ex, RetryPolicy retry) {
            openai::Options o;
            o.base_url = base_url;
            o.include_usage = true;
            o.retry = retry;
            o.http.timeouts.first_byte = std::chrono::seconds(5);
            o.http.timeouts.idle = std::chrono::seconds(5);
            RouterOptions r;
            r.providers["openai"] = std::make_shared<openai::OpenAICompatibleProvider>(ex, o);
            r.routes[chat].targets = {{{"openai"}, chat}};
            r.routes[embedding].targets = {{{"openai"}, embedding}};
            return std::make_shared<Router>(std::move(r));
        };
        t.server = std::move(server);
        t.error_body = testing::openai_error_body;
        t.expected_reply = [](std::string const& prompt) { return "Hello! You said: " + prompt; };
        return t;
    });
}

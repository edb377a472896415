// Acme's conformance test: llmio's suite, from the installed llmio::testing, against an
// emulator of an OpenAI-compatible server (Acme's wire format) with fault injection.

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "acme_provider.hpp"

#include <llmio/testing/catch2.hpp>
#include <llmio/testing/emulators/openai_emulator.hpp>

#include <chrono>
#include <memory>

namespace {

// [snippet:target]
llmio::testing::Target acme_target()
{
    llmio::testing::Target t;
    t.label = "acme (emulator)";
    t.provider_name = "acme";
    t.chat_model = "gpt-4o-mini";
    t.embedding_model = "text-embedding-3-small";
    t.server = llmio::testing::start_emulator(std::make_shared<llmio::emulators::OpenAiEmulator>());
    t.error_body = llmio::testing::openai_error_body;
    t.expected_reply = [](std::string const& prompt) { return "Hello! You said: " + prompt; };
    t.make = [url = t.server->base_url() + "/v1"](boost::asio::any_io_executor ex, llmio::RetryPolicy retry) {
        acme::Options o;
        o.base_url = url;
        o.api_key = "acme-test-key";
        o.retry = retry;
        o.http.timeouts.first_byte = std::chrono::seconds(5);
        o.http.timeouts.idle = std::chrono::seconds(5);
        return std::make_shared<acme::Provider>(ex, o);
    };
    return t;
}
// [end-snippet]

} // namespace

// [snippet:test]
TEST_CASE("acme passes llmio's conformance suite", "[conformance]")
{
    llmio::testing::catch2::run_conformance_suite(acme_target);
}
// [end-snippet]

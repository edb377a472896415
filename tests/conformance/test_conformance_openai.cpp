// The conformance suite (llmio::testing) for the OpenAI-compatible provider: against the
// emulator in OpenAI's dialect, in llama.cpp's dialect, and against a live server when
// LLMIO_LIVE_OPENAI is set.

#include <llmio/testing/catch2.hpp>
#include <llmio/testing/emulators/openai_emulator.hpp>

#include <llmio/openai/provider.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace llmio;
using llmio::testing::Target;

namespace {

// Against an emulator, a stuck provider fails in seconds; a live server may take its time.
Target openai_target(std::string label, std::string base_url, std::string api_key, bool emulator)
{
    Target t;
    t.label = std::move(label);
    t.provider_name = "openai";
    t.features.completion_streaming = true;
    t.make = [base_url, api_key, emulator](boost::asio::any_io_executor ex, RetryPolicy retry) {
        openai::Options o;
        o.base_url = base_url;
        o.api_key = api_key;
        o.include_usage = true;
        o.retry = retry;
        if (emulator) {
            o.http.timeouts.first_byte = std::chrono::seconds(5);
            o.http.timeouts.idle = std::chrono::seconds(5);
        }
        return std::make_shared<openai::OpenAICompatibleProvider>(ex, o);
    };
    return t;
}

Target emulator_target(emulators::OpenAiEmulatorConfig config, std::string label, std::string chat_model,
                       std::string embedding_model)
{
    auto server = testing::start_emulator(std::make_shared<emulators::OpenAiEmulator>(std::move(config)));
    auto t = openai_target(std::move(label), server->base_url() + "/v1", "sk-test", true);
    t.chat_model = std::move(chat_model);
    t.embedding_model = std::move(embedding_model);
    t.server = std::move(server);
    t.expected_reply = [](std::string const& prompt) { return "Hello! You said: " + prompt; };
    return t;
}

} // namespace

TEST_CASE("conformance: openai against the OpenAI-dialect emulator", "[conformance][openai]")
{
    testing::catch2::run_conformance_suite([] {
        auto t = emulator_target(emulators::OpenAiEmulatorConfig::openai(), "openai (emulator, OpenAI dialect)",
                                 "gpt-4o-mini", "text-embedding-3-small");
        t.error_body = testing::openai_error_body;
        return t;
    });
}

TEST_CASE("conformance: openai against the llama.cpp-dialect emulator", "[conformance][openai]")
{
    testing::catch2::run_conformance_suite([] {
        auto config = emulators::OpenAiEmulatorConfig::llamacpp();
        config.llamacpp_rejects_streamed_tools = false;
        auto t = emulator_target(config, "openai (emulator, llama.cpp dialect)", "tiny-llama", "tiny-llama");
        t.error_body = testing::llamacpp_error_body;
        return t;
    });
}

TEST_CASE("conformance: openai against a live server (LLMIO_LIVE_OPENAI)", "[conformance][openai][live]")
{
    char const* url = std::getenv("LLMIO_LIVE_OPENAI");
    char const* model = std::getenv("LLMIO_LIVE_OPENAI_MODEL");
    if (!url || !model) {
        WARN("skipped: set LLMIO_LIVE_OPENAI=<base url> and LLMIO_LIVE_OPENAI_MODEL=<model> to run "
             "the suite against a live server");
        return;
    }
    testing::catch2::run_conformance_suite([&] {
        char const* key = std::getenv("OPENAI_API_KEY");
        auto t = openai_target(std::string("openai (live ") + url + ")", url, key ? key : "", false);
        t.chat_model = model;
        char const* embedding = std::getenv("LLMIO_LIVE_OPENAI_EMBEDDING_MODEL");
        t.embedding_model = embedding ? embedding : "";
        t.features.embeddings = embedding != nullptr;
        return t;
    });
}

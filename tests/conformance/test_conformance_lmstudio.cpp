// The conformance suite for the LM Studio provider, against the LM Studio emulator (0.4 with
// /api/v1, and an older build with /v1 only) and a live server when LLMIO_LIVE_LMSTUDIO is set.

#include <llmio/testing/catch2.hpp>
#include <llmio/testing/emulators/lmstudio_emulator.hpp>

#include <llmio/lmstudio/provider.hpp>

#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace llmio;
using llmio::testing::Target;

namespace {

// LM Studio's /v1 errors use OpenAI's shape (docs/protocols.md, LM Studio: errors).
std::string lmstudio_error_body(int, std::string const& message, std::string const& type)
{
    boost::json::object error{{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
    if (type == "model_not_found")
        error["code"] = "model_not_found";
    return boost::json::serialize(boost::json::object{{"error", error}});
}

Target make_target(std::string label, std::string base_url, std::string token, bool native_stats = true)
{
    Target t;
    t.label = std::move(label);
    t.provider_name = "lmstudio";
    t.features.completion_streaming = true;
    t.make = [base_url, token, native_stats](boost::asio::any_io_executor ex, RetryPolicy retry) {
        lmstudio::Options o;
        o.base_url = base_url;
        o.api_key = token;
        o.retry = retry;
        o.native_stats = native_stats;
        o.http.timeouts.first_byte = std::chrono::seconds(5);
        o.http.timeouts.idle = std::chrono::seconds(5);
        return std::make_shared<lmstudio::Provider>(ex, o);
    };
    return t;
}

Target emulator_target(emulators::LmStudioEmulatorConfig config, std::string label)
{
    auto server = testing::start_emulator(std::make_shared<emulators::LmStudioEmulator>(std::move(config)));
    // The suite injects chat faults on one path (chat_path) for streamed and non-streamed
    // chats alike, so both go through /v1 here; the /api/v0 route that non-streamed chats take
    // by default (for LM Studio's stats) has its own tests in test_lmstudio_native_chat.cpp
    // and test_lmstudio_provider.cpp.
    auto t = make_target(std::move(label), server->base_url(), "", false);
    t.features.model_management = true;
    t.chat_model = "qwen2.5-7b-instruct";
    t.embedding_model = "text-embedding-nomic-embed-text-v1.5";
    t.server = std::move(server);
    t.error_body = lmstudio_error_body;
    t.expected_reply = [](std::string const& prompt) { return "Hello! You said: " + prompt; };
    return t;
}

} // namespace

TEST_CASE("conformance: lmstudio against the LM Studio 0.4 emulator", "[conformance][lmstudio]")
{
    testing::catch2::run_conformance_suite([] {
        return emulator_target(emulators::LmStudioEmulatorConfig::defaults(), "lmstudio (emulator, 0.4)");
    });
}

TEST_CASE("conformance: lmstudio against an LM Studio emulator with /v1 only", "[conformance][lmstudio]")
{
    testing::catch2::run_conformance_suite([] {
        auto config = emulators::LmStudioEmulatorConfig::defaults();
        config.version = emulators::LmStudioVersion::openai_only;
        return emulator_target(config, "lmstudio (emulator, /v1 only)");
    });
}

TEST_CASE("conformance: lmstudio against a live server (LLMIO_LIVE_LMSTUDIO)", "[conformance][lmstudio][live]")
{
    char const* url = std::getenv("LLMIO_LIVE_LMSTUDIO");
    char const* model = std::getenv("LLMIO_LIVE_LMSTUDIO_MODEL");
    if (!url || !model) {
        WARN("skipped: set LLMIO_LIVE_LMSTUDIO=<base url> and LLMIO_LIVE_LMSTUDIO_MODEL=<model> to "
             "run the suite against a live LM Studio");
        return;
    }
    testing::catch2::run_conformance_suite([&] {
        char const* token = std::getenv("LM_API_TOKEN");
        auto t = make_target(std::string("lmstudio (live ") + url + ")", url, token ? token : "");
        t.chat_model = model;
        char const* embedding = std::getenv("LLMIO_LIVE_LMSTUDIO_EMBEDDING_MODEL");
        t.embedding_model = embedding ? embedding : "";
        t.features.embeddings = embedding != nullptr;
        return t;
    });
}

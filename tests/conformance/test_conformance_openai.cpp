// The conformance suite for the OpenAI-compatible provider: against the emulator in OpenAI's
// dialect, in llama.cpp's dialect, and against a live server when LLMIO_LIVE_OPENAI is set.

#include "conformance/conformance.hpp"
#include "support/emulator_fixture.hpp"

#include <llmio/openai/provider.hpp>

#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace llmio;
using llmio::conformance::Target;

namespace {

std::string openai_error_body(int, std::string const& message, std::string const& type)
{
    boost::json::object error{{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
    if (type == "model_not_found" || message.find("context length") != std::string::npos)
        error["code"] = type == "model_not_found" ? "model_not_found" : "context_length_exceeded";
    return boost::json::serialize(boost::json::object{{"error", error}});
}

std::string llamacpp_error_body(int status, std::string const& message, std::string const& type)
{
    return boost::json::serialize(boost::json::object{
        {"error", {{"code", status}, {"message", message}, {"type", type}}}});
}

Target emulator_target(test::OpenAiEmulatorFixture& emulator, std::string label,
                       std::string chat_model, std::string embedding_model)
{
    Target t;
    t.label = std::move(label);
    t.provider_name = "openai";
    t.chat_model = std::move(chat_model);
    t.embedding_model = std::move(embedding_model);
    t.server = &emulator.server;
    auto const url = emulator.server.base_url() + "/v1";
    t.make = [url](boost::asio::any_io_executor ex, RetryPolicy retry) {
        openai::Options o;
        o.base_url = url;
        o.api_key = "sk-test";
        o.include_usage = true;
        o.retry = retry;
        o.http.timeouts.first_byte = std::chrono::seconds(5);
        o.http.timeouts.idle = std::chrono::seconds(5);
        return std::make_shared<openai::OpenAICompatibleProvider>(ex, o);
    };
    t.expected_reply = [](std::string const& prompt) { return "Hello! You said: " + prompt; };
    return t;
}

} // namespace

TEST_CASE("conformance: openai against the OpenAI-dialect emulator", "[conformance][openai]")
{
    test::OpenAiEmulatorFixture emulator;
    auto target = emulator_target(emulator, "openai (emulator, OpenAI dialect)", "gpt-4o-mini",
                                  "text-embedding-3-small");
    target.error_body = openai_error_body;
    conformance::run_conformance_suite(target);
}

TEST_CASE("conformance: openai against the llama.cpp-dialect emulator", "[conformance][openai]")
{
    auto config = emulators::OpenAiEmulatorConfig::llamacpp();
    config.llamacpp_rejects_streamed_tools = false;
    test::OpenAiEmulatorFixture emulator(config);
    auto target = emulator_target(emulator, "openai (emulator, llama.cpp dialect)", "tiny-llama",
                                  "tiny-llama");
    target.error_body = llamacpp_error_body;
    conformance::run_conformance_suite(target);
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
    Target t;
    t.label = std::string("openai (live ") + url + ")";
    t.provider_name = "openai";
    t.chat_model = model;
    char const* embedding = std::getenv("LLMIO_LIVE_OPENAI_EMBEDDING_MODEL");
    t.embedding_model = embedding ? embedding : "";
    t.features.embeddings = embedding != nullptr;
    std::string const base = url;
    char const* key = std::getenv("OPENAI_API_KEY");
    std::string const api_key = key ? key : "";
    t.make = [base, api_key](boost::asio::any_io_executor ex, RetryPolicy retry) {
        openai::Options o;
        o.base_url = base;
        o.api_key = api_key;
        o.include_usage = true;
        o.retry = retry;
        return std::make_shared<openai::OpenAICompatibleProvider>(ex, o);
    };
    conformance::run_conformance_suite(t);
}

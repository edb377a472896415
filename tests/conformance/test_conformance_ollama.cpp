// The conformance suite for the Ollama provider against the Ollama emulator, and against a live
// server when LLMIO_LIVE_OLLAMA is set.

#include <llmio/testing/catch2.hpp>
#include <llmio/testing/emulators/ollama_emulator.hpp>

#include <llmio/ollama/provider.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace llmio;
using llmio::testing::Target;

namespace {

Target ollama_target(std::string label, std::string url)
{
    Target t;
    t.label = std::move(label);
    t.provider_name = "ollama";
    t.features.model_management = true;
    t.features.completion_streaming = true;
    t.chat_path = "/api/chat";
    t.error_body = testing::ollama_error_body;
    t.stream_error_form = emulators::StreamErrorForm::ndjson;
    t.structured_request_ok = [](boost::json::value const& sent) {
        auto const* format = sent.as_object().if_contains("format");
        return format && format->is_object() && format->as_object().contains("properties");
    };
    t.make = [url](boost::asio::any_io_executor ex, RetryPolicy retry) {
        ollama::Options o;
        o.base_url = url;
        o.retry = retry;
        o.http.timeouts.first_byte = std::chrono::seconds(5);
        o.http.timeouts.idle = std::chrono::seconds(5);
        return std::make_shared<ollama::OllamaProvider>(ex, o);
    };
    return t;
}

} // namespace

TEST_CASE("conformance: ollama against the Ollama emulator", "[conformance][ollama]")
{
    testing::catch2::run_conformance_suite([] {
        auto server = testing::start_emulator(std::make_shared<emulators::OllamaEmulator>());
        auto t = ollama_target("ollama (emulator)", server->base_url());
        t.chat_model = "llama3.2:latest";
        t.embedding_model = "all-minilm:latest";
        t.server = std::move(server);
        t.expected_reply = [](std::string const& prompt) { return "Hello! You said: " + prompt; };
        return t;
    });
}

TEST_CASE("conformance: ollama against a live server (LLMIO_LIVE_OLLAMA)", "[conformance][ollama][live]")
{
    char const* url = std::getenv("LLMIO_LIVE_OLLAMA");
    char const* model = std::getenv("LLMIO_LIVE_OLLAMA_MODEL");
    if (!url || !model) {
        WARN("skipped: set LLMIO_LIVE_OLLAMA=<OLLAMA_HOST> and LLMIO_LIVE_OLLAMA_MODEL=<model> to run "
             "the suite against a live server");
        return;
    }
    testing::catch2::run_conformance_suite([&] {
        auto t = ollama_target(std::string("ollama (live ") + url + ")", url);
        t.chat_model = model;
        char const* embedding = std::getenv("LLMIO_LIVE_OLLAMA_EMBEDDING_MODEL");
        t.embedding_model = embedding ? embedding : "";
        t.features.embeddings = embedding != nullptr;
        return t;
    });
}

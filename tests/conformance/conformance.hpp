#ifndef LLMIO_TESTS_CONFORMANCE_CONFORMANCE_HPP
#define LLMIO_TESTS_CONFORMANCE_CONFORMANCE_HPP

// The provider conformance suite: one set of cases, written once, that every provider runs
// against its emulator (and against a live server when LLMIO_LIVE_<PROVIDER> names one).
//
// Usage, inside a TEST_CASE (each SECTION re-runs the test case, so every case gets a fresh
// emulator and provider):
//
//     TEST_CASE("conformance: openai", "[conformance][openai]") {
//         OpenAiEmulatorFixture emulator;
//         run_conformance_suite(openai_target(emulator));
//     }
//
// Cases a target cannot do are skipped by its declared ProviderFeatures, never by its name,
// and every skip is reported (a Catch WARN naming the case and the reason).

#include <llmio/testing/emulators/emulator_server.hpp>

#include <llmio/provider.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <memory>
#include <string>

namespace llmio::conformance {

struct Target {
    std::string label;                 ///< "openai (emulator)", "lmstudio (live)" ...
    std::string provider_name;         ///< What errors must carry as provider().
    ProviderFeatures features;
    std::string chat_model;
    std::string embedding_model;
    /// Builds the provider under test on `executor` with the given retry policy.
    std::function<std::shared_ptr<ModelProvider>(boost::asio::any_io_executor, RetryPolicy)> make;

    /// The emulator behind the provider; null in live mode (fault-injection cases are skipped).
    emulators::EmulatorServer* server = nullptr;
    std::string chat_path = "/v1/chat/completions"; ///< Where chat faults apply.
    /// An error body in the server's own dialect, for fault injection.
    std::function<std::string(int status, std::string const& message, std::string const& type)> error_body;
    /// How the server writes an error inside a 200 stream (for the in-band error case).
    emulators::StreamErrorForm stream_error_form = emulators::StreamErrorForm::openai_data;
    /// Checks the body the emulator received for the structured-output case; unset = the
    /// OpenAI shape (`response_format.type == "json_schema"`).
    std::function<bool(boost::json::value const& sent)> structured_request_ok;
    /// The emulator's exact reply to a plain prompt (empty in live mode: content only non-empty).
    std::function<std::string(std::string const& prompt)> expected_reply;
};

void run_conformance_suite(Target const& target);

} // namespace llmio::conformance

#endif

#ifndef LLMIO_TESTING_CONFORMANCE_HPP
#define LLMIO_TESTING_CONFORMANCE_HPP

// The provider conformance suite as a plain list of cases, independent of any test framework.
// A provider (llmio's own or a third party's) describes itself once as a Target; every case
// gets a fresh Target from the factory, runs, and either returns or throws
// llmio::testing::Failure (llmio/testing/expect.hpp) saying what did not hold.
//
//     for (auto const& c : llmio::testing::conformance_cases()) {
//         auto target = make_target();            // fresh provider factory and emulator
//         if (auto why = llmio::testing::skip_reason(c, target); !why.empty())
//             std::cout << c.name << ": skipped, " << why << '\n';
//         else
//             c.run(target);                      // throws Failure
//     }
//
// llmio/testing/catch2.hpp does exactly this inside Catch2 test cases. Cases a target cannot
// do are skipped by its declared ProviderFeatures, never by its name, and say why.

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/faults.hpp>

#include <llmio/provider.hpp>
#include <llmio/retry.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace llmio::testing {

/// The provider under test, and what the suite may expect of it.
struct Target {
    std::string label;          ///< "acme (emulator)", "openai (live)" ...: in every failure.
    std::string provider_name;  ///< What errors must carry as provider().
    ProviderFeatures features;  ///< Cases needing a feature the target lacks are skipped.
    std::string chat_model;
    std::string embedding_model;
    /// Builds the provider under test on `executor` with the given retry policy. Called once
    /// per run inside the case; the provider is destroyed before the case returns.
    std::function<std::shared_ptr<ModelProvider>(boost::asio::any_io_executor, RetryPolicy)> make;

    /// The emulator behind the provider, for fault injection; null against a live server (the
    /// fault cases are then skipped). Shared so that a Target can own the emulator it made.
    std::shared_ptr<emulators::EmulatorServer> server;
    std::string chat_path = "/v1/chat/completions"; ///< Where chat faults apply.
    /// An error body in the server's own dialect, for fault injection.
    std::function<std::string(int status, std::string const& message, std::string const& type)> error_body;
    /// How the server writes an error inside a 200 stream (for the in-band error case).
    emulators::StreamErrorForm stream_error_form = emulators::StreamErrorForm::openai_data;
    /// Checks the body the emulator received for the structured-output case; unset = the
    /// OpenAI shape (`response_format.type == "json_schema"`).
    std::function<bool(boost::json::value const& sent)> structured_request_ok;
    /// The server's exact reply to a plain prompt; unset (live servers): content only non-empty.
    std::function<std::string(std::string const& prompt)> expected_reply;
};

/// Builds a fresh Target (and, usually, a fresh emulator) for one case.
using TargetFactory = std::function<Target()>;

/// What a case needs from its target; unmet needs skip the case (see skip_reason).
struct Needs {
    bool streaming = false;
    bool tools = false;
    bool structured_output = false;
    bool embeddings = false;
    bool completions = false;
    bool completion_streaming = false;
    bool emulator = false; ///< Fault injection: Target::server must be set.
};

struct Case {
    std::string name;
    Needs needs;
    /// Runs the case against `target`; returns when it holds, throws Failure when not.
    std::function<void(Target const& target)> run;
};

/// A started emulator for a Target to own (it stops when the last owner goes):
///     target.server = start_emulator(std::make_shared<emulators::OpenAiEmulator>());
std::shared_ptr<emulators::EmulatorServer> start_emulator(std::shared_ptr<emulators::Dialect> dialect,
                                                          emulators::ServerOptions options = {});

/// Error bodies in the servers' own shapes, for Target::error_body (docs/protocols.md, errors).
/// OpenAI: {"error":{"message","type","param","code"}}, code set for model_not_found and
/// context_length_exceeded.
std::string openai_error_body(int status, std::string const& message, std::string const& type);
/// llama.cpp: {"error":{"code":<status>,"message","type"}}.
std::string llamacpp_error_body(int status, std::string const& message, std::string const& type);
/// Ollama: {"error":"<message>"}.
std::string ollama_error_body(int status, std::string const& message, std::string const& type);

/// Every case of the suite, in a stable order.
std::vector<Case> const& conformance_cases();

/// Why `target` cannot run `c` ("the provider declares no streaming", "fault injection needs
/// an emulator"), or empty when it can.
std::string skip_reason(Case const& c, Target const& target);

} // namespace llmio::testing

#endif

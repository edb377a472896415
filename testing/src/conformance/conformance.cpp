#include <llmio/testing/conformance.hpp>

#include "case_support.hpp"

#include <boost/json/serialize.hpp>

namespace llmio::testing {

std::shared_ptr<emulators::EmulatorServer> start_emulator(std::shared_ptr<emulators::Dialect> dialect,
                                                          emulators::ServerOptions options)
{
    auto server = std::make_shared<emulators::EmulatorServer>(std::move(dialect), std::move(options));
    server->start();
    return server;
}

std::string openai_error_body(int, std::string const& message, std::string const& type)
{
    boost::json::object error{{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
    if (type == "model_not_found")
        error["code"] = "model_not_found";
    else if (message.find("context length") != std::string::npos)
        error["code"] = "context_length_exceeded";
    return boost::json::serialize(boost::json::object{{"error", error}});
}

std::string llamacpp_error_body(int status, std::string const& message, std::string const& type)
{
    return boost::json::serialize(
        boost::json::object{{"error", {{"code", status}, {"message", message}, {"type", type}}}});
}

std::string ollama_error_body(int, std::string const& message, std::string const&)
{
    return boost::json::serialize(boost::json::object{{"error", message}});
}

std::vector<Case> const& conformance_cases()
{
    static std::vector<Case> const cases = [] {
        auto all = detail::server_cases();
        auto faults = detail::fault_cases();
        all.insert(all.end(), faults.begin(), faults.end());
        return all;
    }();
    return cases;
}

std::string skip_reason(Case const& c, Target const& target)
{
    auto const& f = target.features;
    if (c.needs.streaming && !f.streaming)
        return "the provider declares no support for streaming";
    if (c.needs.tools && !f.tools)
        return "the provider declares no support for tools";
    if (c.needs.structured_output && !f.structured_output)
        return "the provider declares no support for structured output";
    if (c.needs.embeddings && !f.embeddings)
        return "the provider declares no support for embeddings";
    if (c.needs.completions && !f.completions)
        return "the provider declares no support for legacy completions";
    if (c.needs.completion_streaming && !f.completion_streaming)
        return "the provider declares no support for streamed completions";
    if (c.needs.emulator && !target.server)
        return "fault injection needs the emulator (live mode)";
    return {};
}

} // namespace llmio::testing

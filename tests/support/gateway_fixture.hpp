#ifndef LLMIO_TESTS_SUPPORT_GATEWAY_FIXTURE_HPP
#define LLMIO_TESTS_SUPPORT_GATEWAY_FIXTURE_HPP

// An in-process gateway on 127.0.0.1 (ephemeral port) over the providers and routes of a config
// file text, its io_context on a thread of its own. Talk to it with RawHttpClient.

#include <llmio/config.hpp>
#include <llmio/gateway.hpp>
#include <llmio/registry.hpp>

#include <boost/asio/io_context.hpp>

#include <future>
#include <memory>
#include <string>
#include <thread>

namespace llmio::test {

/// Options for tests: port 0, a short drain.
gateway::GatewayOptions test_gateway_options();

/// A config file's text with one provider, `up`: an `openai` instance at `base_url` + "/v1"
/// (an emulator's), without retries so that each failure reaches the test as it happened.
std::string one_openai_upstream(std::string const& base_url);

class GatewayFixture {
public:
    /// `config`: a config file's text (providers, routes). Registers the lmstudio, ollama and
    /// openai factories, whose providers record into `metrics` (which /metrics serves).
    explicit GatewayFixture(std::string const& config, gateway::GatewayOptions options = test_gateway_options(),
                            std::shared_ptr<Metrics> metrics = nullptr);
    /// Stops the gateway (no drain) and waits for it.
    ~GatewayFixture();
    GatewayFixture(GatewayFixture const&) = delete;
    GatewayFixture& operator=(GatewayFixture const&) = delete;

    unsigned short port() const;
    /// stop(drain) and wait until run() returned; true when it did within `timeout`.
    bool stop(std::chrono::milliseconds drain, std::chrono::milliseconds timeout = std::chrono::seconds(10));

    boost::asio::io_context io;
    ProviderRegistry registry;
    std::unique_ptr<gateway::Gateway> gateway;

private:
    std::future<void> done_;
    std::thread thread_;
};

} // namespace llmio::test

#endif

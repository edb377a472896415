#include "support/gateway_fixture.hpp"

#include <llmio/lmstudio.hpp>
#include <llmio/ollama.hpp>
#include <llmio/openai.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

namespace llmio::test {

gateway::GatewayOptions test_gateway_options()
{
    gateway::GatewayOptions options;
    options.port = 0;
    options.drain = std::chrono::milliseconds(0);
    return options;
}

std::string one_openai_upstream(std::string const& base_url)
{
    return R"({"providers": {"up": {"kind": "openai", "base_url": ")" + base_url + R"(/v1", "max_retries": 0}}})";
}

GatewayFixture::GatewayFixture(std::string const& config, gateway::GatewayOptions options,
                               std::shared_ptr<Metrics> metrics)
{
    Environment const env = Environment::from_map({});
    openai::Options openai_options;
    openai_options.metrics = metrics;
    openai::register_provider(registry, env, std::move(openai_options));
    lmstudio::Options lmstudio_options;
    lmstudio_options.metrics = metrics;
    lmstudio::register_provider(registry, env, std::move(lmstudio_options));
    ollama::Options ollama_options;
    ollama_options.metrics = metrics;
    ollama::register_provider(registry, env, std::move(ollama_options));
    registry.add_from_file(io.get_executor(), ConfigFile::parse(config, "gateway-test.json"), env);
    gateway = std::make_unique<gateway::Gateway>(io.get_executor(), registry, std::move(options), std::move(metrics));
    gateway->listen();
    done_ = boost::asio::co_spawn(io, gateway->run(), boost::asio::use_future);
    thread_ = std::thread([this] { io.run(); });
}

GatewayFixture::~GatewayFixture()
{
    stop(std::chrono::milliseconds(0));
    // Pooled upstream connections keep the io_context busy: end it (a gateway that did not stop
    // must not hang the test run either).
    io.stop();
    thread_.join();
}

unsigned short GatewayFixture::port() const
{
    return gateway->local_endpoint().port();
}

bool GatewayFixture::stop(std::chrono::milliseconds drain, std::chrono::milliseconds timeout)
{
    gateway->stop(drain);
    return done_.wait_for(timeout) == std::future_status::ready;
}

} // namespace llmio::test

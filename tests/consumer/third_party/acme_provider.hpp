#ifndef ACME_PROVIDER_HPP
#define ACME_PROVIDER_HPP

// A third-party llmio provider for Acme's (imaginary) inference service. The service speaks
// the OpenAI wire format, so the provider does its work through llmio's OpenAI-compatible
// provider, under its own name; a provider with a wire format of its own would implement the
// same do_* functions with its own requests.

#include <llmio/provider.hpp>
#include <llmio/retry.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

namespace acme {

struct Options {
    std::string base_url = "https://api.acme.example/v1";
    std::string api_key;
    llmio::RetryPolicy retry;
    llmio::http::HttpOptions http;
};

class Provider final : public llmio::ModelProvider {
public:
    Provider(boost::asio::any_io_executor executor, Options options);
    ~Provider() override;

    std::string_view name() const noexcept override { return "acme"; }
    llmio::ProviderFeatures features() const noexcept override { return {}; }

protected:
    boost::asio::awaitable<std::vector<llmio::ModelInfo>> do_list_models() override;
    boost::asio::awaitable<llmio::ChatResponse> do_chat(llmio::ChatRequest, llmio::CallOptions) override;
    boost::asio::awaitable<llmio::ChatStream> do_chat_stream(llmio::ChatRequest, llmio::CallOptions) override;
    boost::asio::awaitable<llmio::CompletionResponse> do_complete(llmio::CompletionRequest,
                                                                  llmio::CallOptions) override;
    boost::asio::awaitable<llmio::EmbeddingResponse> do_embed(llmio::EmbeddingRequest, llmio::CallOptions) override;
    boost::asio::awaitable<bool> do_supports_model(std::string model) override;
    boost::asio::awaitable<std::optional<llmio::ModelCapabilities>> do_model_capabilities(std::string model) override;
    boost::asio::awaitable<llmio::HealthStatus> do_health() override;
    boost::asio::awaitable<llmio::ServerInfo> do_info() override;

private:
    std::unique_ptr<llmio::ModelProvider> wire_; // llmio's OpenAI-compatible provider, named "acme"
};

} // namespace acme

#endif

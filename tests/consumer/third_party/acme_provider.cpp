#include "acme_provider.hpp"

#include <llmio/openai/provider.hpp>

namespace acme {

namespace {

std::unique_ptr<llmio::ModelProvider> make_wire(boost::asio::any_io_executor executor, Options options)
{
    llmio::openai::Options o;
    o.name = "acme"; // errors, logs and the registry say "acme", not "openai"
    o.base_url = std::move(options.base_url);
    o.api_key = std::move(options.api_key);
    o.include_usage = true; // Acme's service reports usage at the end of streams
    o.retry = options.retry;
    o.http = std::move(options.http);
    return std::make_unique<llmio::openai::OpenAICompatibleProvider>(std::move(executor), std::move(o));
}

} // namespace

Provider::Provider(boost::asio::any_io_executor executor, Options options)
    : wire_(make_wire(std::move(executor), std::move(options)))
{
}

Provider::~Provider() = default;

boost::asio::awaitable<std::vector<llmio::ModelInfo>> Provider::do_list_models()
{
    return wire_->list_models();
}

boost::asio::awaitable<llmio::ChatResponse> Provider::do_chat(llmio::ChatRequest request, llmio::CallOptions options)
{
    return wire_->chat(std::move(request), std::move(options));
}

boost::asio::awaitable<llmio::ChatStream> Provider::do_chat_stream(llmio::ChatRequest request,
                                                                   llmio::CallOptions options)
{
    return wire_->chat_stream(std::move(request), std::move(options));
}

boost::asio::awaitable<llmio::CompletionResponse> Provider::do_complete(llmio::CompletionRequest request,
                                                                        llmio::CallOptions options)
{
    return wire_->complete(std::move(request), std::move(options));
}

boost::asio::awaitable<llmio::EmbeddingResponse> Provider::do_embed(llmio::EmbeddingRequest request,
                                                                    llmio::CallOptions options)
{
    return wire_->embed(std::move(request), std::move(options));
}

boost::asio::awaitable<bool> Provider::do_supports_model(std::string model)
{
    return wire_->supports_model(std::move(model));
}

boost::asio::awaitable<std::optional<llmio::ModelCapabilities>> Provider::do_model_capabilities(std::string model)
{
    return wire_->model_capabilities(std::move(model));
}

boost::asio::awaitable<llmio::HealthStatus> Provider::do_health()
{
    return wire_->health();
}

boost::asio::awaitable<llmio::ServerInfo> Provider::do_info()
{
    return wire_->info();
}

} // namespace acme

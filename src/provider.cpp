#include <llmio/provider.hpp>

#include <llmio/error.hpp>
#include <llmio/error_sanitize.hpp>
#include <llmio/model_id.hpp>

namespace llmio {

// Each public call names this provider in errors raised by layers that do not know it, and
// redacts its secrets from them.
#define LLMIO_ATTRIBUTED(expr)                                                                    \
    try {                                                                                         \
        co_return co_await (expr);                                                                \
    } catch (...) {                                                                               \
        rethrow_sanitised(name(), secrets());                                                     \
    }

boost::asio::awaitable<std::vector<ModelInfo>> ModelProvider::list_models()
{
    LLMIO_ATTRIBUTED(do_list_models())
}

boost::asio::awaitable<ChatResponse> ModelProvider::chat(ChatRequest request, CallOptions options)
{
    validate_model_id(request.model, ModelIdUse::optional, name());
    LLMIO_ATTRIBUTED(do_chat(std::move(request), std::move(options)))
}

boost::asio::awaitable<ChatStream> ModelProvider::chat_stream(ChatRequest request, CallOptions options)
{
    validate_model_id(request.model, ModelIdUse::optional, name());
    LLMIO_ATTRIBUTED(do_chat_stream(std::move(request), std::move(options)))
}

boost::asio::awaitable<CompletionResponse> ModelProvider::complete(CompletionRequest request,
                                                                   CallOptions options)
{
    validate_model_id(request.model, ModelIdUse::optional, name());
    LLMIO_ATTRIBUTED(do_complete(std::move(request), std::move(options)))
}

boost::asio::awaitable<CompletionStream> ModelProvider::complete_stream(CompletionRequest request,
                                                                        CallOptions options)
{
    validate_model_id(request.model, ModelIdUse::optional, name());
    LLMIO_ATTRIBUTED(do_complete_stream(std::move(request), std::move(options)))
}

boost::asio::awaitable<EmbeddingResponse> ModelProvider::embed(EmbeddingRequest request,
                                                               CallOptions options)
{
    validate_model_id(request.model, ModelIdUse::optional, name());
    LLMIO_ATTRIBUTED(do_embed(std::move(request), std::move(options)))
}

boost::asio::awaitable<bool> ModelProvider::supports_model(std::string model)
{
    validate_model_id(model, ModelIdUse::required, name());
    LLMIO_ATTRIBUTED(do_supports_model(std::move(model)))
}

boost::asio::awaitable<std::optional<ModelCapabilities>>
ModelProvider::model_capabilities(std::string model)
{
    validate_model_id(model, ModelIdUse::required, name());
    LLMIO_ATTRIBUTED(do_model_capabilities(std::move(model)))
}

boost::asio::awaitable<HealthStatus> ModelProvider::health() { LLMIO_ATTRIBUTED(do_health()) }

boost::asio::awaitable<ServerInfo> ModelProvider::info() { LLMIO_ATTRIBUTED(do_info()) }

#undef LLMIO_ATTRIBUTED

boost::asio::awaitable<CompletionStream> ModelProvider::do_complete_stream(CompletionRequest, CallOptions)
{
    ErrorInfo info;
    info.provider = std::string(name());
    info.detail = "streamed text completions are not supported by this provider";
    throw_error(errc::unsupported, std::move(info));
    co_return CompletionStream(nullptr); // unreachable; makes this a coroutine: it throws when awaited
}

boost::asio::awaitable<ChatResponse>
ModelProvider::chat_stream(ChatRequest request, std::function<void(ChatChunk const&)> on_chunk,
                           CallOptions options)
{
    auto stream = co_await chat_stream(std::move(request), std::move(options));
    while (auto chunk = co_await stream.next()) {
        if (on_chunk)
            on_chunk(*chunk);
    }
    co_return stream.result();
}

} // namespace llmio

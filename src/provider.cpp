#include <llmio/provider.hpp>

#include <llmio/error.hpp>
#include <llmio/error_sanitize.hpp>
#include <llmio/metrics.hpp>
#include <llmio/model_id.hpp>

namespace llmio {

namespace {

// What a whole answer tells its meter before the request is recorded as a success.
template <class Response>
void answered(RequestMeter& meter, Response const& response)
{
    if (response.usage)
        meter.set_usage(*response.usage);
    if constexpr (requires { response.stats; }) {
        if (response.stats)
            meter.set_stats(*response.stats);
    }
    meter.set_answer_model(response.model);
    meter.succeed();
}

} // namespace

// Each public call names this provider in errors raised by layers that do not know it, and
// redacts its secrets from them.
// With Metrics, each measured call makes a meter that rides in the call's options to the
// transport (which stamps the connection and the response head) and records the outcome: for
// whole answers here, for streams at the stream's end (the stream carries the meter).
#define LLMIO_MEASURED(Op, model, expr)                                                           \
    RequestMeter meter(metrics_, name(), model, Op);                                              \
    options.meter = &meter;                                                                       \
    try {                                                                                         \
        auto answer = co_await (expr);                                                            \
        answered(meter, answer);                                                                  \
        co_return std::move(answer);                                                              \
    } catch (...) {                                                                               \
        meter.fail(std::current_exception());                                                     \
        rethrow_sanitised(name(), secrets());                                                     \
    }

#define LLMIO_MEASURED_STREAM(Op, model, expr)                                                    \
    auto meter = std::make_unique<RequestMeter>(metrics_, name(), model, Op);                     \
    options.meter = meter.get();                                                                  \
    try {                                                                                         \
        auto stream = co_await (expr);                                                            \
        stream.attach_meter(std::move(meter));                                                    \
        co_return std::move(stream);                                                              \
    } catch (...) {                                                                               \
        meter->fail(std::current_exception());                                                    \
        rethrow_sanitised(name(), secrets());                                                     \
    }

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
    if (!metrics_) {
        LLMIO_ATTRIBUTED(do_chat(std::move(request), std::move(options)))
    }
    std::string model = request.model;
    LLMIO_MEASURED(Operation::chat, std::move(model),
                   do_chat(std::move(request), std::move(options)))
}

boost::asio::awaitable<ChatStream> ModelProvider::chat_stream(ChatRequest request, CallOptions options)
{
    validate_model_id(request.model, ModelIdUse::optional, name());
    if (!metrics_) {
        LLMIO_ATTRIBUTED(do_chat_stream(std::move(request), std::move(options)))
    }
    std::string model = request.model;
    LLMIO_MEASURED_STREAM(Operation::chat_stream, std::move(model),
                   do_chat_stream(std::move(request), std::move(options)))
}

boost::asio::awaitable<CompletionResponse> ModelProvider::complete(CompletionRequest request,
                                                                   CallOptions options)
{
    validate_model_id(request.model, ModelIdUse::optional, name());
    if (!metrics_) {
        LLMIO_ATTRIBUTED(do_complete(std::move(request), std::move(options)))
    }
    std::string model = request.model;
    LLMIO_MEASURED(Operation::complete, std::move(model),
                   do_complete(std::move(request), std::move(options)))
}

boost::asio::awaitable<CompletionStream> ModelProvider::complete_stream(CompletionRequest request,
                                                                        CallOptions options)
{
    validate_model_id(request.model, ModelIdUse::optional, name());
    if (!metrics_) {
        LLMIO_ATTRIBUTED(do_complete_stream(std::move(request), std::move(options)))
    }
    std::string model = request.model;
    LLMIO_MEASURED_STREAM(Operation::complete_stream, std::move(model),
                   do_complete_stream(std::move(request), std::move(options)))
}

boost::asio::awaitable<EmbeddingResponse> ModelProvider::embed(EmbeddingRequest request,
                                                               CallOptions options)
{
    validate_model_id(request.model, ModelIdUse::optional, name());
    if (!metrics_) {
        LLMIO_ATTRIBUTED(do_embed(std::move(request), std::move(options)))
    }
    std::string model = request.model;
    LLMIO_MEASURED(Operation::embed, std::move(model),
                   do_embed(std::move(request), std::move(options)))
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
#undef LLMIO_MEASURED
#undef LLMIO_MEASURED_STREAM

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

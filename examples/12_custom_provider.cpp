// Example 12: writing a provider. "myserver" speaks the OpenAI dialect on /v1; it is built from
// llmio's pieces: ProviderTransport (headers, retries, typed errors), the OpenAI wire code and
// its SSE chat source. It registers a factory and serves chats and streams.
//
//   12_custom_provider <base-url> [model]   # any OpenAI-compatible server; default model
//                                           # qwen2.5-7b-instruct
//
// Exits with 1 when the streamed and the complete answer differ or are empty.

#include "common.hpp"

#include <llmio/error.hpp>
#include <llmio/openai/sse_chat_source.hpp>
#include <llmio/openai/wire.hpp>
#include <llmio/provider.hpp>
#include <llmio/provider_transport.hpp>
#include <llmio/registry.hpp>

#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

namespace {

using boost::beast::http::verb;

// [snippet:class]
class MyServerProvider : public llmio::ModelProvider {
public:
    MyServerProvider(boost::asio::any_io_executor executor, std::string base_url)
        : transport_(executor, llmio::http::Endpoint::parse(base_url), transport_options())
    {
    }

    std::string_view name() const noexcept override { return "myserver"; }
    llmio::ProviderFeatures features() const noexcept override
    {
        llmio::ProviderFeatures f;
        f.completions = false; // the conformance suite skips what is declared missing
        f.embeddings = false;
        return f;
    }

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
    static llmio::TransportOptions transport_options()
    {
        llmio::TransportOptions options;
        options.provider = "myserver"; // named in errors and logs
        options.retry.max_retries = 1;  // options.http: timeouts, pool, TLS; options.headers
        return options;
    }

    llmio::ProviderTransport transport_;
};
// [end-snippet]

// [snippet:chat]
boost::asio::awaitable<llmio::ChatResponse> MyServerProvider::do_chat(llmio::ChatRequest request,
                                                                       llmio::CallOptions call)
{
    auto body = boost::json::serialize(llmio::openai::chat_request_body(request, false, false));
    // send(): retries per the call's policy; a non-2xx status becomes its typed error.
    llmio::http::HttpResponse response =
        co_await transport_.send(transport_.json_request(verb::post, "/v1/chat/completions", body), call);
    if (llmio::is_error_body(response.body, "choices")) // an error inside a 200
        transport_.throw_for(response);
    co_return llmio::openai::parse_chat_response(response.body); // MalformedResponseError if bad
}
// [end-snippet]

// [snippet:stream]
boost::asio::awaitable<llmio::ChatStream> MyServerProvider::do_chat_stream(llmio::ChatRequest request,
                                                                            llmio::CallOptions call)
{
    auto body = boost::json::serialize(llmio::openai::chat_request_body(request, true, false));
    // open(): returns at the 2xx headers (retries happen only before); the body is ours.
    llmio::http::HttpStream stream =
        co_await transport_.open(transport_.json_request(verb::post, "/v1/chat/completions", body), call);
    // The source turns SSE events into ChatChunks; ChatStream normalises and assembles them.
    co_return llmio::ChatStream(std::make_unique<llmio::openai::SseChatSource>(std::move(stream), transport_));
}
// [end-snippet]

// [snippet:unsupported]
boost::asio::awaitable<llmio::CompletionResponse> MyServerProvider::do_complete(llmio::CompletionRequest,
                                                                                 llmio::CallOptions)
{
    llmio::ErrorInfo info;
    info.provider = "myserver";
    info.detail = "myserver has no text completion endpoint";
    llmio::throw_error(llmio::errc::unsupported, std::move(info)); // an InvalidRequestError
    co_return llmio::CompletionResponse{};
}
// [end-snippet]

boost::asio::awaitable<llmio::EmbeddingResponse> MyServerProvider::do_embed(llmio::EmbeddingRequest,
                                                                             llmio::CallOptions)
{
    llmio::ErrorInfo info;
    info.provider = "myserver";
    info.detail = "myserver has no embedding endpoint";
    llmio::throw_error(llmio::errc::unsupported, std::move(info));
    co_return llmio::EmbeddingResponse{};
}

boost::asio::awaitable<std::vector<llmio::ModelInfo>> MyServerProvider::do_list_models()
{
    llmio::http::HttpResponse response =
        co_await transport_.send(transport_.json_request(verb::get, "/v1/models"), {});
    if (llmio::is_error_body(response.body, "data"))
        transport_.throw_for(response);
    co_return llmio::openai::parse_models(response.body);
}

boost::asio::awaitable<bool> MyServerProvider::do_supports_model(std::string model)
{
    auto capabilities = co_await do_model_capabilities(std::move(model));
    co_return capabilities.has_value();
}

boost::asio::awaitable<std::optional<llmio::ModelCapabilities>>
MyServerProvider::do_model_capabilities(std::string model)
{
    std::vector<llmio::ModelInfo> models = co_await do_list_models();
    for (auto const& m : models)
        if (m.id == model)
            co_return m.capabilities;
    co_return std::nullopt;
}

// [snippet:health]
boost::asio::awaitable<llmio::HealthStatus> MyServerProvider::do_health()
{
    // health() never throws for a sick server (only CancelledError): report it instead.
    auto const started = std::chrono::steady_clock::now();
    llmio::HealthStatus status;
    try {
        std::vector<llmio::ModelInfo> models = co_await do_list_models();
        status.ok = true;
        status.detail = std::to_string(models.size()) + " models";
    } catch (llmio::CancelledError const&) {
        throw;
    } catch (llmio::ProviderError const& e) {
        status.detail = e.what();
    }
    status.latency = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    co_return status;
}
// [end-snippet]

boost::asio::awaitable<llmio::ServerInfo> MyServerProvider::do_info()
{
    llmio::ServerInfo info;
    info.kind = "openai";
    info.base_url = transport_.endpoint().to_string();
    std::vector<llmio::ModelInfo> models = co_await do_list_models();
    info.model_count = models.size();
    co_return info;
}

boost::asio::awaitable<int> run(std::string base_url, std::string model)
{
    auto executor = co_await boost::asio::this_coro::executor;

    // [snippet:register]
    llmio::ProviderRegistry registry;
    registry.register_factory("myserver", [](boost::asio::any_io_executor ex, boost::json::object const& config) {
        auto const* url = config.if_contains("base_url");
        if (!url || !url->is_string())
            llmio::throw_error(llmio::errc::invalid_request, "myserver needs a base_url string");
        return std::make_shared<MyServerProvider>(ex, std::string(url->as_string()));
    });
    registry.add("myserver", registry.create("myserver", executor, {{"base_url", base_url}}));
    // [end-snippet]

    llmio::ResolvedModel target = registry.resolve("myserver/" + model);
    llmio::HealthStatus health = co_await target.provider->health();
    std::cout << "health: " << (health.ok ? "ok, " : "not ok, ") << health.detail << '\n';

    llmio::ChatRequest request;
    request.model = target.model;
    request.messages = {llmio::Message::user("Hello, provider")};
    llmio::ChatResponse reply = co_await target.provider->chat(request);
    std::cout << "chat: " << reply.content << '\n';
    llmio::ChatResponse streamed = co_await target.provider->chat_stream(request, [](llmio::ChatChunk const&) {});
    std::cout << "stream: " << streamed.content << '\n';
    co_return health.ok && !reply.content.empty() && reply.content == streamed.content ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    return examples::run_main(argc, argv, "12_custom_provider <base-url> [model]",
                              [](examples::CommandLine const& line) {
                                  return run(line.arg(0), line.arg(1, "qwen2.5-7b-instruct"));
                              });
}

#include <llmio/provider.hpp>

namespace llmio {

boost::asio::awaitable<ChatResponse>
ModelProvider::chat_stream(ChatRequest request, std::function<void(ChatChunk const&)> on_chunk,
                           CallOptions options)
{
    auto stream = co_await do_chat_stream(std::move(request), std::move(options));
    while (auto chunk = co_await stream.next()) {
        if (on_chunk)
            on_chunk(*chunk);
    }
    co_return stream.result();
}

} // namespace llmio

// The response cache's cost (issue 14): CPU per chat through CachingProvider over an upstream
// that answers at once from memory (so only the cache's own work is measured), for a 600-byte
// answer:
//   hit memory / hit sqlite / hit tiered / hit redis: the key, the store's get, decoding the
//   answer (redis: a redis-server the bench starts on a free loopback port; skipped without one);
//   miss overhead: the key, single flight, encoding and the store's put, over the plain call;
//   not cacheable: the mode check only.
//
//   bench_cache [iterations] [sqlite-path]   (default 100000, /tmp/llmio-bench-cache.sqlite)

#include <llmio/caching_provider.hpp>
#include <llmio/redis_cache_store.hpp>
#include <llmio/run.hpp>
#include <llmio/sqlite_cache_store.hpp>
#include <llmio/tiered_cache_store.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <csignal>
#include <optional>
#include <thread>

#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>

namespace {

namespace asio = boost::asio;
using namespace llmio;

class Instant final : public ModelProvider {
public:
    std::string_view name() const noexcept override { return "instant"; }
    ProviderFeatures features() const noexcept override { return {}; }

protected:
    asio::awaitable<std::vector<ModelInfo>> do_list_models() override { co_return std::vector<ModelInfo>{}; }
    asio::awaitable<ChatResponse> do_chat(ChatRequest, CallOptions) override
    {
        ChatResponse r;
        r.id = "chatcmpl-0123456789";
        r.model = "qwen2.5-7b-instruct";
        r.content = std::string(600, 'x');
        r.finish_reason = FinishReason::stop;
        r.finish_reason_raw = "stop";
        Usage u;
        u.prompt_tokens = 24;
        u.completion_tokens = 150;
        u.total_tokens = 174;
        r.usage = u;
        co_return r;
    }
    asio::awaitable<ChatStream> do_chat_stream(ChatRequest, CallOptions) override { co_return ChatStream(nullptr); }
    asio::awaitable<CompletionResponse> do_complete(CompletionRequest, CallOptions) override
    {
        co_return CompletionResponse();
    }
    asio::awaitable<EmbeddingResponse> do_embed(EmbeddingRequest, CallOptions) override { co_return EmbeddingResponse(); }
    asio::awaitable<bool> do_supports_model(std::string) override { co_return true; }
    asio::awaitable<std::optional<ModelCapabilities>> do_model_capabilities(std::string) override
    {
        co_return std::nullopt;
    }
    asio::awaitable<HealthStatus> do_health() override { co_return HealthStatus(); }
    asio::awaitable<ServerInfo> do_info() override { co_return ServerInfo(); }
};

double cpu_us()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

// CPU µs per call, after a warm-up.
asio::awaitable<double> per_call(ModelProvider& provider, ChatRequest request, CallOptions options, int n)
{
    for (int i = 0; i < 100; ++i) {
        auto const warm = co_await provider.chat(request, options);
        (void)warm;
    }
    double const start = cpu_us();
    for (int i = 0; i < n; ++i) {
        auto const answer = co_await provider.chat(request, options);
        if (answer.content.size() != 600)
            throw std::runtime_error("wrong answer");
    }
    co_return (cpu_us() - start) / n;
}

extern "C" char** environ;

// A redis-server of the bench's own on a free loopback port, killed at the end.
class RedisServer {
public:
    RedisServer()
    {
        {
            asio::io_context io;
            asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
            port_ = probe.local_endpoint().port();
        }
        std::string const port = std::to_string(port_);
        char const* argv[] = {"redis-server", "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--loglevel", "warning", nullptr};
        if (posix_spawnp(&pid_, "redis-server", nullptr, nullptr, const_cast<char**>(argv), environ) != 0)
            throw std::runtime_error("redis-server is not installed");
        // Ready when it accepts a connection: at most 5 s.
        for (int i = 0; i < 500; ++i) {
            asio::io_context io;
            asio::ip::tcp::socket socket(io);
            boost::system::error_code ec;
            socket.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
            if (!ec)
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        throw std::runtime_error("redis-server did not start");
    }
    ~RedisServer()
    {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

private:
    pid_t pid_ = -1;
    unsigned short port_ = 0;
};

} // namespace

int main(int argc, char** argv)
try {
    int const n = argc > 1 ? std::stoi(argv[1]) : 100000;
    std::string const path = argc > 2 ? argv[2] : "/tmp/llmio-bench-cache.sqlite";
    std::filesystem::remove(path);
    asio::io_context io;
    auto upstream = std::make_shared<Instant>();
    ChatRequest request;
    request.model = "qwen2.5-7b-instruct";
    request.messages = {Message::system("You are a helpful assistant."),
                        Message::user("What is the capital of France? Answer in one paragraph.")};
    request.temperature = 0;
    ChatRequest sampled = request;
    sampled.temperature = 0.7;
    CallOptions refresh;
    refresh.cache.refresh = true;

    CachingProvider memory(upstream);
    SqliteCacheOptions so;
    so.path = path;
    CachingOptions sqlite_options;
    sqlite_options.store = std::make_shared<SqliteCacheStore>(so);
    CachingProvider sqlite(upstream, sqlite_options);
    CachingOptions tiered_options;
    tiered_options.store = std::make_shared<TieredCacheStore>(std::make_shared<MemoryCacheStore>(), sqlite_options.store);
    CachingProvider tiered(upstream, tiered_options);

    double const plain = run(io, per_call(*upstream, request, {}, n));
    double const hit_memory = run(io, per_call(memory, request, {}, n));
    double const hit_sqlite = run(io, per_call(sqlite, request, {}, n / 10));
    double const hit_tiered = run(io, per_call(tiered, request, {}, n));
    std::optional<double> hit_redis;
    try {
        RedisServer server;
        RedisCacheOptions ro;
        ro.url = server.url();
        CachingOptions redis_options;
        redis_options.store = std::make_shared<RedisCacheStore>(ro);
        CachingProvider redis(upstream, redis_options);
        hit_redis = run(io, per_call(redis, request, {}, n / 10));
    } catch (std::exception const& e) {
        std::cerr << "redis skipped: " << e.what() << '\n';
    }
    double const miss = run(io, per_call(memory, request, refresh, n));
    double const uncached = run(io, per_call(memory, sampled, {}, n));
    std::printf("plain call (no cache):       %7.2f us CPU\n", plain);
    std::printf("hit, memory:                 %7.2f us\n", hit_memory);
    std::printf("hit, sqlite:                 %7.2f us (its thread included)\n", hit_sqlite);
    std::printf("hit, memory in front of sqlite: %4.2f us\n", hit_tiered);
    if (hit_redis)
        std::printf("hit, redis (loopback):       %7.2f us (its thread included, not the server's)\n", *hit_redis);
    std::printf("miss, memory store:          %7.2f us (+%.2f over the plain call)\n", miss, miss - plain);
    std::printf("not cacheable:               %7.2f us (+%.2f)\n", uncached, uncached - plain);
    std::filesystem::remove(path);
    return 0;
} catch (std::exception const& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
}

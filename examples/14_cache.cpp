// Example 14: a response cache in front of LM Studio.
//
//   14_cache <lmstudio-url>
//
// The same deterministic question (temperature 0) is asked twice, then streamed: the server
// answers once, the cache answers the repeat and replays the stream. A question asked with a
// temperature above 0 is not cached (the default mode is "deterministic"), and a call may
// bypass the cache. Prints each answer with where it came from, then the cache's counters.
// Exits with 1 when the cache did not answer what it should.

#include "common.hpp"

#include <llmio/caching_provider.hpp>
#include <llmio/lmstudio/provider.hpp>

#include <boost/asio/this_coro.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace {

char const* origin(bool cached) { return cached ? "cache" : "server"; }

boost::asio::awaitable<int> run(std::string base_url)
{
    auto executor = co_await boost::asio::this_coro::executor;
    // [snippet:cache]
    auto lmstudio = std::make_shared<llmio::lmstudio::Provider>(executor, llmio::lmstudio::Options{.base_url = base_url});
    llmio::CachingOptions options;
    options.mode = llmio::CacheMode::deterministic; // temperature 0 or a seed; every embedding
    options.ttl = std::chrono::hours(24);
    options.store = std::make_shared<llmio::MemoryCacheStore>(llmio::MemoryCacheOptions{.max_bytes = 64 << 20});
    llmio::CachingProvider cached(lmstudio, options);

    llmio::ChatRequest request{.model = "qwen2.5-7b-instruct",
                               .messages = {llmio::Message::user("What is the capital of France?")},
                               .temperature = 0};
    llmio::ChatResponse first = co_await cached.chat(request);  // asks the server
    llmio::ChatResponse second = co_await cached.chat(request); // second.cached: from the cache
    std::string streamed;
    auto stream = co_await cached.chat_stream(request);         // replays the cached answer
    while (auto chunk = co_await stream.next())
        streamed += chunk->content;

    llmio::CallOptions fresh;
    fresh.cache.bypass = true; // this call neither reads nor writes the cache
    llmio::ChatResponse bypassed = co_await cached.chat(request, fresh);
    // [end-snippet]
    std::cout << "first:    " << origin(first.cached) << ": " << first.content << '\n';
    std::cout << "second:   " << origin(second.cached) << ": " << second.content << '\n';
    std::cout << "stream:   " << origin(stream.result().cached) << ": " << streamed << '\n';
    std::cout << "bypassed: " << origin(bypassed.cached) << ": " << bypassed.content << '\n';

    request.temperature = 0.7;
    llmio::ChatResponse sampled = co_await cached.chat(request);
    std::cout << "sampled:  " << origin(sampled.cached) << ": " << sampled.content << '\n';

    auto const stats = cached.stats();
    std::cout << "hits " << stats.hits << ", misses " << stats.misses << ", not cacheable " << stats.uncached << '\n';
    bool const ok = !first.cached && second.cached && stream.result().cached && !bypassed.cached &&
                    !sampled.cached && second.content == first.content && streamed == first.content;
    co_return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    return examples::run_main(argc, argv, "14_cache <lmstudio-url>",
                              [](examples::CommandLine const& c) { return run(c.arg(0)); });
}

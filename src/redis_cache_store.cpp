#include <llmio/redis_cache_store.hpp>

#include <llmio/metrics.hpp>

#include "redis_client.hpp"

#include <llmio/error.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <thread>

#include <pthread.h>

namespace llmio {

namespace asio = boost::asio;
using detail::RedisCommand;
using detail::RedisReply;

namespace {

constexpr std::size_t scan_batch = 1000;
constexpr std::size_t max_clear_rounds = 1000000; // a bound on SCAN rounds, far above any real cache

// A SCAN MATCH pattern matching `text` literally.
std::string glob_escaped(std::string const& text)
{
    std::string out;
    for (char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

detail::RedisClientOptions client_options(RedisCacheOptions const& o)
{
    detail::RedisClientOptions c;
    c.url = detail::parse_redis_url(o.url);
    c.connect_timeout = o.connect_timeout;
    c.command_timeout = o.command_timeout;
    c.reconnect_min = o.reconnect_min;
    c.reconnect_max = o.reconnect_max;
    return c;
}

// hiredis writes with write(2): a server gone would raise SIGPIPE. Blocked on the store's thread,
// the write fails with EPIPE instead.
void block_sigpipe()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

} // namespace

// The store's thread and its connection. Every coroutine here runs on that thread.
class RedisCacheStore::Runner {
public:
    explicit Runner(RedisCacheOptions options)
        : options_(std::move(options)), client_options_(client_options(options_)),
          entries_(options_.prefix + "r:"), client_(io_.get_executor(), client_options_),
          thread_([this] {
              block_sigpipe();
              io_.run();
          })
    {
        asio::co_spawn(io_, connect_early(), asio::detached);
    }

    ~Runner()
    {
        asio::co_spawn(io_, client_.close(), asio::detached); // lets the last counters out
        work_.reset();
        thread_.join();
    }

    asio::any_io_executor executor() { return io_.get_executor(); }
    std::string const& redacted_url() const noexcept { return client_options_.url.redacted; }

    // The value, and whether Redis answered.
    struct Lookup {
        std::optional<std::string> value;
        bool answered = false;
    };

    asio::awaitable<Lookup> get(std::string key)
    {
        std::vector<RedisCommand> commands{{"GET", entries_ + key}};
        auto replies = co_await client_.run(std::move(commands));
        Lookup lookup;
        if (!replies || replies->front().type == RedisReply::Type::error) {
            ++failures_;
            co_return lookup;
        }
        lookup.answered = true;
        auto& reply = replies->front();
        bool const hit = reply.type == RedisReply::Type::string;
        client_.send({"INCR", options_.prefix + (hit ? "hits" : "misses")});
        if (hit)
            lookup.value = std::move(reply.text);
        co_return lookup;
    }

    /// Whether Redis took it.
    asio::awaitable<bool> put(std::string key, std::string value, std::chrono::seconds ttl)
    {
        RedisCommand set{"SET", entries_ + key, std::move(value)};
        if (ttl > std::chrono::seconds::zero()) {
            set.push_back("PX");
            set.push_back(std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count()));
        }
        std::vector<RedisCommand> commands{std::move(set)};
        auto replies = co_await client_.run(std::move(commands));
        bool const stored = replies && replies->front().type != RedisReply::Type::error;
        if (!stored)
            ++failures_;
        co_return stored;
    }

    asio::awaitable<void> clear()
    {
        std::string cursor = "0";
        for (std::size_t round = 0; round < max_clear_rounds; ++round) {
            auto page = co_await scan(cursor);
            if (!page.keys.empty()) {
                RedisCommand unlink{"UNLINK"};
                unlink.insert(unlink.end(), page.keys.begin(), page.keys.end());
                std::vector<RedisCommand> commands{std::move(unlink)};
                auto replies = co_await client_.run(std::move(commands));
                if (!replies || replies->front().type == RedisReply::Type::error)
                    unreachable();
            }
            cursor = std::move(page.cursor);
            if (cursor == "0")
                break;
        }
    }

    // Hits and misses from their counters; entries and bytes by scanning (at most
    // stats_scan_limit keys) with STRLEN for the values' sizes.
    asio::awaitable<CacheStoreStats> stats()
    {
        CacheStoreStats s;
        std::vector<RedisCommand> counters{{"MGET", options_.prefix + "hits", options_.prefix + "misses"}};
        auto replies = co_await client_.run(std::move(counters));
        if (!replies || replies->front().type != RedisReply::Type::array || replies->front().elements.size() != 2)
            unreachable();
        s.hits = count(replies->front().elements[0]);
        s.misses = count(replies->front().elements[1]);
        s.failures = failures_;
        std::string cursor = "0";
        std::size_t scanned = 0;
        do {
            auto page = co_await scan(cursor);
            std::vector<RedisCommand> lengths;
            for (auto const& key : page.keys)
                lengths.push_back({"STRLEN", key});
            scanned += page.keys.size();
            auto sizes = co_await client_.run(std::move(lengths));
            if (!sizes)
                unreachable();
            for (std::size_t i = 0; i < sizes->size(); ++i) {
                auto const& size = (*sizes)[i];
                if (size.type != RedisReply::Type::integer || size.integer <= 0)
                    continue; // expired meanwhile
                ++s.entries;
                s.bytes += page.keys[i].size() - entries_.size() + static_cast<std::uint64_t>(size.integer);
            }
            cursor = std::move(page.cursor);
        } while (cursor != "0" && scanned < options_.stats_scan_limit);
        co_return s;
    }

private:
    struct Page {
        std::string cursor;
        std::vector<std::string> keys;
    };

    [[noreturn]] void unreachable() const
    {
        ErrorInfo info;
        info.detail = "Redis cache at " + redacted_url() + " does not answer";
        info.hint = "check that Redis runs there and the URL's password";
        throw_error(errc::connection_refused, std::move(info));
    }

    static std::uint64_t count(RedisReply const& r)
    {
        return r.type == RedisReply::Type::string ? std::strtoull(r.text.c_str(), nullptr, 10) : 0;
    }

    asio::awaitable<Page> scan(std::string cursor)
    {
        std::vector<RedisCommand> commands{
            {"SCAN", std::move(cursor), "MATCH", glob_escaped(entries_) + "*", "COUNT", std::to_string(scan_batch)}};
        auto replies = co_await client_.run(std::move(commands));
        if (!replies || replies->front().type != RedisReply::Type::array || replies->front().elements.size() != 2)
            unreachable();
        auto& parts = replies->front().elements;
        Page page;
        page.cursor = std::move(parts[0].text);
        for (auto& key : parts[1].elements)
            page.keys.push_back(std::move(key.text));
        co_return page;
    }

    asio::awaitable<void> connect_early()
    {
        std::vector<RedisCommand> ping{{"PING"}};
        (void)co_await client_.run(std::move(ping));
    }

    RedisCacheOptions options_;
    detail::RedisClientOptions client_options_;
    std::string entries_; // the prefix of the entries' keys
    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
    detail::RedisClient client_;
    std::uint64_t failures_ = 0;
    std::thread thread_;
};

RedisCacheStore::RedisCacheStore(RedisCacheOptions options) : runner_(std::make_unique<Runner>(std::move(options))) {}

RedisCacheStore::~RedisCacheStore() = default;

std::string const& RedisCacheStore::redacted_url() const noexcept { return runner_->redacted_url(); }

asio::awaitable<std::optional<std::string>> RedisCacheStore::get(std::string key)
{
    auto lookup = co_await asio::co_spawn(runner_->executor(), runner_->get(std::move(key)), asio::use_awaitable);
    count(!lookup.answered ? CacheEvent::error : lookup.value ? CacheEvent::hit : CacheEvent::miss);
    co_return std::move(lookup.value);
}

asio::awaitable<void> RedisCacheStore::put(std::string key, std::string value, std::chrono::seconds ttl)
{
    bool const stored = co_await asio::co_spawn(runner_->executor(),
                                                runner_->put(std::move(key), std::move(value), ttl), asio::use_awaitable);
    count(stored ? CacheEvent::stored : CacheEvent::error);
}

asio::awaitable<void> RedisCacheStore::clear()
{
    co_await asio::co_spawn(runner_->executor(), runner_->clear(), asio::use_awaitable);
}

asio::awaitable<CacheStoreStats> RedisCacheStore::stats()
{
    auto result = co_await asio::co_spawn(runner_->executor(), runner_->stats(), asio::use_awaitable);
    co_return result;
}

} // namespace llmio

#ifndef LLMIO_SRC_REDIS_CLIENT_HPP
#define LLMIO_SRC_REDIS_CLIENT_HPP

// One hiredis async connection, driven by Asio (redis_asio_adapter.hpp), that never hangs and
// never throws for a Redis that is down: a batch of commands either gets its replies within the
// command timeout or is reported as unanswered (and the connection is dropped). It connects on
// demand; after a failure it stays away for a backoff before it connects again.
//
// Not thread-safe: every member runs on the one thread behind `executor`.

#include "redis_url.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct redisAsyncContext;

namespace llmio::detail {

/// A reply copied out of hiredis (which frees its own after the callback).
struct RedisReply {
    enum class Type { nil, string, integer, array, status, error };
    Type type = Type::nil;
    std::string text; ///< string, status, error
    long long integer = 0;
    std::vector<RedisReply> elements;
};

using RedisCommand = std::vector<std::string>;

struct RedisClientOptions {
    RedisUrl url;
    std::chrono::milliseconds connect_timeout{250};
    std::chrono::milliseconds command_timeout{250};
    std::chrono::milliseconds reconnect_min{100};
    std::chrono::milliseconds reconnect_max{10000};
};

class RedisClient {
public:
    RedisClient(boost::asio::any_io_executor executor, RedisClientOptions options);
    ~RedisClient(); ///< Frees the connection at once (close() first to let pending writes out).
    RedisClient(RedisClient const&) = delete;
    RedisClient& operator=(RedisClient const&) = delete;

    /// Sends `commands` pipelined and returns their replies in order (error replies included),
    /// or nullopt when there is no connection (down, backing off) or they did not all come in time.
    boost::asio::awaitable<std::optional<std::vector<RedisReply>>> run(std::vector<RedisCommand> commands);
    /// Sends a command whose reply nobody waits for, if connected.
    void send(RedisCommand const& command);
    /// Lets what was sent go out, then disconnects; bounded by the command timeout.
    boost::asio::awaitable<void> close();

private:
    struct Batch;
    struct Slot;
    enum class State { down, connecting, up };

    boost::asio::awaitable<bool> ready();
    boost::asio::awaitable<bool> connect();
    boost::asio::awaitable<bool> open();
    std::shared_ptr<Batch> issue(std::vector<RedisCommand> const& commands);
    boost::asio::awaitable<std::optional<std::vector<RedisReply>>> await_replies(std::shared_ptr<Batch> batch);
    void drop();
    void gone();

    static void on_connect(redisAsyncContext const* context, int status);
    static void on_reply(redisAsyncContext* context, void* reply, void* slot);

    boost::asio::any_io_executor executor_;
    RedisClientOptions options_;
    redisAsyncContext* context_ = nullptr;
    State state_ = State::down;
    std::chrono::steady_clock::time_point retry_at_{};
    std::chrono::milliseconds backoff_;
    boost::asio::steady_timer connected_; // cancelled when a connection attempt ends
    boost::asio::steady_timer event_;     // cancelled by on_connect and gone()
    bool connect_done_ = false, connect_ok_ = false;
};

} // namespace llmio::detail

#endif

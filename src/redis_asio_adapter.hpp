#ifndef LLMIO_SRC_REDIS_ASIO_ADAPTER_HPP
#define LLMIO_SRC_REDIS_ASIO_ADAPTER_HPP

// Drives a hiredis async context from Asio. hiredis says when it wants to read or write through
// its addRead/delRead/addWrite/delWrite hooks; each wish becomes an async_wait on a
// stream_descriptor over the context's socket, and readiness calls redisAsyncHandleRead/Write.
// The descriptor never owns the socket: hiredis closes it. hiredis's cleanup hook (the context is
// being freed) detaches the adapter and calls `on_gone`.
//
// Everything runs on `executor`, which must be a single thread: hiredis is not thread-safe.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>
#include <memory>

struct redisAsyncContext;

namespace llmio::detail {

class RedisAsioAdapter : public std::enable_shared_from_this<RedisAsioAdapter> {
public:
    /// Attaches to `context`; the adapter lives until hiredis frees the context.
    static void attach(boost::asio::any_io_executor executor, redisAsyncContext* context,
                       std::function<void()> on_gone);

    RedisAsioAdapter(boost::asio::any_io_executor executor, redisAsyncContext* context,
                     std::function<void()> on_gone);

private:
    using WaitType = boost::asio::posix::stream_descriptor::wait_type;

    static void add_read(void* self);
    static void del_read(void* self);
    static void add_write(void* self);
    static void del_write(void* self);
    static void cleanup(void* self);

    void arm();
    void wait(WaitType type);
    void ready(WaitType type);

    redisAsyncContext* context_; // null once hiredis freed it
    boost::asio::posix::stream_descriptor socket_;
    std::function<void()> on_gone_;
    bool want_read_ = false, want_write_ = false;
    bool reading_ = false, writing_ = false; // a wait is pending
    std::shared_ptr<RedisAsioAdapter> self_; // hiredis's reference, dropped in cleanup
};

} // namespace llmio::detail

#endif

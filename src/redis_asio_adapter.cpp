#include "redis_asio_adapter.hpp"

#include <hiredis/async.h>

#include <utility>

namespace llmio::detail {

void RedisAsioAdapter::attach(boost::asio::any_io_executor executor, redisAsyncContext* context,
                              std::function<void()> on_gone)
{
    auto adapter = std::make_shared<RedisAsioAdapter>(std::move(executor), context, std::move(on_gone));
    adapter->self_ = adapter;
    context->ev.data = adapter.get();
    context->ev.addRead = &add_read;
    context->ev.delRead = &del_read;
    context->ev.addWrite = &add_write;
    context->ev.delWrite = &del_write;
    context->ev.cleanup = &cleanup;
}

RedisAsioAdapter::RedisAsioAdapter(boost::asio::any_io_executor executor, redisAsyncContext* context,
                                   std::function<void()> on_gone)
    : context_(context), socket_(std::move(executor), context->c.fd), on_gone_(std::move(on_gone))
{
}

void RedisAsioAdapter::add_read(void* self)
{
    auto* a = static_cast<RedisAsioAdapter*>(self);
    a->want_read_ = true;
    a->arm();
}

void RedisAsioAdapter::del_read(void* self) { static_cast<RedisAsioAdapter*>(self)->want_read_ = false; }

void RedisAsioAdapter::add_write(void* self)
{
    auto* a = static_cast<RedisAsioAdapter*>(self);
    a->want_write_ = true;
    a->arm();
}

void RedisAsioAdapter::del_write(void* self) { static_cast<RedisAsioAdapter*>(self)->want_write_ = false; }

void RedisAsioAdapter::cleanup(void* self)
{
    auto* a = static_cast<RedisAsioAdapter*>(self);
    auto keep = std::move(a->self_); // the pending waits hold their own references
    a->context_ = nullptr;
    a->want_read_ = a->want_write_ = false;
    boost::system::error_code ignored;
    a->socket_.cancel(ignored);
    (void)a->socket_.release(); // hiredis closes the socket
    if (auto gone = std::move(a->on_gone_))
        gone();
}

// A wait already pending is kept (a wish withdrawn meanwhile is checked when it completes).
void RedisAsioAdapter::arm()
{
    if (want_read_ && !reading_)
        wait(WaitType::wait_read);
    if (want_write_ && !writing_)
        wait(WaitType::wait_write);
}

void RedisAsioAdapter::wait(WaitType type)
{
    (type == WaitType::wait_read ? reading_ : writing_) = true;
    socket_.async_wait(type, [self = shared_from_this(), type](boost::system::error_code ec) {
        (type == WaitType::wait_read ? self->reading_ : self->writing_) = false;
        if (!ec)
            self->ready(type);
    });
}

void RedisAsioAdapter::ready(WaitType type)
{
    if (!context_)
        return;
    if (type == WaitType::wait_read && want_read_)
        redisAsyncHandleRead(context_);
    else if (type == WaitType::wait_write && want_write_)
        redisAsyncHandleWrite(context_);
    if (context_) // hiredis may have freed it (cleanup ran)
        arm();
}

} // namespace llmio::detail

#include "redis_client.hpp"

#include "redis_asio_adapter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>

namespace llmio::detail {

namespace asio = boost::asio;

namespace {

constexpr int max_reply_depth = 4; // our commands' replies are at most two levels deep

RedisReply copy(redisReply const& r, int depth)
{
    RedisReply out;
    switch (r.type) {
    case REDIS_REPLY_STRING:
        out.type = RedisReply::Type::string;
        out.text.assign(r.str, r.len);
        break;
    case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::status;
        out.text.assign(r.str, r.len);
        break;
    case REDIS_REPLY_ERROR:
        out.type = RedisReply::Type::error;
        out.text.assign(r.str, r.len);
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::integer;
        out.integer = r.integer;
        break;
    case REDIS_REPLY_ARRAY:
        if (depth >= max_reply_depth) {
            out.type = RedisReply::Type::error;
            out.text = "reply nested too deeply";
            break;
        }
        out.type = RedisReply::Type::array;
        out.elements.reserve(r.elements);
        for (std::size_t i = 0; i < r.elements; ++i)
            out.elements.push_back(copy(*r.element[i], depth + 1));
        break;
    default: out.type = RedisReply::Type::nil;
    }
    return out;
}

} // namespace

// The replies of one pipelined batch. Each command's callback gets a Slot (owned by hiredis
// until the callback, which hiredis always runs: with a null reply when the context is freed).
struct RedisClient::Batch {
    explicit Batch(asio::any_io_executor executor, std::size_t n) : replies(n), outstanding(n), wake(std::move(executor)) {}
    std::vector<RedisReply> replies;
    std::size_t outstanding;
    bool failed = false;
    asio::steady_timer wake; // cancelled when the last reply came
};

struct RedisClient::Slot {
    std::shared_ptr<Batch> batch;
    std::size_t index;
};

RedisClient::RedisClient(asio::any_io_executor executor, RedisClientOptions options)
    : executor_(std::move(executor)), options_(std::move(options)), backoff_(options_.reconnect_min),
      connected_(executor_), event_(executor_)
{
}

RedisClient::~RedisClient() { drop(); }

asio::awaitable<std::optional<std::vector<RedisReply>>> RedisClient::run(std::vector<RedisCommand> commands)
{
    bool const up = co_await ready();
    if (!up)
        co_return std::nullopt;
    auto batch = issue(commands);
    auto replies = co_await await_replies(std::move(batch));
    co_return replies;
}

void RedisClient::send(RedisCommand const& command)
{
    if (state_ != State::up || !context_)
        return;
    std::vector<char const*> argv;
    std::vector<std::size_t> lengths;
    for (auto const& arg : command) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    redisAsyncCommandArgv(context_, nullptr, nullptr, static_cast<int>(argv.size()), argv.data(), lengths.data());
}

asio::awaitable<void> RedisClient::close()
{
    if (!context_)
        co_return;
    event_.expires_after(options_.command_timeout);
    redisAsyncDisconnect(context_); // frees the context once the replies pending came in
    if (context_)
        co_await event_.async_wait(asio::as_tuple(asio::use_awaitable));
    drop();
}

// Up, or connecting now (or waiting for the connection another call opens), unless the
// backoff after the last failure has not passed yet.
asio::awaitable<bool> RedisClient::ready()
{
    if (state_ == State::up)
        co_return true;
    if (state_ == State::connecting) {
        co_await connected_.async_wait(asio::as_tuple(asio::use_awaitable));
        co_return state_ == State::up;
    }
    if (std::chrono::steady_clock::now() < retry_at_)
        co_return false;
    bool const ok = co_await connect();
    co_return ok;
}

asio::awaitable<bool> RedisClient::connect()
{
    state_ = State::connecting;
    connected_.expires_after(options_.connect_timeout + 3 * options_.command_timeout); // waiters' bound
    bool const ok = co_await open();
    if (ok) {
        state_ = State::up;
        backoff_ = options_.reconnect_min;
    } else {
        drop();
        state_ = State::down;
        retry_at_ = std::chrono::steady_clock::now() + backoff_;
        backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
    }
    connected_.cancel();
    co_return ok;
}

// Connects (bounded by the connect timeout), then AUTH and SELECT as the URL asks.
asio::awaitable<bool> RedisClient::open()
{
    auto const& url = options_.url;
    redisAsyncContext* context = redisAsyncConnect(url.host.c_str(), url.port);
    if (!context)
        co_return false;
    if (context->err) {
        redisAsyncFree(context);
        co_return false;
    }
    context_ = context;
    context->data = this;
    RedisAsioAdapter::attach(executor_, context, [this] { gone(); });
    connect_done_ = connect_ok_ = false;
    redisAsyncSetConnectCallback(context, &on_connect);
    event_.expires_after(options_.connect_timeout);
    co_await event_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!connect_done_ || !connect_ok_ || !context_)
        co_return false;

    std::vector<RedisCommand> setup;
    if (url.password) {
        if (url.user.empty())
            setup.push_back({"AUTH", *url.password});
        else
            setup.push_back({"AUTH", url.user, *url.password});
    }
    if (url.db != 0)
        setup.push_back({"SELECT", std::to_string(url.db)});
    if (setup.empty())
        co_return true;
    auto batch = issue(setup);
    auto replies = co_await await_replies(std::move(batch));
    if (!replies)
        co_return false;
    co_return std::none_of(replies->begin(), replies->end(),
                           [](RedisReply const& r) { return r.type == RedisReply::Type::error; });
}

std::shared_ptr<RedisClient::Batch> RedisClient::issue(std::vector<RedisCommand> const& commands)
{
    auto batch = std::make_shared<Batch>(executor_, commands.size());
    std::vector<char const*> argv;
    std::vector<std::size_t> lengths;
    for (std::size_t i = 0; i < commands.size(); ++i) {
        argv.clear();
        lengths.clear();
        for (auto const& arg : commands[i]) {
            argv.push_back(arg.data());
            lengths.push_back(arg.size());
        }
        auto* slot = new Slot{batch, i};
        if (!context_ || redisAsyncCommandArgv(context_, &on_reply, slot, static_cast<int>(argv.size()), argv.data(),
                                               lengths.data()) != REDIS_OK) {
            delete slot;
            batch->failed = true;
            --batch->outstanding;
        }
    }
    return batch;
}

// The batch's replies, or nullopt (and the connection dropped) when they did not all come
// within the command timeout.
asio::awaitable<std::optional<std::vector<RedisReply>>> RedisClient::await_replies(std::shared_ptr<Batch> batch)
{
    if (batch->outstanding > 0) {
        batch->wake.expires_after(options_.command_timeout);
        co_await batch->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (batch->outstanding > 0)
        drop(); // a stalled server: its late replies must not meet later commands
    if (batch->failed || batch->outstanding > 0)
        co_return std::nullopt;
    co_return std::move(batch->replies);
}

// Frees the connection now; the pending callbacks run with null replies.
void RedisClient::drop()
{
    if (context_)
        redisAsyncFree(context_); // runs gone()
}

// hiredis freed the context: it failed to connect, the server closed it, a read failed, or drop().
void RedisClient::gone()
{
    context_ = nullptr;
    if (state_ == State::up) {
        state_ = State::down;
        retry_at_ = std::chrono::steady_clock::now() + backoff_;
        backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
    }
    event_.cancel();
}

void RedisClient::on_connect(redisAsyncContext const* context, int status)
{
    auto* self = static_cast<RedisClient*>(context->data);
    self->connect_done_ = true;
    self->connect_ok_ = status == REDIS_OK;
    self->event_.cancel();
}

void RedisClient::on_reply(redisAsyncContext*, void* reply, void* privdata)
{
    std::unique_ptr<Slot> slot(static_cast<Slot*>(privdata));
    auto& batch = *slot->batch;
    if (reply)
        batch.replies[slot->index] = copy(*static_cast<redisReply const*>(reply), 0);
    else
        batch.failed = true;
    if (--batch.outstanding == 0)
        batch.wake.cancel();
}

} // namespace llmio::detail

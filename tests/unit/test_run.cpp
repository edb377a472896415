// llmio::run: blocking on one awaitable from code that is not a coroutine.

#include "support/ollama_fixture.hpp"

#include <llmio/error.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/run.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace asio = boost::asio;

namespace {

asio::awaitable<int> answer_after_a_hop()
{
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    co_return 42;
}

asio::awaitable<std::unique_ptr<std::string>> move_only()
{
    co_return std::make_unique<std::string>("moved out");
}

asio::awaitable<void> set_after_a_hop(bool& flag)
{
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    flag = true;
}

asio::awaitable<int> throw_runtime_error()
{
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    throw std::runtime_error("boom");
}

asio::awaitable<void> throw_model_not_found()
{
    llmio::ErrorInfo info;
    info.provider = "test";
    info.server_message = "model 'nope' not found";
    llmio::throw_error(llmio::errc::model_not_found, std::move(info));
    co_return;
}

llmio::ChatRequest ask(std::string model)
{
    llmio::ChatRequest request;
    request.model = std::move(model);
    request.messages = {llmio::Message::user("Say hello.")};
    return request;
}

} // namespace

TEST_CASE("run returns the operation's value", "[run]")
{
    asio::io_context io;
    CHECK(llmio::run(io, answer_after_a_hop()) == 42);
    auto const text = llmio::run(io, move_only());
    REQUIRE(text != nullptr);
    CHECK(*text == "moved out");
}

TEST_CASE("run waits for a void operation", "[run]")
{
    asio::io_context io;
    bool flag = false;
    llmio::run(io, set_after_a_hop(flag));
    CHECK(flag);
}

TEST_CASE("run rethrows the operation's exception", "[run]")
{
    asio::io_context io;
    CHECK_THROWS_MATCHES(llmio::run(io, throw_runtime_error()), std::runtime_error,
                         Catch::Message("boom"));
    // The io_context is still usable afterwards.
    CHECK(llmio::run(io, answer_after_a_hop()) == 42);
}

TEST_CASE("run keeps the type of a ProviderError", "[run]")
{
    asio::io_context io;
    try {
        llmio::run(io, throw_model_not_found());
        FAIL("no error");
    } catch (llmio::ModelNotFoundError const& e) {
        CHECK(e.error() == llmio::errc::model_not_found);
        CHECK(e.provider() == "test");
        CHECK(e.server_message() == "model 'nope' not found");
    }
}

TEST_CASE("run drives a provider's calls: a value, then a typed server error", "[run]")
{
    llmio::test::OllamaEmulatorFixture emulator;
    asio::io_context io;
    llmio::ollama::Options options;
    options.base_url = emulator.server.base_url();
    options.retry = llmio::RetryPolicy::none();
    llmio::ollama::OllamaProvider ollama(io.get_executor(), options);

    llmio::ChatResponse reply = llmio::run(io, ollama.chat(ask("llama3.2")));
    CHECK(reply.content == "Hello! You said: Say hello.");
    try {
        llmio::run(io, ollama.chat(ask("nope")));
        FAIL("no error");
    } catch (llmio::ModelNotFoundError const& e) {
        CHECK(e.http_status() == 404);
        CHECK(e.server_message() == "model 'nope' not found");
        CHECK(e.hint() == "pull it: ollama pull nope");
    }
}

TEST_CASE("run restarts an io_context that ran out of work", "[run]")
{
    asio::io_context io;
    io.run(); // nothing to do: returns at once and leaves `io` stopped
    REQUIRE(io.stopped());
    CHECK(llmio::run(io, answer_after_a_hop()) == 42);
}

TEST_CASE("run refuses to block a thread that runs the same io_context", "[run]")
{
    asio::io_context io;
    auto nested = asio::co_spawn(
        io,
        [&io]() -> asio::awaitable<int> { co_return llmio::run(io, answer_after_a_hop()); },
        asio::use_future);
    io.run();
    CHECK_THROWS_MATCHES(nested.get(), std::logic_error,
                         Catch::Message("llmio::run called from a thread that runs the same "
                                        "io_context: co_await the operation instead"));
}

TEST_CASE("run reports an io_context stopped before the operation finished", "[run]")
{
    asio::io_context io;
    bool finished = false;
    auto stop_then_finish = [&]() -> asio::awaitable<void> {
        io.stop();
        co_await asio::post(io, asio::use_awaitable);
        finished = true;
    };
    CHECK_THROWS_MATCHES(llmio::run(io, stop_then_finish()), std::runtime_error,
                         Catch::Message("llmio::run: the io_context was stopped before the "
                                        "operation finished"));
    CHECK_FALSE(finished);
    // The abandoned operation can still finish later without touching the returned call's frame.
    io.restart();
    io.run();
    CHECK(finished);
}

// llmio::testing itself: the framework-neutral assertions and the conformance list, including
// that the suite fails a provider that breaks its contract, and says how.

#include <llmio/testing/conformance.hpp>
#include <llmio/testing/emulators/openai_emulator.hpp>
#include <llmio/testing/expect.hpp>

#include <llmio/error.hpp>
#include <llmio/openai/provider.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>

using namespace llmio;
using llmio::testing::Failure;

namespace {

std::string failure_of(std::function<void()> const& f)
{
    try {
        f();
    } catch (Failure const& e) {
        return e.what();
    }
    return "(no failure)";
}

testing::Case const& find_case(std::string const& name)
{
    for (auto const& c : testing::conformance_cases())
        if (c.name == name)
            return c;
    throw std::invalid_argument("no conformance case named " + name);
}

// A provider that forwards to a working one but drops the usage of non-streamed chats: the
// kind of slip the suite exists to catch.
class DropsUsage final : public ModelProvider {
public:
    explicit DropsUsage(std::shared_ptr<ModelProvider> inner) : inner_(std::move(inner)) {}

    std::string_view name() const noexcept override { return inner_->name(); }
    ProviderFeatures features() const noexcept override { return inner_->features(); }

protected:
    boost::asio::awaitable<std::vector<ModelInfo>> do_list_models() override { return inner_->list_models(); }
    boost::asio::awaitable<ChatResponse> do_chat(ChatRequest request, CallOptions options) override
    {
        auto response = co_await inner_->chat(std::move(request), options);
        response.usage.reset();
        co_return response;
    }
    boost::asio::awaitable<ChatStream> do_chat_stream(ChatRequest request, CallOptions options) override
    {
        return inner_->chat_stream(std::move(request), options);
    }
    boost::asio::awaitable<CompletionResponse> do_complete(CompletionRequest request, CallOptions options) override
    {
        return inner_->complete(std::move(request), options);
    }
    boost::asio::awaitable<EmbeddingResponse> do_embed(EmbeddingRequest request, CallOptions options) override
    {
        return inner_->embed(std::move(request), options);
    }
    boost::asio::awaitable<bool> do_supports_model(std::string model) override
    {
        return inner_->supports_model(std::move(model));
    }
    boost::asio::awaitable<std::optional<ModelCapabilities>> do_model_capabilities(std::string model) override
    {
        return inner_->model_capabilities(std::move(model));
    }
    boost::asio::awaitable<HealthStatus> do_health() override { return inner_->health(); }
    boost::asio::awaitable<ServerInfo> do_info() override { return inner_->info(); }

private:
    std::shared_ptr<ModelProvider> inner_;
};

testing::Target emulated_openai(bool broken)
{
    testing::Target t;
    t.label = broken ? "drops-usage (emulator)" : "openai (emulator)";
    t.provider_name = "openai";
    t.chat_model = "gpt-4o-mini";
    t.embedding_model = "text-embedding-3-small";
    t.server = testing::start_emulator(std::make_shared<emulators::OpenAiEmulator>());
    t.error_body = testing::openai_error_body;
    t.expected_reply = [](std::string const& prompt) { return "Hello! You said: " + prompt; };
    t.make = [url = t.server->base_url() + "/v1", broken](boost::asio::any_io_executor ex,
                                                          RetryPolicy retry) -> std::shared_ptr<ModelProvider> {
        openai::Options o;
        o.base_url = url;
        o.retry = retry;
        auto provider = std::make_shared<openai::OpenAICompatibleProvider>(ex, o);
        if (broken)
            return std::make_shared<DropsUsage>(provider);
        return provider;
    };
    return t;
}

} // namespace

TEST_CASE("expect: a false condition fails with its description", "[testing]")
{
    CHECK(failure_of([] { testing::expect(false, "the model list is not empty"); }) ==
          "the model list is not empty");
    CHECK(failure_of([] { testing::expect(true, "holds"); }) == "(no failure)");
}

TEST_CASE("expect_eq: the failure shows the expected and the actual value", "[testing]")
{
    CHECK(failure_of([] { testing::expect_eq(std::string("Hi"), "Hello!", "chat() content"); }) ==
          R"(chat() content: expected "Hello!", got "Hi")");
    CHECK(failure_of([] { testing::expect_eq(3u, 1u, "tool calls"); }) == "tool calls: expected 1, got 3");
    CHECK(failure_of([] { testing::expect_eq(FinishReason::length, FinishReason::stop, "finish"); }) ==
          "finish: expected stop, got length");
    CHECK(failure_of([] { testing::expect_eq(errc::server_error, errc::rate_limited, "code()"); }) ==
          "code(): expected rate limited, got server error");
    CHECK(failure_of([] { testing::expect_eq(std::optional<int>(), std::optional<int>(2), "n"); }) ==
          "n: expected 2, got nullopt");
    CHECK(failure_of([] { testing::expect_eq(true, false, "flag"); }) == "flag: expected false, got true");
    CHECK(failure_of([] { testing::expect_eq(std::string("same"), "same", "equal"); }) == "(no failure)");
    CHECK(failure_of([] { testing::expect_ne(std::string("id"), "id", "second id"); }) ==
          R"(second id: expected anything but "id")");
}

TEST_CASE("expect_throws: returns the error, or fails naming what was thrown instead", "[testing]")
{
    auto const e = testing::expect_throws<std::invalid_argument>(
        [] { throw std::invalid_argument("bad model"); }, "a bad model");
    CHECK(std::string(e.what()) == "bad model");
    CHECK(failure_of([] { testing::expect_throws<std::invalid_argument>([] {}, "a bad model"); }) ==
          "a bad model: expected std::invalid_argument, nothing was thrown");
    CHECK(failure_of([] {
              testing::expect_throws<std::invalid_argument>([] { throw std::runtime_error("boom"); }, "a bad model");
          }) == "a bad model: expected std::invalid_argument, got std::runtime_error: boom");
    // A failed check inside the call is that failure, not a wrong exception.
    CHECK(failure_of([] {
              testing::expect_throws<std::runtime_error>([] { testing::expect(false, "inner check"); }, "outer");
          }) == "inner check");
}

TEST_CASE("conformance list: every case named once, in a stable order", "[testing]")
{
    auto const& cases = testing::conformance_cases();
    REQUIRE(cases.size() == 20);
    CHECK(cases.front().name == "list models");
    CHECK(cases.back().name == "a connection is reused after a completed stream");
    std::set<std::string> names;
    for (auto const& c : cases) {
        CHECK(names.insert(c.name).second);
        CHECK(c.name.find(';') == std::string::npos); // Catch2 section names end up in ctest
        CHECK(static_cast<bool>(c.run));
    }
}

TEST_CASE("conformance list: a case the target cannot do is skipped with the reason", "[testing]")
{
    testing::Target live;
    live.label = "live";
    live.features.streaming = false;
    live.features.embeddings = false;
    CHECK(testing::skip_reason(find_case("list models"), live).empty());
    CHECK(testing::skip_reason(find_case("stream with a callback gives the same answer as next()"), live) ==
          "the provider declares no support for streaming");
    CHECK(testing::skip_reason(find_case("embeddings: one vector per input, equal dimensions, input order"), live) ==
          "the provider declares no support for embeddings");
    CHECK(testing::skip_reason(find_case("5xx then success through retries"), live) ==
          "fault injection needs the emulator (live mode)");
    // Off unless declared: a provider written before complete_stream() does not claim it.
    auto const& streamed_completion =
        find_case("streamed completion: text in order, one finish, usage, as complete() answers");
    CHECK(testing::skip_reason(streamed_completion, live) ==
          "the provider declares no support for streamed completions");
    live.features.completion_streaming = true;
    CHECK(testing::skip_reason(streamed_completion, live).empty());
}

TEST_CASE("conformance list: a provider that drops usage fails the chat case, saying so", "[testing]")
{
    auto const& chat = find_case("chat: content, finish reason and usage");
    // The same case passes for the provider it wraps: the failure is the provider's.
    chat.run(emulated_openai(false));
    CHECK(failure_of([&] { chat.run(emulated_openai(true)); }) == "chat(): usage is reported");
}

TEST_CASE("conformance list: a provider that declares a wrong name fails the error case", "[testing]")
{
    auto target = emulated_openai(false);
    target.provider_name = "acme";
    CHECK(failure_of([&] {
              find_case("each HTTP error class becomes its type with the server's message").run(target);
          }) == R"(status 400 "Invalid value for 'temperature'": provider(): expected "acme", got "openai")");
}

// Choosing a model by need: the keyword classifier, the requirement checks, the default
// ranking, and routes by requirement over an LM Studio emulator.

#include "support/expect_error.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/model_choice.hpp>
#include <llmio/router.hpp>

#include <catch2/catch.hpp>

using namespace llmio;
namespace asio = boost::asio;

namespace {

ChatRequest ask(std::string text)
{
    ChatRequest r;
    r.messages.push_back(Message::user(std::move(text)));
    return r;
}

ModelInfo model(std::string id, std::string type = "llm")
{
    ModelInfo m;
    m.id = std::move(id);
    m.type = std::move(type);
    return m;
}

ModelCandidate candidate(std::string provider, ModelInfo m, bool loaded = false)
{
    ModelCandidate c;
    c.provider = std::move(provider);
    c.model = std::move(m);
    c.loaded = loaded;
    return c;
}

std::vector<std::string> ids(std::vector<ModelCandidate> const& ranked)
{
    std::vector<std::string> out;
    for (auto const& c : ranked)
        out.push_back(c.provider + "/" + c.model.id);
    return out;
}

} // namespace

TEST_CASE("classify_task: keywords of the last user message, general without any", "[model_choice]")
{
    CHECK(classify_task(ask("Fix this bug in my Python function")) == Task::coding);
    CHECK(classify_task(ask("```\nint main() {}\n```")) == Task::coding);
    CHECK(classify_task(ask("Write a short poem about autumn")) == Task::creative);
    CHECK(classify_task(ask("Analyze the sales data and forecast the trend")) == Task::analysis);
    CHECK(classify_task(ask("Find papers and cite sources on sleep research")) == Task::research);
    CHECK(classify_task(ask("Hello, how are you?")) == Task::general);
    CHECK(classify_task(ChatRequest{}) == Task::general);
    // Only the last user message counts; an assistant's words do not.
    ChatRequest r = ask("Write a poem");
    r.messages.push_back(Message::assistant("Here is some code and a function"));
    CHECK(classify_task(r) == Task::creative);
    // Ties go to the earlier task: one coding word, one creative word.
    CHECK(classify_task(ask("a poem about python")) == Task::coding);
    CHECK(to_string(Task::analysis) == "analysis");
    CHECK(task_from_string("research") == Task::research);
    CHECK_FALSE(task_from_string("poetry").has_value());
}

TEST_CASE("model requirements: reported facts rule a model out, silence does not", "[model_choice]")
{
    ModelRequirements tools;
    tools.tools = true;
    auto silent = model("silent");
    auto no_tools = model("no-tools");
    no_tools.capabilities.tool_use = false;
    auto with_tools = model("with-tools");
    with_tools.capabilities.tool_use = true;
    CHECK(may_fit(silent, tools));
    CHECK_FALSE(confirmed(silent, tools));
    CHECK_FALSE(may_fit(no_tools, tools));
    CHECK(confirmed(with_tools, tools));

    ModelRequirements vision;
    vision.vision = true;
    CHECK_FALSE(may_fit(model("text-only", "llm"), vision)); // LM Studio's type says no images
    CHECK(confirmed(model("vl", "vlm"), vision));

    ModelRequirements chat;
    CHECK_FALSE(may_fit(model("embedder", "embedding"), chat));
    ModelRequirements embeddings;
    embeddings.embeddings = true;
    CHECK(may_fit(model("embedder", "embedding"), embeddings));
    CHECK_FALSE(may_fit(model("chatty"), embeddings));

    ModelRequirements context;
    context.min_context_length = 32000;
    auto small = model("small");
    small.capabilities.context_length = 131072;
    small.loaded_context_length = 4096; // loaded with less: that is what a call gets
    CHECK_FALSE(may_fit(small, context));
    auto large = model("large");
    large.capabilities.context_length = 131072;
    CHECK(may_fit(large, context));
    CHECK(confirmed(large, context));

    ChatRequest with_image = ask("what is this?");
    with_image.messages.back().parts.push_back(ContentPart::image("data:image/png;base64,AAAA"));
    with_image.tools.push_back(ToolDefinition{});
    auto const needs = requirements_of(with_image, ModelRequirements{});
    CHECK(needs.vision);
    CHECK(needs.tools);
}

TEST_CASE("rank_candidates: confirmed, task score, preference, loaded, larger context", "[model_choice]")
{
    ChoicePreferences preferences;
    preferences.prefer = {"b-model", "a-model"};
    preferences.task_scores["coder"][Task::coding] = 0.9;
    ChatRequest const coding = ask("refactor this function");
    ChoiceInput input;
    input.chat = &coding;
    input.task = classify_task(coding);
    input.preferences = &preferences;

    auto big = model("big");
    big.capabilities.context_length = 128000;
    auto ranked = rank_candidates(input, {candidate("ws", model("a-model")), candidate("ws", model("b-model")),
                                          candidate("box", model("coder")), candidate("box", big),
                                          candidate("box", model("warm"), true),
                                          candidate("box", model("embedder", "embedding"))});
    CHECK(ids(ranked) == std::vector<std::string>{"box/coder", "ws/b-model", "ws/a-model", "box/warm", "box/big"});

    input.task = Task::creative; // the coding score no longer counts
    ranked = rank_candidates(input, {candidate("box", model("coder")), candidate("ws", model("a-model"))});
    CHECK(ids(ranked) == std::vector<std::string>{"ws/a-model", "box/coder"});
}

TEST_CASE("router: a route by requirement picks among the models its servers report", "[model_choice][router]")
{
    test::LmStudioEmulatorFixture ws;
    test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        lmstudio::Options lo;
        lo.base_url = ws.server.base_url();
        RouterOptions o;
        o.providers = {{"ws", std::make_shared<lmstudio::Provider>(ex, lo)}};
        o.routes["eyes"].requirements = ModelRequirements{.tools = false, .vision = true, .embeddings = false,
                                                          .min_context_length = std::nullopt};
        o.routes["eyes"].candidates = {"ws"};
        o.routes["any"].requirements = ModelRequirements{};
        o.routes["any"].candidates = {"ws"};
        o.routes["huge"].requirements = ModelRequirements{.tools = false, .vision = false, .embeddings = false,
                                                          .min_context_length = 10'000'000};
        o.routes["huge"].candidates = {"ws"};
        Router router(std::move(o));

        ChatRequest hello;
        hello.model = "any";
        hello.messages.push_back(Message::user("hello"));
        auto const answer = co_await router.chat(hello);
        CHECK(answer.model == "qwen2.5-7b-instruct"); // the loaded one
        CHECK(answer.content == "Hello! You said: hello");

        ChatRequest look;
        look.model = "eyes";
        look.messages.push_back(Message::user("what is in the picture?"));
        auto const seen = co_await router.chat(look);
        CHECK(seen.model == "qwen2-vl-7b-instruct");

        EmbeddingRequest embed;
        embed.model = "any";
        embed.input = {"one", "two"};
        auto const vectors = co_await router.embed(embed);
        CHECK(vectors.model == "text-embedding-nomic-embed-text-v1.5");
        CHECK(vectors.embeddings.size() == 2);

        hello.model = "huge";
        try {
            co_await router.chat(hello);
            FAIL("no exception");
        } catch (ModelNotFoundError const& e) {
            CHECK(e.provider() == "router");
            CHECK(e.info().detail == "no model of the servers of route 'huge' meets its requirements");
        }
    });
}

TEST_CASE("router: a route with both targets and requirements is refused", "[model_choice][router]")
{
    RouterOptions o;
    o.routes["mixed"].targets = {{{"ws"}, "m"}};
    o.routes["mixed"].requirements = ModelRequirements{};
    auto const e = test::expect_error<InvalidRequestError>([&] { Router router(o); });
    CHECK(e.info().detail == "route 'mixed' gives both targets and requirements");
}

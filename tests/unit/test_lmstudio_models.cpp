// LM Studio's native API through the provider: the probe, model inventory as ModelInfo, and the
// LocalModelManager (load, unload, download with progress) against the LM Studio emulator.

#include "support/expect_error.hpp"
#include "support/lmstudio_fixture.hpp"
#include "support/run_async.hpp"

#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace llmio;
using test::expect_error;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

using emulators::LmStudioVersion;

emulators::LmStudioEmulatorConfig config(LmStudioVersion version)
{
    auto c = emulators::LmStudioEmulatorConfig::defaults();
    c.version = version;
    return c;
}

template <class T, class Call>
T run(test::LmStudioEmulatorFixture const& emulator, Call call)
{
    lmstudio::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    o.download_poll_interval = std::chrono::milliseconds(1);
    return test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<T> {
        lmstudio::Provider provider(ex, o);
        REQUIRE(provider.model_manager() != nullptr);
        co_return co_await call(provider, *provider.model_manager());
    });
}

ModelInfo const& by_id(std::vector<ModelInfo> const& models, std::string const& id)
{
    auto it = std::find_if(models.begin(), models.end(), [&](ModelInfo const& m) { return m.id == id; });
    REQUIRE(it != models.end());
    return *it;
}

std::size_t count_requests(test::LmStudioEmulatorFixture const& emulator, std::string const& target)
{
    auto const log = emulator.server.requests();
    return static_cast<std::size_t>(
        std::count_if(log.begin(), log.end(), [&](auto const& r) { return r.target == target; }));
}

void check_inventory(std::vector<ModelInfo> const& models)
{
    REQUIRE(models.size() == 4);
    auto const& qwen = by_id(models, "qwen2.5-7b-instruct");
    CHECK(qwen.type == "llm");
    CHECK(qwen.publisher == "lmstudio-community");
    CHECK(qwen.architecture == "qwen2");
    CHECK(qwen.quantization == "Q4_K_M");
    CHECK(qwen.format == "gguf");
    CHECK(qwen.loaded_known);
    CHECK(qwen.loaded);
    CHECK(qwen.loaded_context_length == 4096);
    CHECK(qwen.capabilities.context_length == 32768);
    CHECK(qwen.capabilities.tool_use == true);
    CHECK(qwen.capabilities.vision == false);
    CHECK(qwen.capabilities.embeddings == false);
    auto const& r1 = by_id(models, "deepseek-r1-reasoner");
    CHECK_FALSE(r1.loaded);
    CHECK_FALSE(r1.loaded_context_length);
    CHECK(r1.capabilities.tool_use == false);
    auto const& vlm = by_id(models, "qwen2-vl-7b-instruct");
    CHECK(vlm.type == "vlm");
    CHECK(vlm.capabilities.vision == true);
    CHECK(vlm.format == "mlx");
    auto const& embed = by_id(models, "text-embedding-nomic-embed-text-v1.5");
    CHECK(embed.type == "embedding");
    CHECK(embed.capabilities.embeddings == true);
    CHECK(embed.loaded_context_length == 2048);
}

} // namespace

TEST_CASE("lmstudio: the native API is probed once and remembered", "[lmstudio]")
{
    SECTION("0.4: /api/v1")
    {
        test::LmStudioEmulatorFixture emulator(config(LmStudioVersion::v1));
        auto api = run<lmstudio::NativeApi>(emulator, [](auto& p, auto&) -> asio::awaitable<lmstudio::NativeApi> {
            co_await p.list_models();
            co_await p.list_models();
            co_return co_await p.native_api();
        });
        CHECK(api == lmstudio::NativeApi::v1);
        CHECK(count_requests(emulator, "/api/v1/models") == 2); // the probe (the first list), then one list
        CHECK(count_requests(emulator, "/api/v0/models") == 0);
    }
    SECTION("0.3: /api/v0 after LM Studio's 200 'Unexpected endpoint' for /api/v1")
    {
        test::LmStudioEmulatorFixture emulator(config(LmStudioVersion::v0));
        auto api = run<lmstudio::NativeApi>(emulator, [](auto& p, auto&) -> asio::awaitable<lmstudio::NativeApi> {
            co_await p.list_models();
            co_await p.list_models();
            co_return co_await p.native_api();
        });
        CHECK(api == lmstudio::NativeApi::v0);
        CHECK(count_requests(emulator, "/api/v1/models") == 1);
        CHECK(count_requests(emulator, "/api/v0/models") == 2);
    }
    SECTION("before 0.3.6: /v1 only")
    {
        test::LmStudioEmulatorFixture emulator(config(LmStudioVersion::openai_only));
        auto models = run<std::vector<ModelInfo>>(emulator, [](auto& p, auto&) { return p.list_models(); });
        CHECK(models.size() == 4);
        CHECK(by_id(models, "qwen2.5-7b-instruct").owned_by == "organization_owner");
        CHECK(count_requests(emulator, "/v1/models") == 1);
    }
}

TEST_CASE("lmstudio: the first listing sends its native model request once", "[lmstudio]")
{
    for (auto version : {LmStudioVersion::v1, LmStudioVersion::v0}) {
        INFO("version " << static_cast<int>(version));
        test::LmStudioEmulatorFixture emulator(config(version));
        check_inventory(run<std::vector<ModelInfo>>(emulator, [](auto& p, auto&) { return p.list_models(); }));
        bool const v1 = version == LmStudioVersion::v1;
        CHECK(count_requests(emulator, "/api/v1/models") == 1);
        CHECK(count_requests(emulator, "/api/v0/models") == (v1 ? 0u : 1u));
        CHECK(emulator.server.requests_served() == (v1 ? 1u : 2u));
        emulator.server.clear_requests();
        check_inventory(run<std::vector<ModelInfo>>(emulator, [](auto&, auto& m) { return m.list_downloaded(); }));
        CHECK(count_requests(emulator, "/api/v1/models") == 1);
        CHECK(count_requests(emulator, "/api/v0/models") == (v1 ? 0u : 1u));
    }
}

TEST_CASE("lmstudio: model inventory from /api/v1 and /api/v0", "[lmstudio]")
{
    for (auto version : {LmStudioVersion::v1, LmStudioVersion::v0}) {
        INFO("version " << static_cast<int>(version));
        test::LmStudioEmulatorFixture emulator(config(version));
        check_inventory(run<std::vector<ModelInfo>>(emulator, [](auto& p, auto&) { return p.list_models(); }));
        check_inventory(run<std::vector<ModelInfo>>(emulator, [](auto&, auto& m) { return m.list_downloaded(); }));
        auto loaded = run<std::vector<ModelInfo>>(emulator, [](auto&, auto& m) { return m.list_loaded(); });
        REQUIRE(loaded.size() == 2);
        CHECK(loaded[0].id == "qwen2.5-7b-instruct");
        CHECK(loaded[1].id == "text-embedding-nomic-embed-text-v1.5");
        auto caps = run<std::optional<ModelCapabilities>>(
            emulator, [](auto& p, auto&) { return p.model_capabilities("qwen2-vl-7b-instruct"); });
        REQUIRE(caps);
        CHECK(caps->vision == true);
        CHECK_FALSE(run<bool>(emulator, [](auto& p, auto&) { return p.supports_model("nope"); }));
    }
    SECTION("v1 reports reasoning")
    {
        test::LmStudioEmulatorFixture emulator(config(LmStudioVersion::v1));
        auto models = run<std::vector<ModelInfo>>(emulator, [](auto& p, auto&) { return p.list_models(); });
        CHECK(by_id(models, "deepseek-r1-reasoner").capabilities.reasoning == true);
        CHECK(by_id(models, "qwen2.5-7b-instruct").capabilities.reasoning == false);
        CHECK(by_id(models, "qwen2.5-7b-instruct").size_bytes == 4683073952);
        CHECK(by_id(models, "qwen2.5-7b-instruct").display_name == "Qwen2.5 7B Instruct");
    }
}

TEST_CASE("lmstudio: load with a context length and flash attention", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    LoadOptions options;
    options.context_length = 8192;
    options.flash_attention = true;
    auto result = run<LoadResult>(emulator, [&](auto&, auto& m) { return m.load("deepseek-r1-reasoner", options); });
    CHECK(result.model == "deepseek-r1-reasoner");
    CHECK(result.instance_id == "deepseek-r1-reasoner");
    CHECK(result.load_time_seconds == Approx(1.25));
    CHECK(emulator.dialect->loaded_context_length("deepseek-r1-reasoner") == 8192);
    auto sent = json::parse(emulator.server.last_request()->body);
    CHECK(sent.at("context_length") == 8192);
    CHECK(sent.at("flash_attention") == true);
    CHECK(result.raw.at("load_config").at("flash_attention") == true);

    auto const e = expect_error<ModelNotFoundError>(
        [&] { run<LoadResult>(emulator, [&](auto&, auto& m) { return m.load("nope", LoadOptions{}); }); });
    CHECK(e.http_status() == 404);
    CHECK(e.provider() == "lmstudio");
}

TEST_CASE("lmstudio: what the server cannot do is refused before sending", "[lmstudio]")
{
    SECTION("ttl on load")
    {
        test::LmStudioEmulatorFixture emulator;
        LoadOptions options;
        options.ttl = std::chrono::seconds(60);
        auto const e = expect_error<InvalidRequestError>(
            [&] { run<LoadResult>(emulator, [&](auto&, auto& m) { return m.load("qwen2.5-7b-instruct", options); }); });
        CHECK(e.code() == errc::unsupported);
        CHECK(emulator.server.requests_served() == 0);
    }
    SECTION("load, unload and download on 0.3 (no /api/v1)")
    {
        test::LmStudioEmulatorFixture emulator(config(LmStudioVersion::v0));
        auto const e = expect_error<InvalidRequestError>(
            [&] { run<LoadResult>(emulator, [&](auto&, auto& m) { return m.load("qwen2.5-7b-instruct", LoadOptions{}); }); });
        CHECK(e.code() == errc::unsupported);
        CHECK(e.hint().find("lms load") != std::string::npos);
        CHECK(count_requests(emulator, "/api/v1/models/load") == 0);
        CHECK_THROWS_AS(run<DownloadResult>(emulator, [](auto&, auto& m) { return m.download("x", nullptr); }),
                        InvalidRequestError);
    }
    SECTION("listing on a /v1-only server")
    {
        test::LmStudioEmulatorFixture emulator(config(LmStudioVersion::openai_only));
        auto const e = expect_error<InvalidRequestError>(
            [&] { run<std::vector<ModelInfo>>(emulator, [](auto&, auto& m) { return m.list_downloaded(); }); });
        CHECK(e.code() == errc::unsupported);
    }
}

TEST_CASE("lmstudio: unload every instance of a model", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    run<bool>(emulator, [](auto&, auto& m) -> asio::awaitable<bool> {
        co_await m.unload("qwen2.5-7b-instruct");
        co_return true;
    });
    CHECK_FALSE(emulator.dialect->loaded_context_length("qwen2.5-7b-instruct"));
    CHECK(json::parse(emulator.server.last_request()->body).at("instance_id") == "qwen2.5-7b-instruct");

    // Not loaded: nothing to send.
    emulator.server.clear_requests();
    run<bool>(emulator, [](auto&, auto& m) -> asio::awaitable<bool> {
        co_await m.unload("deepseek-r1-reasoner");
        co_return true;
    });
    CHECK(count_requests(emulator, "/api/v1/models/unload") == 0);

    auto const e = expect_error<ModelNotFoundError>([&] {
        run<bool>(emulator, [](auto&, auto& m) -> asio::awaitable<bool> {
            co_await m.unload("nope");
            co_return true;
        });
    });
    CHECK(e.http_status() == 404);
}

TEST_CASE("lmstudio: download reports bytes, rate and ETA until completed", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    std::vector<DownloadProgress> seen;
    auto result = run<DownloadResult>(emulator, [&](auto&, auto& m) {
        return m.download("openai/gpt-oss-20b", [&](DownloadProgress const& p) { seen.push_back(p); });
    });
    std::uint64_t const total = 12 * 1024 * 1024;
    CHECK(result.model == "openai/gpt-oss-20b");
    CHECK(result.status == "completed");
    CHECK(result.total_bytes == total);
    REQUIRE(seen.size() == 4); // the start answer and three polls
    CHECK(seen.front().completed_bytes == 0);
    for (std::size_t i = 1; i < seen.size(); ++i)
        CHECK(seen[i].completed_bytes >= seen[i - 1].completed_bytes);
    CHECK(seen.back().completed_bytes == total);
    CHECK(seen.back().status == "completed");
    CHECK(seen[1].status == "downloading");
    CHECK(seen[1].total_bytes == total);
    REQUIRE(seen[1].bytes_per_second);
    REQUIRE(seen[1].eta);
    auto const left = static_cast<double>(total - seen[1].completed_bytes);
    CHECK(seen[1].eta->count() == static_cast<std::int64_t>(std::ceil(left / *seen[1].bytes_per_second)));
    CHECK(emulator.dialect->downloaded("openai/gpt-oss-20b"));

    SECTION("already downloaded")
    {
        std::vector<DownloadProgress> again;
        auto r = run<DownloadResult>(emulator, [&](auto&, auto& m) {
            return m.download("openai/gpt-oss-20b", [&](DownloadProgress const& p) { again.push_back(p); });
        });
        CHECK(r.status == "already_downloaded");
        CHECK(again.size() == 1);
    }
    SECTION("unknown model")
    {
        CHECK_THROWS_AS(run<DownloadResult>(emulator, [](auto&, auto& m) { return m.download("no/such", nullptr); }),
                        ModelNotFoundError);
    }
}

TEST_CASE("lmstudio: cancelling a download stops following the job", "[lmstudio]")
{
    test::LmStudioEmulatorFixture emulator;
    lmstudio::Options o;
    o.base_url = emulator.server.base_url();
    o.download_poll_interval = std::chrono::seconds(30);
    auto const started = std::chrono::steady_clock::now();
    auto which = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::size_t> {
        using namespace asio::experimental::awaitable_operators;
        lmstudio::Provider provider(ex, o);
        asio::steady_timer timer(ex, std::chrono::milliseconds(100));
        auto r = co_await (provider.model_manager()->download("openai/gpt-oss-20b", nullptr) ||
                           timer.async_wait(asio::use_awaitable));
        co_return r.index();
    });
    CHECK(which == 1);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    CHECK(count_requests(emulator, "/api/v1/models/download") == 1);
    CHECK_FALSE(emulator.dialect->downloaded("openai/gpt-oss-20b"));
}

TEST_CASE("lmstudio: native answers of the wrong shape are MalformedResponseError", "[lmstudio]")
{
    for (std::string_view body : {R"({"models":5})", R"({"models":[{"key":7}]})", "not json", R"([1])"}) {
        INFO(body);
        auto const e = expect_error<MalformedResponseError>([&] { lmstudio::parse_api_v1_models(body); });
        CHECK(e.info().raw_body == body);
    }
    CHECK_THROWS_AS(lmstudio::parse_api_v0_models(R"({"data":[{"state":"loaded"}]})"), MalformedResponseError);
    CHECK_THROWS_AS(lmstudio::parse_download_state(R"({"job_id":"j"})"), MalformedResponseError);
    CHECK_THROWS_AS(lmstudio::parse_load_response(R"({"load_time_seconds":"x"})", "m"), MalformedResponseError);
}

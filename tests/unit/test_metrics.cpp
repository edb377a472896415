// llmio::Metrics: the registry (buckets, percentiles, the Prometheus text parsed back), the
// per-request meter on an injected clock, and what the providers record against the emulators
// (usage, server figures, connections, outcomes per error kind). No wall-clock assertions:
// exact figures come from an injected clock, the rest is checked as counts and orderings.

#include "support/lmstudio_fixture.hpp"
#include "support/ollama_fixture.hpp"
#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <llmio/config.hpp>
#include <llmio/error.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/metrics.hpp>
#include <llmio/ollama/factory.hpp>
#include <llmio/ollama/provider.hpp>
#include <llmio/openai/provider.hpp>
#include <llmio/registry.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace llmio;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// An owned copy of what the observer saw.
struct Seen {
    std::string provider;
    std::string model;
    Operation operation = Operation::chat;
    std::string outcome;
    bool cancelled = false;
    RequestRecord::Duration total{};
    std::optional<RequestRecord::Duration> queue_wait;
    std::optional<RequestRecord::Duration> connect;
    bool reused = false;
    std::optional<RequestRecord::Duration> first_byte;
    std::optional<RequestRecord::Duration> first_token;
    std::int64_t tokens_in = 0;
    std::int64_t tokens_out = 0;
    bool counted = false;
    std::optional<double> tokens_per_second;
    int retries = 0;
    std::uint64_t bytes = 0;
    std::optional<ServerStats> server;
};

struct Observed {
    std::mutex mutex;
    std::vector<Seen> records;

    MetricsOptions options()
    {
        MetricsOptions o;
        o.observer = [this](RequestRecord const& r) {
            Seen s;
            s.provider = r.provider;
            s.model = r.model;
            s.operation = r.operation;
            s.outcome = outcome_name(r.error);
            s.cancelled = r.cancelled;
            s.total = r.total;
            s.queue_wait = r.queue_wait;
            s.connect = r.connect;
            s.reused = r.connection_reused;
            s.first_byte = r.time_to_first_byte;
            s.first_token = r.time_to_first_token;
            s.tokens_in = r.tokens_in;
            s.tokens_out = r.tokens_out;
            s.counted = r.tokens_out_counted;
            s.tokens_per_second = r.tokens_per_second;
            s.retries = r.retries;
            s.bytes = r.bytes_received;
            if (r.server)
                s.server = *r.server;
            std::lock_guard lock(mutex);
            records.push_back(std::move(s));
        };
        return o;
    }
};

RequestRecord record_of(std::string_view provider, std::string_view model, std::optional<ErrorKind> error,
                        RequestRecord::Duration total)
{
    RequestRecord r;
    r.provider = provider;
    r.model = model;
    r.error = error;
    r.total = total;
    return r;
}

ChatRequest ask(std::string model, std::string text)
{
    ChatRequest r;
    r.model = std::move(model);
    r.messages.push_back(Message::user(std::move(text)));
    return r;
}

// One sample line of the text format: name, labels, value.
struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

// Parses every line of `text`: comments must be HELP or TYPE lines, every other line a
// well-formed sample (escapes in label values undone). Fails the test on anything else.
std::vector<Sample> parse_exposition(std::string const& text, std::map<std::string, std::string>& types)
{
    static std::regex const sample_line(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$)");
    static std::regex const label(R"re(^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$))re");
    static std::regex const type_line(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|histogram)$)");
    static std::regex const help_line(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$)");
    std::vector<Sample> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::smatch m;
        if (std::regex_match(line, m, type_line)) {
            types[m[1].str()] = m[2].str();
            continue;
        }
        if (std::regex_match(line, m, help_line))
            continue;
        INFO(line);
        REQUIRE(std::regex_match(line, m, sample_line));
        Sample s;
        s.name = m[1].str();
        std::string rest = m[2].str();
        while (!rest.empty()) {
            std::smatch l;
            REQUIRE(std::regex_search(rest, l, label));
            std::string value;
            std::string const raw = l[2].str();
            for (std::size_t i = 0; i < raw.size(); ++i) {
                if (raw[i] == '\\') {
                    ++i;
                    value += raw[i] == 'n' ? '\n' : raw[i];
                } else {
                    value += raw[i];
                }
            }
            s.labels[l[1].str()] = value;
            rest = rest.substr(static_cast<std::size_t>(l.length(0)));
        }
        std::string const value = m[3].str();
        s.value = value == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(value);
        out.push_back(std::move(s));
    }
    return out;
}

std::string series_key(Sample const& s)
{
    std::string key;
    for (auto const& [k, v] : s.labels)
        if (k != "le")
            key += k + "=" + v + ";";
    return key;
}

} // namespace

TEST_CASE("Metrics: log-scale buckets, counts and interpolated percentiles", "[metrics]")
{
    Metrics metrics;
    metrics.record(record_of("ollama", "m", std::nullopt, 1500us));
    metrics.record(record_of("ollama", "m", std::nullopt, 3ms));
    metrics.record(record_of("ollama", "m", std::nullopt, 100ms));
    metrics.record(record_of("ollama", "m", ErrorKind::timeout, 300s));

    auto const snap = metrics.snapshot();
    REQUIRE(snap.series.size() == 2);
    auto const& ok = snap.series[0];
    CHECK(ok.provider == "ollama");
    CHECK(ok.model == "m");
    CHECK(ok.operation == "chat");
    CHECK(ok.outcome == "success");
    CHECK(ok.count(Count::requests) == 3);
    auto const& h = ok.histogram(Measure::duration);
    REQUIRE(h.bounds.size() == 18);
    CHECK(h.bounds.front() == 0.001);
    CHECK(h.bounds[1] == 0.002);
    CHECK(h.bounds.back() == Approx(131.072));
    CHECK(h.count == 3);
    CHECK(h.counts[1] == 1); // 1.5 ms <= 2 ms
    CHECK(h.counts[2] == 1); // 3 ms <= 4 ms
    CHECK(h.counts[7] == 1); // 100 ms <= 128 ms
    CHECK(h.sum == Approx(0.1045));
    // The median is the second of three: half way into the (2 ms, 4 ms] bucket.
    CHECK(*h.percentile(0.5) == Approx(0.003));
    CHECK(*h.percentile(1.0) == Approx(0.128));
    CHECK_FALSE(ok.histogram(Measure::time_to_first_token).percentile(0.5).has_value());

    auto const& slow = snap.series[1];
    CHECK(slow.outcome == "timeout");
    CHECK(slow.histogram(Measure::duration).counts.back() == 1); // beyond 131 s: +Inf
    CHECK(*slow.histogram(Measure::duration).percentile(0.99) == Approx(131.072));

    auto const all = snap.merged("ollama");
    CHECK(all.count(Count::requests) == 4);
    CHECK(all.histogram(Measure::duration).count == 4);
    CHECK(snap.merged("other").count(Count::requests) == 0);
}

TEST_CASE("Metrics: the Prometheus text parses back, buckets cumulative, _count = requests", "[metrics]")
{
    Metrics metrics;
    auto r1 = record_of("lmstudio", "qwen", std::nullopt, 250ms);
    r1.time_to_first_byte = 20ms;
    r1.time_to_first_token = 40ms;
    r1.tokens_in = 12;
    r1.tokens_out = 30;
    r1.tokens_per_second = 142.5;
    r1.bytes_received = 900;
    r1.operation = Operation::chat_stream;
    ServerStats stats;
    stats.tokens_per_second = 51.43;
    r1.server = &stats;
    metrics.record(r1);
    metrics.record(r1);
    metrics.record(record_of("lmstudio", "qwen", ErrorKind::rate_limit, 5ms));
    metrics.record(record_of("ollama", "we\"ird\\mo\ndel", ErrorKind::model_not_found, 1ms));

    auto const text = metrics.to_prometheus();
    CHECK(text.find(R"(model="we\"ird\\mo\ndel")") != std::string::npos);
    CHECK(text.find("# TYPE llmio_requests_total counter\n") != std::string::npos);
    CHECK(text.find("# TYPE llmio_time_to_first_token_seconds histogram\n") != std::string::npos);

    std::map<std::string, std::string> types;
    auto const samples = parse_exposition(text, types);
    REQUIRE_FALSE(samples.empty());

    double requests = 0;
    std::map<std::string, std::vector<Sample>> buckets; // name + series -> in order
    std::map<std::string, double> counts;
    for (auto const& s : samples) {
        INFO(s.name);
        CHECK(s.name.rfind("llmio_", 0) == 0);
        std::string family = s.name;
        for (std::string_view suffix : {"_bucket", "_sum", "_count"})
            if (types.count(family) == 0 && family.size() > suffix.size() &&
                family.compare(family.size() - suffix.size(), suffix.size(), suffix) == 0)
                family.resize(family.size() - suffix.size());
        REQUIRE(types.count(family) == 1); // every sample has its TYPE line
        CHECK(s.labels.count("provider") == 1);
        CHECK(s.labels.count("model") == 1);
        CHECK(s.labels.count("operation") == 1);
        CHECK(s.labels.count("outcome") == 1);
        if (s.name == "llmio_requests_total")
            requests += s.value;
        if (s.name.ends_with("_bucket"))
            buckets[family + "|" + series_key(s)].push_back(s);
        if (s.name.ends_with("_count"))
            counts[family + "|" + series_key(s)] = s.value;
        if (s.name == "llmio_request_duration_seconds_count" && s.labels.at("model") == "we\"ird\\mo\ndel")
            CHECK(s.labels.at("outcome") == "model_not_found");
    }
    CHECK(requests == 4);
    REQUIRE(buckets.size() == counts.size());
    for (auto const& [key, series] : buckets) {
        INFO(key);
        for (std::size_t i = 1; i < series.size(); ++i)
            CHECK(series[i].value >= series[i - 1].value); // cumulative
        CHECK(series.back().labels.at("le") == "+Inf");
        CHECK(series.back().value == counts.at(key));
    }
    double durations = 0;
    for (auto const& [key, count] : counts)
        if (key.rfind("llmio_request_duration_seconds|", 0) == 0)
            durations += count;
    CHECK(durations == 4);
    CHECK(counts.at("llmio_time_to_first_token_seconds|model=qwen;operation=chat_stream;outcome=success;"
                    "provider=lmstudio;") == 2);
    CHECK(counts.at("llmio_server_output_tokens_per_second|model=qwen;operation=chat_stream;outcome=success;"
                    "provider=lmstudio;") == 2);
}

TEST_CASE("Metrics: a meter on an injected clock measures each phase exactly", "[metrics]")
{
    Observed seen;
    auto now = std::chrono::steady_clock::time_point{} + 1h;
    auto options = seen.options();
    options.clock = [&now] { return now; };
    auto metrics = std::make_shared<Metrics>(options);

    {
        RequestMeter meter(metrics, "lmstudio", "qwen", Operation::chat_stream);
        now += 100ms;
        meter.response_head(5ms, 2ms, false, 1);
        now += 200ms;
        meter.token(); // the first token: 300 ms after the start
        now += 500ms;
        meter.token();
        meter.token();
        meter.add_bytes(64);
        meter.add_bytes(36);
        now += 500ms;
        meter.token();
        Usage usage;
        usage.prompt_tokens = 7;
        usage.completion_tokens = 20; // the server's count wins over the 4 counted chunks
        meter.set_usage(usage);
        ServerStats stats;
        stats.tokens_per_second = 40;
        meter.set_stats(stats);
        meter.succeed();
        meter.succeed(); // once only
    }
    {
        RequestMeter counted(metrics, "lmstudio", "", Operation::chat_stream);
        counted.set_answer_model("server-default");
        now += 50ms;
        counted.token();
        now += 1s;
        counted.token();
        counted.token();
        counted.succeed();
    }
    {
        RequestMeter dropped(metrics, "lmstudio", "qwen", Operation::chat_stream);
        now += 10ms;
    } // destroyed unfinished: a stream dropped before its end

    REQUIRE(seen.records.size() == 3);
    auto const& a = seen.records[0];
    CHECK(a.outcome == "success");
    CHECK(a.total == 1300ms);
    CHECK(a.first_byte == std::optional<RequestRecord::Duration>(100ms));
    CHECK(a.first_token == std::optional<RequestRecord::Duration>(300ms));
    CHECK(a.queue_wait == std::optional<RequestRecord::Duration>(5ms));
    CHECK(a.connect == std::optional<RequestRecord::Duration>(2ms));
    CHECK_FALSE(a.reused);
    CHECK(a.retries == 1);
    CHECK(a.bytes == 100);
    CHECK(a.tokens_in == 7);
    CHECK(a.tokens_out == 20);
    CHECK_FALSE(a.counted);
    CHECK(*a.tokens_per_second == Approx(20.0)); // 20 tokens over the 1 s after the first
    CHECK(a.server->tokens_per_second == std::optional<double>(40));

    auto const& b = seen.records[1];
    CHECK(b.model == "server-default");
    CHECK(b.tokens_out == 3);
    CHECK(b.counted);
    CHECK(*b.tokens_per_second == Approx(3.0));
    CHECK_FALSE(b.first_byte);
    CHECK_FALSE(b.server);

    auto const& c = seen.records[2];
    CHECK(c.outcome == "cancelled");
    CHECK(c.cancelled);
    CHECK(c.total == 10ms);

    auto const snap = metrics->snapshot().merged("lmstudio", "qwen");
    CHECK(snap.count(Count::requests) == 2);
    CHECK(snap.count(Count::tokens_out) == 20);
    CHECK(snap.count(Count::retries) == 1);
    CHECK(snap.count(Count::new_connections) == 1);
    CHECK(snap.histogram(Measure::time_to_first_token).sum == Approx(0.3));
    CHECK(snap.histogram(Measure::server_tokens_per_second).sum == Approx(40));
}

TEST_CASE("Metrics: an observer that throws does not fail the request", "[metrics]")
{
    MetricsOptions options;
    options.observer = [](RequestRecord const&) { throw std::runtime_error("telemetry down"); };
    Metrics metrics(options);
    metrics.record(record_of("p", "m", std::nullopt, 1ms));
    CHECK(metrics.snapshot().merged().count(Count::requests) == 1);
}

namespace {

struct OllamaHarness {
    test::OllamaEmulatorFixture emulator;
    Observed seen;
    std::shared_ptr<Metrics> metrics = std::make_shared<Metrics>(seen.options());
    asio::io_context io;
    ollama::OllamaProvider provider{io.get_executor(), options()};

    ollama::Options options()
    {
        ollama::Options o;
        o.base_url = emulator.server.base_url();
        o.retry = RetryPolicy::none();
        o.metrics = metrics;
        return o;
    }

    template <class T>
    T run(asio::awaitable<T> op)
    {
        auto f = asio::co_spawn(io, std::move(op), asio::use_future);
        io.restart();
        io.run_for(20s);
        return f.get();
    }
};

asio::awaitable<std::size_t> read_all(ChatStream stream)
{
    std::size_t chunks = 0;
    while (auto chunk = co_await stream.next())
        ++chunks;
    co_return chunks;
}

// Opens a stream and reads it to the end; `at_open` is how many requests were recorded when it
// had opened.
asio::awaitable<std::size_t> open_and_read(ModelProvider& provider, ChatRequest request, Observed& seen,
                                           std::size_t& at_open)
{
    auto stream = co_await provider.chat_stream(std::move(request));
    {
        std::lock_guard lock(seen.mutex);
        at_open = seen.records.size();
    }
    co_return co_await read_all(std::move(stream));
}

asio::awaitable<std::string> read_one_then_close(ModelProvider& provider, ChatRequest request)
{
    auto stream = co_await provider.chat_stream(std::move(request));
    auto chunk = co_await stream.next();
    std::string text = chunk ? chunk->content : std::string();
    stream.close();
    co_return text;
}

} // namespace

TEST_CASE("Metrics: Ollama chats record usage, server figures and the reused connection", "[metrics]")
{
    OllamaHarness h;
    auto const first = h.run(h.provider.chat(ask("llama3.2", "hi there")));
    auto const second = h.run(h.provider.chat(ask("llama3.2", "hi there")));
    CHECK(first.content == "Hello! You said: hi there");
    CHECK(second.content == first.content);

    REQUIRE(h.seen.records.size() == 2);
    auto const& a = h.seen.records[0];
    CHECK(a.provider == "ollama");
    CHECK(a.model == "llama3.2");
    CHECK(a.operation == Operation::chat);
    CHECK(a.outcome == "success");
    CHECK_FALSE(a.cancelled);
    CHECK(a.tokens_in == 2);  // "hi there"
    CHECK(a.tokens_out == 5); // "Hello!", " You", " said:", " hi", " there"
    CHECK_FALSE(a.counted);
    CHECK(a.retries == 0);
    CHECK(a.bytes > 0);
    CHECK_FALSE(a.reused);
    CHECK(a.connect.has_value());
    CHECK_FALSE(a.queue_wait.has_value()); // a slot was free
    REQUIRE(a.first_byte.has_value());
    CHECK(*a.first_byte <= a.total);
    CHECK_FALSE(a.first_token.has_value()); // whole answers have none
    // The emulator's durations: eval 5 * 10 ms + 1 ms, prompt 2 * 1 ms + 1 ms, a first load.
    REQUIRE(a.server.has_value());
    CHECK(*a.server->tokens_per_second == Approx(5 / 0.051));
    CHECK(*a.server->generation_time_s == Approx(0.051));
    CHECK(*a.server->time_to_first_token_s == Approx(0.003));
    CHECK(*a.server->model_load_time_s == Approx(0.5));

    auto const& b = h.seen.records[1];
    CHECK(b.reused);
    CHECK_FALSE(b.connect.has_value());
    CHECK(*b.server->model_load_time_s == Approx(0.001)); // already loaded

    auto const snap = h.metrics->snapshot().merged("ollama", "llama3.2", "success");
    CHECK(snap.count(Count::requests) == 2);
    CHECK(snap.count(Count::new_connections) == 1);
    CHECK(snap.count(Count::reused_connections) == 1);
    CHECK(snap.count(Count::tokens_in) == 4);
    CHECK(snap.count(Count::tokens_out) == 10);
    CHECK(snap.count(Count::bytes_received) == a.bytes + b.bytes);
    CHECK(snap.histogram(Measure::server_model_load).count == 2);
    CHECK(snap.histogram(Measure::connect).count == 1);
}

TEST_CASE("Metrics: an Ollama stream records its first token and ends a success", "[metrics]")
{
    OllamaHarness h;
    std::size_t at_open = 99;
    auto const chunks = h.run(open_and_read(h.provider, ask("llama3.2", "hi there"), h.seen, at_open));
    CHECK(at_open == 0); // recorded at the stream's end, not when it opens
    CHECK(chunks == 6); // five tokens, then the final chunk with the figures

    REQUIRE(h.seen.records.size() == 1);
    auto const& r = h.seen.records[0];
    CHECK(r.operation == Operation::chat_stream);
    CHECK(r.outcome == "success");
    CHECK(r.tokens_in == 2);
    CHECK(r.tokens_out == 5);
    REQUIRE(r.first_byte.has_value());
    REQUIRE(r.first_token.has_value());
    CHECK(*r.first_byte <= *r.first_token);
    CHECK(*r.first_token <= r.total);
    CHECK(r.bytes > 0);
    REQUIRE(r.server.has_value());
    CHECK(*r.server->tokens_per_second == Approx(5 / 0.051));
    CHECK(h.metrics->snapshot().merged().histogram(Measure::time_to_first_token).count == 1);
}

TEST_CASE("Metrics: a stream closed before its end is cancelled", "[metrics]")
{
    OllamaHarness h;
    auto const text = h.run(read_one_then_close(h.provider, ask("llama3.2", "hi there")));
    CHECK(text == "Hello!");
    REQUIRE(h.seen.records.size() == 1);
    CHECK(h.seen.records[0].outcome == "cancelled");
    CHECK(h.seen.records[0].cancelled);
    CHECK(h.seen.records[0].first_token.has_value());
    CHECK(h.seen.records[0].tokens_out == 1); // counted: no usage came
    CHECK(h.seen.records[0].counted);
}

TEST_CASE("Metrics: an unknown model is recorded as model_not_found", "[metrics]")
{
    OllamaHarness h;
    CHECK_THROWS_AS(h.run(h.provider.chat(ask("no-such-model", "hi"))), ModelNotFoundError);
    REQUIRE(h.seen.records.size() == 1);
    CHECK(h.seen.records[0].outcome == "model_not_found");
    CHECK(h.seen.records[0].model == "no-such-model");
    CHECK_FALSE(h.seen.records[0].cancelled);
    CHECK(h.metrics->snapshot().merged("ollama", "no-such-model", "model_not_found").count(Count::requests) == 1);
}

namespace {

// The outcome an OpenAI-compatible provider records for a server that answers every request
// with `reply`, and the retries it made under `retry`.
std::pair<std::string, int> outcome_for(std::string reply, RetryPolicy retry = RetryPolicy::none())
{
    test::ScriptedServer server([reply](test::ServerConnection& c) -> asio::awaitable<void> {
        while (auto request = co_await c.read_request())
            co_await c.write(reply);
    });
    Observed seen;
    auto metrics = std::make_shared<Metrics>(seen.options());
    openai::Options o;
    o.base_url = server.base_url();
    o.retry = retry;
    o.metrics = metrics;
    try {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
            openai::OpenAICompatibleProvider provider(ex, o);
            co_return co_await provider.chat(ask("m", "hi"));
        });
    } catch (ProviderError const&) {
    }
    REQUIRE(seen.records.size() == 1);
    return {seen.records[0].outcome, seen.records[0].retries};
}

} // namespace

TEST_CASE("Metrics: outcomes per error kind", "[metrics]")
{
    auto const error = [](int status, char const* message, std::string_view extra = "") {
        return test::http_response(status, std::string(R"({"error":{"message":")") + message + R"("}})",
                                   "application/json", extra);
    };
    CHECK(outcome_for(error(401, "bad key")) == std::pair<std::string, int>("authentication", 0));
    CHECK(outcome_for(error(429, "slow down")) == std::pair<std::string, int>("rate_limit", 0));
    CHECK(outcome_for(error(400, "bad request")) == std::pair<std::string, int>("invalid_request", 0));
    CHECK(outcome_for(test::http_response(200, "<html>portal</html>", "text/html")) ==
          std::pair<std::string, int>("malformed_response", 0));
    RetryPolicy twice;
    twice.max_retries = 2;
    twice.initial_backoff = 0ms;
    twice.max_backoff = 0ms;
    CHECK(outcome_for(error(500, "boom"), twice) == std::pair<std::string, int>("server", 2));

    // Nothing listens: a network error, recorded without a response head.
    Observed seen;
    auto metrics = std::make_shared<Metrics>(seen.options());
    openai::Options o;
    o.base_url = "http://127.0.0.1:" + std::to_string(test::unused_port());
    o.retry = RetryPolicy::none();
    o.metrics = metrics;
    CHECK_THROWS_AS(test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
                        openai::OpenAICompatibleProvider provider(ex, o);
                        co_return co_await provider.chat(ask("m", "hi"));
                    }),
                    NetworkError);
    REQUIRE(seen.records.size() == 1);
    CHECK(seen.records[0].outcome == "network");
    CHECK_FALSE(seen.records[0].first_byte.has_value());
    CHECK(metrics->snapshot().merged().count(Count::new_connections) == 0);
}

TEST_CASE("Metrics: LM Studio stats and a streamed usage are recorded", "[metrics]")
{
    test::LmStudioEmulatorFixture emulator;
    Observed seen;
    auto metrics = std::make_shared<Metrics>(seen.options());
    lmstudio::Options o;
    o.base_url = emulator.server.base_url();
    o.retry = RetryPolicy::none();
    o.metrics = metrics;
    auto const chunks = test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<std::size_t> {
        lmstudio::Provider provider(ex, o);
        auto answer = co_await provider.chat(ask("qwen2.5-7b-instruct", "hi there"));
        (void)answer;
        auto stream = co_await provider.chat_stream(ask("qwen2.5-7b-instruct", "hi there"));
        co_return co_await read_all(std::move(stream));
    });
    CHECK(chunks > 0);
    REQUIRE(seen.records.size() == 2);
    auto const& whole = seen.records[0];
    CHECK(whole.provider == "lmstudio");
    CHECK(whole.outcome == "success");
    REQUIRE(whole.server.has_value());
    CHECK(*whole.server->tokens_per_second == Approx(51.43));
    CHECK(*whole.server->time_to_first_token_s == Approx(0.111));
    CHECK(*whole.server->generation_time_s == Approx(0.954));
    CHECK(whole.tokens_out == 5);

    auto const& streamed = seen.records[1];
    CHECK(streamed.operation == Operation::chat_stream);
    CHECK(streamed.tokens_in == 2);
    CHECK(streamed.tokens_out == 5); // from the include_usage trailer
    CHECK_FALSE(streamed.counted);
    CHECK(streamed.first_token.has_value());
    CHECK(streamed.reused); // the pool kept the first request's connection

    auto const snap = metrics->snapshot().merged("lmstudio");
    CHECK(snap.histogram(Measure::server_tokens_per_second).count == 1);
    CHECK(snap.histogram(Measure::tokens_per_second).count == 2);
}

TEST_CASE("Metrics: the registry defaults carry the Metrics to configured providers", "[metrics]")
{
    auto metrics = std::make_shared<Metrics>();
    ollama::Options base;
    base.metrics = metrics;
    ProviderRegistry registry;
    ollama::register_provider(registry, Environment::from_map({}), base);
    asio::io_context io;
    auto provider = registry.create("ollama", io.get_executor());
    CHECK(provider->metrics() == metrics);

    ollama::Options plain;
    ollama::OllamaProvider unmeasured(io.get_executor(), plain);
    CHECK(unmeasured.metrics() == nullptr);
}

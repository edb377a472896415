// The floor: a minimal hand-written Beast client doing the same work as the llmio driver.
// One keep-alive connection per worker, 64 KiB reads (Beast's default read size), one deadline
// timer per request, a Boost.JSON DOM per event.
#include "harness.hpp"

#include "../canned_server/responses.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <exception>
#include <optional>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using namespace llmio::bench;

namespace {

struct Work {
    Args args;
    tcp::endpoint endpoint;
    std::string host;
    std::string expected;
    std::size_t next = 0;
    std::size_t tokens = 0;
};

std::string request_body(Args const& args)
{
    json::object body;
    body["model"] = args.workload == "w4" ? "llama3.2" : "gpt-4o-mini";
    body["messages"] = json::array{json::object{{"role", "user"}, {"content", "Say hello."}}};
    if (args.workload == "w4") {
        body["stream"] = true;
        body["options"] = json::object{{"num_predict", args.tokens}};
    } else if (args.workload != "w1") {
        body["stream"] = true;
        body["max_tokens"] = args.tokens;
        body["stream_options"] = json::object{{"include_usage", true}};
    }
    return json::serialize(body);
}

// Splits the body into lines and hands each complete one to `on_line`.
template <class OnLine>
struct LineSplitter {
    std::string pending;
    OnLine on_line;
    void feed(std::string_view bytes)
    {
        std::size_t start = 0;
        for (;;) {
            auto const nl = bytes.find('\n', start);
            if (nl == std::string_view::npos)
                break;
            if (pending.empty()) {
                on_line(bytes.substr(start, nl - start));
            } else {
                pending.append(bytes.substr(start, nl - start));
                on_line(std::string_view(pending));
                pending.clear();
            }
            start = nl + 1;
        }
        pending.append(bytes.substr(start));
    }
};

struct Stats {
    std::string content;
    std::size_t tokens = 0;
    bool finished = false;
    std::int64_t usage_tokens = -1;
};

void on_sse_line(Stats& s, std::string_view line)
{
    if (line.rfind("data: ", 0) != 0)
        return;
    auto const data = line.substr(6);
    if (data == "[DONE]")
        return;
    boost::system::error_code ec;
    auto value = json::parse(data, ec);
    if (ec || !value.is_object())
        fail("bad event");
    auto const& event = value.get_object();
    if (auto const* usage = event.if_contains("usage"); usage && usage->is_object())
        s.usage_tokens = usage->get_object().at("completion_tokens").to_number<std::int64_t>();
    auto const* choices = event.if_contains("choices");
    if (!choices || !choices->is_array() || choices->get_array().empty())
        return;
    auto const& choice = choices->get_array()[0].get_object();
    if (auto const* delta = choice.if_contains("delta"); delta && delta->is_object())
        if (auto const* c = delta->get_object().if_contains("content"); c && c->is_string() && !c->get_string().empty()) {
            s.content.append(c->get_string());
            ++s.tokens;
        }
    if (auto const* f = choice.if_contains("finish_reason"); f && f->is_string())
        s.finished = f->get_string() == "stop";
}

void on_ndjson_line(Stats& s, std::string_view line)
{
    if (line.empty())
        return;
    boost::system::error_code ec;
    auto value = json::parse(line, ec);
    if (ec || !value.is_object())
        fail("bad line");
    auto const& event = value.get_object();
    if (auto const* m = event.if_contains("message"); m && m->is_object())
        if (auto const* c = m->get_object().if_contains("content"); c && c->is_string() && !c->get_string().empty()) {
            s.content.append(c->get_string());
            ++s.tokens;
        }
    if (auto const* d = event.if_contains("done"); d && d->is_bool() && d->get_bool()) {
        s.finished = true;
        s.usage_tokens = event.at("eval_count").to_number<std::int64_t>();
    }
}

asio::awaitable<void> worker(Work& work)
{
    auto const executor = co_await asio::this_coro::executor;
    tcp::socket socket(executor);
    co_await socket.async_connect(work.endpoint, asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    beast::flat_buffer buffer;
    // Beast reads the buffer's free space (at least 512 bytes): reserve what the floor promises.
    buffer.reserve(64 * 1024);
    bool const ollama = work.args.workload == "w4";
    http::request<http::string_body> request{http::verb::post, ollama ? "/api/chat" : "/v1/chat/completions", 11};
    request.set(http::field::host, work.host);
    request.set(http::field::content_type, "application/json");
    request.set(http::field::authorization, "Bearer sk-bench");
    request.body() = request_body(work.args);
    request.prepare_payload();

    while (work.next < work.args.requests) {
        ++work.next;
        asio::steady_timer deadline(executor, std::chrono::minutes(2));
        deadline.async_wait([&socket](boost::system::error_code ec) {
            if (!ec)
                socket.close();
        });
        co_await http::async_write(socket, request, asio::use_awaitable);
        if (work.args.workload == "w1") {
            http::response<http::string_body> response;
            co_await http::async_read(socket, buffer, response, asio::use_awaitable);
            boost::system::error_code ec;
            auto value = json::parse(response.body(), ec);
            if (ec || response.result() != http::status::ok)
                fail("chat response");
            auto const& message = value.at("choices").at(0).at("message");
            if (message.at("content").as_string() != chat_completion_content ||
                value.at("usage").at("total_tokens").to_number<std::int64_t>() != 29)
                fail("chat content");
        } else {
            Stats stats;
            http::response_parser<http::empty_body> parser;
            parser.body_limit(boost::none);
            auto handle = [&](std::string_view line) {
                if (ollama)
                    on_ndjson_line(stats, line);
                else
                    on_sse_line(stats, line);
            };
            LineSplitter<decltype(handle)> splitter{{}, handle};
            auto on_body = [&](std::uint64_t, std::string_view body, boost::system::error_code&) {
                splitter.feed(body);
                return body.size();
            };
            parser.on_chunk_body(on_body);
            co_await http::async_read_header(socket, buffer, parser, asio::use_awaitable);
            if (parser.get().result() != http::status::ok)
                fail("stream status");
            parser.eager(true); // parse every buffered chunk per read, not one per call
            while (!parser.is_done())
                co_await http::async_read_some(socket, buffer, parser, asio::use_awaitable);
            if (stats.tokens != work.args.tokens || stats.content != work.expected || !stats.finished ||
                stats.usage_tokens != static_cast<std::int64_t>(stats.tokens))
                fail("stream content");
            work.tokens += stats.tokens;
        }
        deadline.cancel();
    }
    boost::system::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
}

} // namespace

int main(int argc, char** argv)
{
    auto const args = parse_args(argc, argv);
    asio::io_context io(1);
    Measurement measurement;
    Work work;
    work.args = args;
    work.expected = expected_stream_content(args.tokens);
    auto url = boost::urls::parse_uri(args.url);
    if (!url)
        fail("bad url");
    work.host = url->encoded_host_and_port();
    tcp::resolver resolver(io);
    work.endpoint = *resolver.resolve(std::string(url->host()), std::string(url->port())).begin();

    std::exception_ptr error;
    for (std::size_t i = 0; i < args.concurrency; ++i)
        asio::co_spawn(io, worker(work), [&](std::exception_ptr e) {
            if (e && !error)
                error = e;
        });
    io.run();
    if (error) {
        try {
            std::rethrow_exception(error);
        } catch (std::exception const& e) {
            fail(e.what());
        }
    }
    measurement.report(args.requests, work.tokens);
}

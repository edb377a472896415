// canned_server: a fast HTTP/1.1 server with fixed answers, so that a benchmark measures the
// client alone. Plain sockets, keep-alive, pre-rendered responses (a stream is rendered once per
// token count and sent with one write unless a per-chunk delay is asked for).
//
//   canned_server [--port P] [--threads N] [--delay-ms D] [--dialect openai|lmstudio|ollama]
//
// Prints "listening <port>" once it accepts. Routes: POST /v1/chat/completions, GET /v1/models,
// POST /api/chat, GET /stats ({"connections":..,"requests":..}); the dialect adds the
// fingerprints that llmio::discover looks for (LM Studio's greeting, Ollama's root).
#include "responses.hpp"

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

using namespace llmio::bench;

struct Config {
    unsigned short port = 0;
    unsigned threads = 1;
    std::chrono::milliseconds delay{0};
    std::string dialect = "openai";
};

std::atomic<std::uint64_t> accepted{0};
std::atomic<std::uint64_t> served{0};

std::string respond_fixed(std::string_view status, std::string_view type, std::string_view body)
{
    std::string out = "HTTP/1.1 ";
    out.append(status).append("\r\nContent-Type: ").append(type);
    out.append("\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
    out.append(body);
    return out;
}

std::string stream_head(std::string_view type)
{
    std::string out = "HTTP/1.1 200 OK\r\nContent-Type: ";
    out.append(type).append("\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n");
    return out;
}

// One event as an HTTP/1.1 chunk.
std::string framed(std::string_view event)
{
    char hex[20];
    auto [end, ec] = std::to_chars(hex, hex + sizeof hex, event.size(), 16);
    (void)ec;
    std::string out(hex, end);
    out.append("\r\n").append(event).append("\r\n");
    return out;
}

struct Stream {
    std::string head;
    std::vector<std::string> chunks; // framed
    std::string whole;               // head + chunks + last chunk
};

// Streams rendered once per (kind, tokens, usage).
class StreamCache {
public:
    std::shared_ptr<Stream const> get(bool ollama, std::size_t tokens, bool usage)
    {
        std::lock_guard lock(mutex_);
        auto& slot = cache_[{ollama, tokens, usage}];
        if (!slot) {
            auto stream = std::make_shared<Stream>();
            stream->head = stream_head(ollama ? "application/x-ndjson" : "text/event-stream");
            auto events = ollama ? ollama_stream_events(tokens) : openai_stream_events(tokens, usage);
            stream->whole = stream->head;
            for (auto const& e : events) {
                stream->chunks.push_back(framed(e));
                stream->whole.append(stream->chunks.back());
            }
            stream->whole.append("0\r\n\r\n");
            slot = std::move(stream);
        }
        return slot;
    }

private:
    std::mutex mutex_;
    std::map<std::tuple<bool, std::size_t, bool>, std::shared_ptr<Stream const>> cache_;
};

struct Shared {
    Config config;
    StreamCache streams;
    std::string chat = respond_fixed("200 OK", "application/json", chat_completion_body());
    std::string models = respond_fixed("200 OK", "application/json", models_body());
    std::string not_found = respond_fixed("404 Not Found", "application/json", R"({"error":"not found"})");
};

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::int64_t int_at(boost::json::object const* o, std::string_view key, std::int64_t fallback)
{
    if (!o)
        return fallback;
    auto const* v = o->if_contains(key);
    if (v && v->is_int64())
        return v->get_int64();
    if (v && v->is_uint64())
        return static_cast<std::int64_t>(v->get_uint64());
    return fallback;
}

bool bool_at(boost::json::object const* o, std::string_view key, bool fallback)
{
    if (!o)
        return fallback;
    auto const* v = o->if_contains(key);
    return v && v->is_bool() ? v->get_bool() : fallback;
}

boost::json::object const* object_at(boost::json::object const* o, std::string_view key)
{
    if (!o)
        return nullptr;
    auto const* v = o->if_contains(key);
    return v && v->is_object() ? &v->get_object() : nullptr;
}

asio::awaitable<void> send_stream(tcp::socket& socket, Shared& shared, std::shared_ptr<Stream const> stream)
{
    if (shared.config.delay.count() == 0) {
        co_await asio::async_write(socket, asio::buffer(stream->whole), asio::use_awaitable);
        co_return;
    }
    asio::steady_timer timer(socket.get_executor());
    co_await asio::async_write(socket, asio::buffer(stream->head), asio::use_awaitable);
    for (auto const& chunk : stream->chunks) {
        timer.expires_after(shared.config.delay);
        co_await timer.async_wait(asio::use_awaitable);
        co_await asio::async_write(socket, asio::buffer(chunk), asio::use_awaitable);
    }
    static constexpr std::string_view last = "0\r\n\r\n";
    co_await asio::async_write(socket, asio::buffer(last), asio::use_awaitable);
}

asio::awaitable<void> answer(tcp::socket& socket, Shared& shared, std::string_view method, std::string_view target,
                             std::string_view body)
{
    auto const& dialect = shared.config.dialect;
    auto const path = target.substr(0, target.find('?'));
    auto write = [&](std::string const& bytes) { return asio::async_write(socket, asio::buffer(bytes), asio::use_awaitable); };
    if (method == "POST" && (path == "/v1/chat/completions" || path == "/api/chat")) {
        bool const ollama = path == "/api/chat";
        boost::system::error_code ec;
        auto parsed = boost::json::parse(body, ec);
        auto const* request = !ec && parsed.is_object() ? &parsed.get_object() : nullptr;
        if (!request) {
            co_await write(respond_fixed("400 Bad Request", "application/json", R"({"error":"bad json"})"));
            co_return;
        }
        bool const stream = bool_at(request, "stream", ollama);
        auto const tokens = static_cast<std::size_t>(
            ollama ? int_at(object_at(request, "options"), "num_predict", 16) : int_at(request, "max_tokens", 16));
        if (!stream) {
            if (ollama)
                co_await write(respond_fixed("200 OK", "application/json", ollama_chat_body(tokens)));
            else
                co_await write(shared.chat);
            co_return;
        }
        bool const usage = !ollama && bool_at(object_at(request, "stream_options"), "include_usage", false);
        co_await send_stream(socket, shared, shared.streams.get(ollama, tokens, usage));
    } else if (method == "GET" && path == "/v1/models") {
        co_await write(shared.models);
    } else if (method == "GET" && path == "/stats") {
        co_await write(respond_fixed("200 OK", "application/json",
                                     "{\"connections\":" + std::to_string(accepted.load()) +
                                         ",\"requests\":" + std::to_string(served.load()) + "}"));
    } else if (dialect == "lmstudio" && path == "/lmstudio-greeting") {
        co_await write(respond_fixed("200 OK", "application/json", R"({"lmstudio":true})"));
    } else if (dialect == "ollama" && path == "/") {
        co_await write(respond_fixed("200 OK", "text/plain; charset=utf-8", "Ollama is running"));
    } else if (dialect == "ollama" && path == "/api/version") {
        co_await write(respond_fixed("200 OK", "application/json", R"({"version":"0.5.7"})"));
    } else if (dialect == "ollama" && path == "/api/tags") {
        co_await write(respond_fixed("200 OK", "application/json", R"({"models":[{"name":"llama3.2:latest","model":"llama3.2:latest"}]})"));
    } else {
        co_await write(shared.not_found);
    }
}

asio::awaitable<void> serve(tcp::socket socket, Shared& shared)
{
    socket.set_option(tcp::no_delay(true));
    std::string buffer;
    buffer.reserve(16 * 1024);
    char chunk[16 * 1024];
    boost::system::error_code ec;
    auto fill = [&]() -> asio::awaitable<bool> {
        auto n = co_await socket.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
            co_return false;
        buffer.append(chunk, n);
        co_return true;
    };
    for (;;) {
        std::size_t head_end;
        while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
            if (buffer.size() > 64 * 1024)
                co_return;
            bool const more = co_await fill();
            if (!more)
                co_return;
        }
        std::string_view head(buffer.data(), head_end);
        auto const line_end = head.find("\r\n");
        auto const request_line = head.substr(0, line_end);
        auto const sp1 = request_line.find(' ');
        auto const sp2 = request_line.find(' ', sp1 + 1);
        if (sp1 == std::string_view::npos || sp2 == std::string_view::npos)
            co_return;
        std::string const method(request_line.substr(0, sp1));
        std::string const target(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
        std::size_t content_length = 0;
        bool close = false;
        for (auto pos = line_end; pos != std::string_view::npos && pos < head.size();) {
            auto const next = head.find("\r\n", pos + 2);
            auto const field = head.substr(pos + 2, (next == std::string_view::npos ? head.size() : next) - pos - 2);
            auto const colon = field.find(':');
            if (colon != std::string_view::npos) {
                auto const name = field.substr(0, colon);
                auto value = field.substr(colon + 1);
                while (!value.empty() && value.front() == ' ')
                    value.remove_prefix(1);
                if (iequals(name, "content-length"))
                    std::from_chars(value.data(), value.data() + value.size(), content_length);
                else if (iequals(name, "connection") && iequals(value, "close"))
                    close = true;
            }
            pos = next;
        }
        if (content_length > 16 * 1024 * 1024)
            co_return;
        auto const total = head_end + 4 + content_length;
        while (buffer.size() < total) {
            bool const more = co_await fill();
            if (!more)
                co_return;
        }
        std::string const body = buffer.substr(head_end + 4, content_length);
        buffer.erase(0, total);
        ++served;
        try {
            co_await answer(socket, shared, method, target, body);
        } catch (boost::system::system_error const&) {
            co_return; // the client went away mid-answer
        }
        if (close) {
            socket.shutdown(tcp::socket::shutdown_send, ec);
            co_return;
        }
    }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, Shared& shared)
{
    for (;;) {
        auto socket = co_await acceptor.async_accept(asio::use_awaitable);
        ++accepted;
        asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), shared), asio::detached);
    }
}

} // namespace

int main(int argc, char** argv)
{
    Shared shared;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view const flag = argv[i];
        std::string_view const value = argv[i + 1];
        if (flag == "--port")
            shared.config.port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
        else if (flag == "--threads")
            shared.config.threads = static_cast<unsigned>(std::max(1, std::atoi(argv[i + 1])));
        else if (flag == "--delay-ms")
            shared.config.delay = std::chrono::milliseconds(std::atoi(argv[i + 1]));
        else if (flag == "--dialect")
            shared.config.dialect = std::string(value);
        else {
            std::cerr << "unknown flag " << flag << '\n';
            return 2;
        }
    }
    asio::io_context io(static_cast<int>(shared.config.threads));
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), shared.config.port));
    acceptor.listen(4096);
    asio::co_spawn(io, accept_loop(acceptor, shared), asio::detached);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code, int) { io.stop(); });
    std::cout << "listening " << acceptor.local_endpoint().port() << std::endl;
    std::vector<std::thread> extra;
    for (unsigned t = 1; t < shared.config.threads; ++t)
        extra.emplace_back([&] { io.run(); });
    io.run();
    for (auto& t : extra)
        t.join();
    std::cout << "connections " << accepted.load() << " requests " << served.load() << std::endl;
}

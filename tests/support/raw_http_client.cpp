#include "support/raw_http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <array>
#include <stdexcept>

namespace llmio::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::optional<std::string> HttpReply::header(std::string_view name) const
{
    for (auto const& [n, v] : headers)
        if (beast::iequals(n, name))
            return v;
    return std::nullopt;
}

std::vector<std::string> HttpReply::header_names() const
{
    std::vector<std::string> out;
    for (auto const& [n, v] : headers)
        out.push_back(n);
    return out;
}

std::vector<std::string> sse_data(std::string_view body)
{
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto const end = body.find("\n\n", pos);
        if (end == std::string_view::npos)
            break;
        auto const event = body.substr(pos, end - pos);
        if (event.substr(0, 6) == "data: ")
            out.emplace_back(event.substr(6));
        pos = end + 2;
    }
    return out;
}

std::string chat_body(std::string_view model, std::string_view user_text, std::string_view extra)
{
    std::string out = "{\"model\":" + boost::json::serialize(boost::json::string(model)) +
                      ",\"messages\":[{\"role\":\"user\",\"content\":" +
                      boost::json::serialize(boost::json::string(user_text)) + "}]";
    if (!extra.empty()) {
        out += ',';
        out += extra;
    }
    out += '}';
    return out;
}

struct RawHttpClient::Impl {
    asio::io_context ioc;
    beast::tcp_stream stream{ioc};
    beast::flat_buffer buffer;
    std::chrono::milliseconds timeout;

    /// Runs `op` to completion; every operation inside is bounded by the stream's expiry.
    template <class T>
    T run(asio::awaitable<T> op)
    {
        auto future = asio::co_spawn(ioc, std::move(op), asio::use_future);
        ioc.restart();
        ioc.run();
        return future.get();
    }
};

RawHttpClient::RawHttpClient(unsigned short port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>())
{
    impl_->timeout = timeout;
    impl_->stream.expires_after(timeout);
    impl_->stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
}

RawHttpClient::~RawHttpClient() = default;

void RawHttpClient::send_raw(std::string_view bytes)
{
    auto& im = *impl_;
    im.run([&]() -> asio::awaitable<void> {
        im.stream.expires_after(im.timeout);
        auto [ec, n] = co_await asio::async_write(im.stream, asio::buffer(bytes.data(), bytes.size()),
                                                  asio::as_tuple(asio::use_awaitable));
        (void)n;
        if (ec)
            throw std::runtime_error("send failed: " + ec.message());
    }());
}

void RawHttpClient::send(std::string_view method, std::string_view target, std::string_view body,
                         HeaderList const& headers)
{
    std::string out;
    out += method;
    out += ' ';
    out += target;
    out += " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    bool has_type = false;
    for (auto const& [n, v] : headers) {
        has_type |= beast::iequals(n, "content-type");
        out += n + ": " + v + "\r\n";
    }
    if (!body.empty() || method == "POST") {
        if (!has_type)
            out += "Content-Type: application/json\r\n";
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    out += "\r\n";
    out += body;
    send_raw(out);
}

HttpReply RawHttpClient::read(bool head)
{
    auto& im = *impl_;
    return im.run([&]() -> asio::awaitable<HttpReply> {
        HttpReply reply;
        http::response_parser<http::string_body> parser;
        parser.body_limit(boost::none);
        parser.skip(head);
        auto on_header = [&](std::uint64_t size, beast::string_view, beast::error_code&) {
            if (size > 0)
                reply.chunks.emplace_back();
        };
        auto on_body = [&](std::uint64_t, beast::string_view data, beast::error_code&) {
            reply.chunks.back().append(data.data(), data.size());
            reply.body.append(data.data(), data.size());
            return data.size();
        };
        parser.on_chunk_header(on_header);
        parser.on_chunk_body(on_body);
        im.stream.expires_after(im.timeout);
        auto [ec, n] = co_await http::async_read(im.stream, im.buffer, parser,
                                                 asio::as_tuple(asio::use_awaitable));
        (void)n;
        reply.error = ec;
        reply.complete = !ec && parser.is_done();
        if (parser.is_header_done()) {
            auto const& msg = parser.get();
            reply.status = static_cast<int>(msg.result_int());
            for (auto const& f : msg)
                reply.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
            reply.chunked = parser.chunked();
            if (!reply.chunked)
                reply.body = msg.body();
        }
        co_return reply;
    }());
}

HttpReply RawHttpClient::request(std::string_view method, std::string_view target,
                                 std::string_view body, HeaderList const& headers)
{
    send(method, target, body, headers);
    return read(method == "HEAD");
}

std::string RawHttpClient::read_until(std::string_view marker)
{
    return read_until(marker, impl_->timeout);
}

std::string RawHttpClient::read_for(std::chrono::milliseconds d)
{
    return read_until({}, d);
}

std::string RawHttpClient::read_until(std::string_view marker, std::chrono::milliseconds timeout)
{
    auto& im = *impl_;
    return im.run([&]() -> asio::awaitable<std::string> {
        std::string out(static_cast<char const*>(im.buffer.data().data()), im.buffer.size());
        im.buffer.consume(im.buffer.size());
        std::array<char, 4096> chunk{};
        im.stream.expires_after(timeout);
        while (marker.empty() || out.find(marker) == std::string::npos) {
            auto [ec, n] = co_await im.stream.async_read_some(asio::buffer(chunk),
                                                              asio::as_tuple(asio::use_awaitable));
            out.append(chunk.data(), n);
            if (ec)
                break;
        }
        co_return out;
    }());
}

std::string RawHttpClient::read_until_close()
{
    return read_until({});
}

bool RawHttpClient::wait_server_close()
{
    auto& im = *impl_;
    return im.run([&]() -> asio::awaitable<bool> {
        std::array<char, 4096> chunk{};
        im.stream.expires_after(im.timeout);
        for (;;) {
            auto [ec, n] = co_await im.stream.async_read_some(asio::buffer(chunk),
                                                              asio::as_tuple(asio::use_awaitable));
            (void)n;
            if (ec)
                co_return ec != beast::error::timeout;
        }
    }());
}

void RawHttpClient::close()
{
    boost::system::error_code ec;
    impl_->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    impl_->stream.close();
}

} // namespace llmio::test

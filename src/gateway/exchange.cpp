#include "exchange.hpp"

#include <boost/beast/http/field.hpp>

#include <charconv>

namespace llmio::gateway {

namespace http = boost::beast::http;

Exchange::Exchange(Request const& request, Services& services, ResponseSink& sink, std::string& out) noexcept
    : request_(request), services_(services), sink_(sink), out_(out)
{
}

std::string_view Exchange::target() const noexcept
{
    auto const target = request_.target();
    return {target.data(), target.size()};
}

std::string_view Exchange::path() const noexcept
{
    auto const whole = target();
    return whole.substr(0, whole.find('?'));
}

std::string_view Exchange::header(std::string_view name) const noexcept
{
    auto const it = request_.find(boost::beast::string_view(name.data(), name.size()));
    if (it == request_.end())
        return {};
    auto const value = it->value();
    return {value.data(), value.size()};
}

std::string_view Exchange::body() const noexcept
{
    return request_.body();
}

void Exchange::add_response_header(std::string name, std::string value)
{
    response_headers_.emplace_back(std::move(name), std::move(value));
}

void Exchange::append_head(Status status, std::string_view content_type, std::span<Header const> headers)
{
    out_.clear();
    out_ += "HTTP/1.1 ";
    char code[8];
    auto const end = std::to_chars(code, code + sizeof code, static_cast<unsigned>(status)).ptr;
    out_.append(code, end);
    out_ += ' ';
    auto const reason = http::obsolete_reason(status);
    out_.append(reason.data(), reason.size());
    out_ += "\r\nServer: llmio\r\nContent-Type: ";
    out_ += content_type;
    out_ += "\r\n";
    if (sink_.closing())
        out_ += "Connection: close\r\n";
    for (auto const& [name, value] : response_headers_) {
        out_ += name;
        out_ += ": ";
        out_ += value;
        out_ += "\r\n";
    }
    for (auto const& [name, value] : headers) {
        out_ += name;
        out_ += ": ";
        out_ += value;
        out_ += "\r\n";
    }
}

boost::asio::awaitable<void> Exchange::reply(Status status, std::string_view content_type, std::string_view body,
                                             std::span<Header const> headers)
{
    started_ = true;
    append_head(status, content_type, headers);
    if (status != Status::no_content && status != Status::not_modified) {
        out_ += "Content-Length: ";
        char length[24];
        auto const end = std::to_chars(length, length + sizeof length, body.size()).ptr;
        out_.append(length, end);
        out_ += "\r\n";
    }
    out_ += "\r\n";
    if (request_.method() != http::verb::head)
        out_ += body;
    co_await sink_.write(out_);
    finished_ = true;
}

boost::asio::awaitable<void> Exchange::begin_stream(std::string_view content_type, std::string_view first)
{
    started_ = true;
    streaming_ = true;
    append_head(Status::ok, content_type, {});
    out_ += "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n";
    append_chunk(first);
    co_await sink_.write(out_);
}

// One piece in chunked framing; nothing for empty text (an empty chunk would end the body).
void Exchange::append_chunk(std::string_view text)
{
    if (text.empty())
        return;
    char size[20];
    auto const end = std::to_chars(size, size + sizeof size, text.size(), 16).ptr;
    out_.append(size, end);
    out_ += "\r\n";
    out_ += text;
    out_ += "\r\n";
}

boost::asio::awaitable<void> Exchange::write(std::string_view text)
{
    if (text.empty())
        co_return;
    out_.clear();
    append_chunk(text);
    co_await sink_.write(out_);
}

boost::asio::awaitable<void> Exchange::finish(std::string_view last)
{
    out_.clear();
    append_chunk(last);
    out_ += "0\r\n\r\n";
    co_await sink_.write(out_);
    finished_ = true;
}

} // namespace llmio::gateway

#include "support/scripted_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

namespace llmio::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

template <class Stream>
class Connection final : public ServerConnection {
public:
    template <class... Args>
    Connection(ScriptedServer& server, Args&&... args)
        : server_(server), stream_(std::forward<Args>(args)...)
    {
    }

    Stream& stream() { return stream_; }

    asio::awaitable<std::optional<ServerRequest>> read_request() override
    {
        ServerRequest request;
        auto [ec, n] = co_await beast::http::async_read(stream_, buffer_, request, use_tuple);
        (void)n;
        if (ec) {
            server_.note_client_close();
            co_return std::nullopt;
        }
        co_return request;
    }

    asio::awaitable<void> write(std::string_view bytes) override
    {
        co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), use_tuple);
    }

    asio::awaitable<bool> try_write(std::string_view bytes) override
    {
        auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), use_tuple);
        co_return !ec && n == bytes.size();
    }

    asio::awaitable<bool> wait_for_client_close(std::chrono::milliseconds limit) override
    {
        using namespace std::chrono;
        auto const until = steady_clock::now() + limit;
        char scratch[512];
        // Read and discard until EOF/reset, polling so that the limit holds.
        while (steady_clock::now() < until) {
            auto& socket = lowest_socket();
            if (socket.available() > 0) {
                auto [ec, n] = co_await stream_.async_read_some(asio::buffer(scratch), use_tuple);
                (void)n;
                if (ec) {
                    server_.note_client_close();
                    co_return true;
                }
                continue;
            }
            char probe;
            auto const r = ::recv(socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                server_.note_client_close();
                co_return true;
            }
            co_await sleep(milliseconds(5));
        }
        co_return false;
    }

    asio::awaitable<void> sleep(std::chrono::milliseconds d) override
    {
        asio::steady_timer timer(co_await asio::this_coro::executor, d);
        co_await timer.async_wait(use_tuple);
    }

    void close() override
    {
        boost::system::error_code ignored;
        lowest_socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest_socket().close(ignored);
    }

    void reset() override
    {
        boost::system::error_code ignored;
        // Linger on with a zero timeout makes close() send RST and drop unsent data.
        lowest_socket().set_option(tcp::socket::linger(true, 0), ignored);
        lowest_socket().close(ignored);
    }

private:
    tcp::socket& lowest_socket()
    {
        if constexpr (std::is_same_v<Stream, tcp::socket>)
            return stream_;
        else
            return stream_.next_layer();
    }

    ScriptedServer& server_;
    Stream stream_;
    beast::flat_buffer buffer_;
};

} // namespace

ScriptedServer::ScriptedServer(ConnectionHandler handler)
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0))
    , handler_(std::move(handler))
{
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
}

ScriptedServer::ScriptedServer(ConnectionHandler handler, std::string const& cert_file,
                               std::string const& key_file)
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0))
    , tls_(std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server))
    , handler_(std::move(handler))
{
    tls_->use_certificate_chain_file(cert_file);
    tls_->use_private_key_file(key_file, asio::ssl::context::pem);
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
}

ScriptedServer::~ScriptedServer()
{
    io_.stop();
    thread_.join();
}

asio::awaitable<void> ScriptedServer::accept_loop()
{
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
        if (ec)
            co_return;
        ++accepted_;
        if (!tls_) {
            auto connection = std::make_shared<Connection<tcp::socket>>(*this, std::move(socket));
            asio::co_spawn(io_, [this, connection]() -> asio::awaitable<void> {
                co_await handler_(*connection);
            }, asio::detached);
        } else {
            auto connection = std::make_shared<Connection<asio::ssl::stream<tcp::socket>>>(
                *this, std::move(socket), *tls_);
            asio::co_spawn(io_, [this, connection]() -> asio::awaitable<void> {
                auto [hec] = co_await connection->stream().async_handshake(
                    asio::ssl::stream_base::server, use_tuple);
                if (hec) {
                    note_client_close();
                    co_return;
                }
                co_await handler_(*connection);
            }, asio::detached);
        }
    }
}

std::string http_response(int status, std::string_view body, std::string_view content_type,
                          std::string_view extra_headers)
{
    std::string out = "HTTP/1.1 " + std::to_string(status) + " Status\r\n";
    out += "Content-Type: ";
    out += content_type;
    out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    out += extra_headers;
    out += "\r\n";
    out += body;
    return out;
}

std::uint16_t unused_port()
{
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

} // namespace llmio::test

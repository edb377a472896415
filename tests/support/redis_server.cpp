#include "support/redis_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace llmio::test {

namespace {

std::string find_redis_server()
{
    char const* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/bin:/usr/sbin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        auto const candidate = std::filesystem::path(dir) / "redis-server";
        if (std::filesystem::exists(candidate))
            return candidate.string();
    }
    throw std::runtime_error("redis-server is not installed: the Redis cache tests need it "
                             "(apt-get install redis-server; .ci/run installs it)");
}

// A port the kernel picks for 127.0.0.1, released for redis-server to bind.
std::uint16_t free_port()
{
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

} // namespace

RedisServer::RedisServer(std::string password)
    : binary_(find_redis_server()), password_(std::move(password)), port_(free_port())
{
    start();
}

std::string RedisServer::url(int db) const
{
    std::string const auth = password_.empty() ? "" : ":" + password_ + "@";
    return "redis://" + auth + "127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

void RedisServer::start()
{
    std::vector<std::string> argv{binary_, "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                  "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "notice"};
    if (!password_.empty()) {
        argv.push_back("--requirepass");
        argv.push_back(password_);
    }
    process_ = std::make_unique<Subprocess>(argv, std::vector<std::string>{});
    auto const log = process_->read_stdout_until("Ready to accept connections", std::chrono::seconds(10));
    if (log.find("Ready to accept connections") == std::string::npos)
        throw std::runtime_error("redis-server did not get ready on port " + std::to_string(port_) + ": " + log);
}

void RedisServer::kill()
{
    process_->signal(SIGKILL);
    process_->wait(std::chrono::seconds(10));
    process_.reset();
}

void RedisServer::restart() { start(); }

void RedisServer::pause() { process_->signal(SIGSTOP); }

void RedisServer::resume() { process_->signal(SIGCONT); }

} // namespace llmio::test

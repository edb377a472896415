#ifndef LLMIO_TESTS_SUPPORT_REDIS_SERVER_HPP
#define LLMIO_TESTS_SUPPORT_REDIS_SERVER_HPP

// A real redis-server on a free 127.0.0.1 port, without persistence, for the Redis cache tests.
// It can be killed, restarted on the same port, stopped (SIGSTOP) and resumed.

#include "support/subprocess.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace llmio::test {

class RedisServer {
public:
    /// Starts it (requiring `password` when not empty) and waits until it accepts connections.
    /// Throws std::runtime_error when redis-server is not installed ("install it: apt-get install
    /// redis-server") or does not get ready within 10 s.
    explicit RedisServer(std::string password = {});

    std::uint16_t port() const noexcept { return port_; }
    /// redis://[:password@]127.0.0.1:port/db
    std::string url(int db = 0) const;

    void kill();    ///< SIGKILL, and reaped.
    void restart(); ///< Started again on the same port (after kill()).
    void pause();   ///< SIGSTOP: connections stay open, nothing answers.
    void resume();  ///< SIGCONT.

private:
    void start();

    std::string binary_;
    std::string password_;
    std::uint16_t port_ = 0;
    std::unique_ptr<Subprocess> process_;
};

} // namespace llmio::test

#endif

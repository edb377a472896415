#include "support/subprocess.hpp"

#include <cerrno>
#include <csignal>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace llmio::test {

namespace {

std::vector<char*> pointers(std::vector<std::string>& items)
{
    std::vector<char*> out;
    for (auto& item : items)
        out.push_back(item.data());
    out.push_back(nullptr);
    return out;
}

/// Reads what is available within `timeout_ms`; false at EOF or on error.
bool read_some(int fd, std::string& into, int timeout_ms)
{
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0)
        return true;
    char buffer[4096];
    auto const n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0)
        return false;
    into.append(buffer, static_cast<std::size_t>(n));
    return true;
}

std::string drain(int fd)
{
    std::string text;
    char buffer[4096];
    // Bounded: the child has exited, so the pipe ends at EOF (or goes quiet for a second).
    for (int i = 0; i < 100000; ++i) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0)
            break;
        auto const n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0)
            break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

} // namespace

Subprocess::Subprocess(std::vector<std::string> argv, std::vector<std::string> env)
{
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0)
        throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
    posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
    auto args = pointers(argv);
    auto vars = pointers(env);
    auto const rc = ::posix_spawn(&pid_, argv.front().c_str(), &actions, nullptr, args.data(), vars.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    out_ = out_pipe[0];
    err_ = err_pipe[0];
    if (rc != 0) {
        ::close(out_);
        ::close(err_);
        throw std::runtime_error("cannot start " + argv.front());
    }
}

Subprocess::~Subprocess()
{
    if (!reaped_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    if (out_ >= 0)
        ::close(out_);
    if (err_ >= 0)
        ::close(err_);
}

std::string Subprocess::read_stdout_until(std::string const& marker, std::chrono::milliseconds timeout)
{
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (out_buffer_.find(marker) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        if (!read_some(out_, out_buffer_, 50))
            break;
    }
    return out_buffer_;
}

void Subprocess::signal(int signo)
{
    if (!reaped_)
        ::kill(pid_, signo);
}

std::optional<int> Subprocess::wait(std::chrono::milliseconds timeout)
{
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    // Bounded by the deadline.
    for (;;) {
        int status = 0;
        auto const r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            reaped_ = true;
            if (WIFEXITED(status))
                return WEXITSTATUS(status);
            if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
            return -1;
        }
        auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return std::nullopt;
        // Wakes when the child exits (its pidfd becomes readable), or after 20 ms where pidfd
        // is not available; either way the deadline bounds the loop.
        int const pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
        pollfd p{pidfd, POLLIN, 0};
        ::poll(pidfd >= 0 ? &p : nullptr, pidfd >= 0 ? 1 : 0,
               pidfd >= 0 ? static_cast<int>(left.count()) : 20);
        if (pidfd >= 0)
            ::close(pidfd);
    }
}

std::string Subprocess::rest_of_stdout()
{
    return out_buffer_ + drain(out_);
}

std::string Subprocess::rest_of_stderr()
{
    return drain(err_);
}

} // namespace llmio::test

#ifndef LLMIO_TESTS_SUPPORT_SUBPROCESS_HPP
#define LLMIO_TESTS_SUPPORT_SUBPROCESS_HPP

// A child process with piped stdout/stderr, for tests of real binaries (signals, exit codes).

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace llmio::test {

class Subprocess {
public:
    /// Starts `argv[0]` (a path) with `argv`, the environment `env` ("NAME=value") and stdin
    /// from /dev/null. Throws std::runtime_error when it cannot start.
    Subprocess(std::vector<std::string> argv, std::vector<std::string> env);
    ~Subprocess(); ///< Kills and reaps the child if it still runs.
    Subprocess(Subprocess const&) = delete;
    Subprocess& operator=(Subprocess const&) = delete;

    /// Reads stdout until `marker` appeared or `timeout` passed; returns everything read so far.
    std::string read_stdout_until(std::string const& marker, std::chrono::milliseconds timeout);
    void signal(int signo);
    /// The exit code (128 + signal when killed by one), or nullopt when still running after
    /// `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    /// What is left on stdout / stderr after the child exited.
    std::string rest_of_stdout();
    std::string rest_of_stderr();

private:
    pid_t pid_ = -1;
    int out_ = -1;
    int err_ = -1;
    std::string out_buffer_;
    bool reaped_ = false;
};

} // namespace llmio::test

#endif

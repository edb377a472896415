// What every C++ driver shares: the command line, the expected answers, the measurements and
// the one JSON line the runner reads.
#ifndef LLMIO_BENCH_HARNESS_HPP
#define LLMIO_BENCH_HARNESS_HPP

#include <chrono>
#include <cstdint>
#include <string>

namespace llmio::bench {

struct Args {
    std::string workload = "w1";      ///< w1 (chat), w2 (SSE), w3 (slow SSE), w4 (NDJSON), w5 (discover)
    std::string url = "http://127.0.0.1:8080";
    std::string url2;                 ///< w5: the second server (Ollama-like)
    std::size_t requests = 1;
    std::size_t concurrency = 1;
    std::size_t tokens = 0;
    bool metrics = false;             ///< --metrics on: llmio records every request (issue 15)
    bool router = false;              ///< --router on: W1-W4 through a Router of two replicas (issue 13)
};

Args parse_args(int argc, char** argv);

// The answer a stream of `tokens` tokens must assemble to.
std::string expected_stream_content(std::size_t tokens);

// Process CPU (user+sys) in seconds and resident memory in KiB, read from the kernel.
double cpu_seconds();
std::int64_t rss_kib();      ///< VmRSS now
std::int64_t peak_rss_kib(); ///< VmHWM

class Measurement {
public:
    Measurement();
    // Prints {"wall_s":..,"cpu_s":..,"requests":..,"tokens":..,"rss_base_kib":..,"rss_peak_kib":..}.
    void report(std::size_t requests, std::size_t tokens) const;

private:
    std::chrono::steady_clock::time_point start_;
    double cpu_start_;
    std::int64_t rss_base_;
};

[[noreturn]] void fail(std::string const& what);

} // namespace llmio::bench

#endif

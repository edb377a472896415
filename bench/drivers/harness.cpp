#include "harness.hpp"

#include "../canned_server/responses.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string_view>

namespace llmio::bench {

Args parse_args(int argc, char** argv)
{
    Args args;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view const flag = argv[i];
        std::string const value = argv[i + 1];
        if (flag == "--workload")
            args.workload = value;
        else if (flag == "--url")
            args.url = value;
        else if (flag == "--url2")
            args.url2 = value;
        else if (flag == "--requests")
            args.requests = std::stoul(value);
        else if (flag == "--concurrency")
            args.concurrency = std::max<std::size_t>(1, std::stoul(value));
        else if (flag == "--tokens")
            args.tokens = std::stoul(value);
        else if (flag == "--metrics")
            args.metrics = value == "on";
        else if (flag == "--router")
            args.router = value == "on";
        else
            fail("unknown flag " + std::string(flag));
    }
    return args;
}

std::string expected_stream_content(std::size_t tokens)
{
    std::string out;
    for (std::size_t i = 0; i < tokens; ++i)
        out.append(token_text(i));
    return out;
}

double cpu_seconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

namespace {
std::int64_t status_kib(std::string_view key)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key, 0) == 0)
            return std::atoll(line.c_str() + key.size());
    return 0;
}
} // namespace

std::int64_t rss_kib() { return status_kib("VmRSS:"); }
std::int64_t peak_rss_kib() { return status_kib("VmHWM:"); }

Measurement::Measurement() : start_(std::chrono::steady_clock::now()), cpu_start_(cpu_seconds()), rss_base_(rss_kib()) {}

void Measurement::report(std::size_t requests, std::size_t tokens) const
{
    auto const wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::printf("{\"wall_s\":%.6f,\"cpu_s\":%.6f,\"requests\":%zu,\"tokens\":%zu,\"rss_base_kib\":%lld,"
                "\"rss_peak_kib\":%lld}\n",
                wall, cpu_seconds() - cpu_start_, requests, tokens, static_cast<long long>(rss_base_),
                static_cast<long long>(peak_rss_kib()));
    std::fflush(stdout);
}

void fail(std::string const& what)
{
    std::cerr << "CHECK FAILED: " << what << std::endl;
    std::exit(1);
}

} // namespace llmio::bench

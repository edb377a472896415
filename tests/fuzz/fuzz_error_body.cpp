// libFuzzer target: parse_error_body and map_http_error never crash, hang or leak on any bytes,
// and every bound they promise holds. The input is split into a body and a few header values
// so that Retry-After and friends are fuzzed too.

#include <llmio/error_mapping.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void require(bool condition)
{
    if (!condition)
        std::abort();
}

// Takes the bytes up to the next '\n' (or the rest) off the front of `data`.
std::string_view take_line(std::string_view& data)
{
    auto const nl = data.find('\n');
    std::string_view const line = data.substr(0, nl);
    data.remove_prefix(nl == std::string_view::npos ? data.size() : nl + 1);
    return line;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const all(reinterpret_cast<char const*>(data), size);

    llmio::ErrorBody const body = llmio::parse_error_body(all);
    require(body.message.size() <= llmio::kMaxServerMessage);
    require(body.type.size() <= 256 && body.code.size() <= 256 && body.param.size() <= 256);

    // Layout for the mapper: first byte picks the status, then three header lines, then the body.
    std::string_view rest = all;
    int status = 200;
    if (!rest.empty()) {
        static constexpr int statuses[] = {0,   200, 301, 400, 401, 403, 404, 408, 409, 413,
                                           422, 429, 499, 500, 501, 502, 503, 504, 600, 999};
        status = statuses[static_cast<unsigned char>(rest.front()) % std::size(statuses)];
        rest.remove_prefix(1);
    }
    llmio::HttpErrorInput in;
    in.provider = "fuzz";
    in.status = status;
    in.retry_after = take_line(rest);
    in.retry_after_ms = take_line(rest);
    in.should_retry = take_line(rest);
    in.request_id = in.should_retry;
    in.body = rest;
    in.content_type = status % 2 == 0 ? "text/html" : "application/json";
    in.now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));

    llmio::MappedError const m = llmio::map_http_error(in);
    require(m.info.server_message.size() <= llmio::kMaxServerMessage);
    require(m.info.raw_body.size() <= llmio::ErrorInfo::kMaxRawBody);
    require(m.info.request_id.size() <= 256);
    require(m.info.http_status == status);
    if (m.info.retry_after)
        require(m.info.retry_after->count() >= 0 &&
                *m.info.retry_after <= std::chrono::hours(24 * 366));

    std::exception_ptr const error = llmio::make_http_error(in);
    require(error != nullptr);
    return 0;
}

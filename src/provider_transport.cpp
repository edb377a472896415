#include <llmio/provider_transport.hpp>

#include <llmio/error_mapping.hpp>
#include <llmio/error_sanitize.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <random>

namespace llmio {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

double random01()
{
    thread_local std::minstd_rand engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

bool is_success(unsigned status) { return status >= 200 && status < 300; }

HttpErrorInput error_input(std::string_view provider, unsigned status,
                           beast::http::fields const& headers, std::string_view body)
{
    auto header = [&](std::string_view name) -> std::string_view {
        auto it = headers.find(name);
        return it == headers.end() ? std::string_view{} : std::string_view(it->value());
    };
    HttpErrorInput in;
    in.provider = provider;
    in.status = static_cast<int>(status);
    in.body = body;
    in.content_type = header("Content-Type");
    in.request_id = header("x-request-id");
    in.retry_after = header("Retry-After");
    in.retry_after_ms = header("retry-after-ms");
    in.should_retry = header("x-should-retry");
    return in;
}

} // namespace

bool is_error_body(std::string_view body, std::string_view expected_member)
{
    // Cheap pre-check: a successful body rarely mentions "error" at all.
    if (body.find("\"error\"") == std::string_view::npos)
        return false;
    boost::system::error_code ec;
    auto const value = boost::json::parse(body, ec);
    if (ec || !value.is_object())
        return false;
    auto const& object = value.get_object();
    auto const* error = object.if_contains("error");
    return error && !error->is_null() && !object.contains(expected_member);
}

ProviderTransport::ProviderTransport(asio::any_io_executor executor, http::Endpoint endpoint,
                                     TransportOptions options)
    : endpoint_(std::move(endpoint))
    , options_(std::move(options))
    , client_(std::move(executor), options_.http)
{
    for (auto const& header : options_.headers)
        if (header.secret)
            for (auto& secret : secrets_of_header_value(header.value))
                secrets_.push_back(std::move(secret));
}

void ProviderTransport::rethrow_sanitised() const
{
    llmio::rethrow_sanitised(options_.provider, secrets_);
}

http::HttpRequest ProviderTransport::json_request(beast::http::verb method, std::string path,
                                                  std::string body) const
{
    http::HttpRequest request;
    request.method = method;
    request.path = std::move(path);
    request.body = std::move(body);
    request.headers = options_.headers;
    request.headers.push_back({"Accept", "application/json", false});
    return request;
}

void ProviderTransport::throw_for(http::HttpResponse const& response) const
{
    MappedError mapped = map_http_error(
        error_input(options_.provider, response.status, response.headers, response.body));
    redact_secrets(mapped.info, secrets_);
    throw_error(mapped.code, std::move(mapped.info));
}

void ProviderTransport::check_json_answer(http::HttpResponse const& response,
                                          std::string_view expected_member) const
{
    auto const type = response.header("Content-Type");
    if (type.find("text/html") != std::string_view::npos) {
        ErrorInfo info;
        info.provider = options_.provider;
        info.http_status = static_cast<int>(response.status);
        set_raw_body(info, response.body);
        info.detail = "expected JSON, got " + std::string(type);
        redact_secrets(info, secrets_);
        throw_error(errc::unexpected_content_type, std::move(info));
    }
    if (is_error_body(response.body, expected_member))
        throw_for(response);
}

void ProviderTransport::throw_in_band(std::string_view error_json) const
{
    HttpErrorInput in;
    in.provider = options_.provider;
    in.status = 200;
    in.body = error_json;
    in.content_type = "application/json";
    MappedError mapped = map_http_error(in);
    redact_secrets(mapped.info, secrets_);
    throw_error(mapped.code, std::move(mapped.info));
}

http::HttpRequest ProviderTransport::with_call_deadline(http::HttpRequest request,
                                                        CallOptions const& call) const
{
    if (call.timeouts)
        request.timeouts = call.timeouts;
    // Fixed once, here: every attempt, every retry wait and the whole body share it.
    auto const total = request.timeouts.value_or(options_.http.timeouts).total;
    if (total != http::Duration::zero())
        request.deadline = std::min(request.deadline, Clock::now() + total);
    return request;
}

template <class Attempt>
auto ProviderTransport::with_retries(Attempt attempt, CallOptions const& call,
                                     Clock::time_point deadline) -> decltype(attempt())
{
    auto const& policy = call.retry ? *call.retry : options_.retry;
    // Bounded: decide_retry refuses once policy.max_retries retries were made.
    for (int retries = 0;; ++retries) {
        RetryDecision decision;
        try {
            co_return co_await attempt();
        } catch (ProviderError const& e) {
            decision = decide_retry(policy, retries, e, false, random01());
            // A wait that would end at or past the deadline is pointless: the caller gets the
            // error that caused it now (e.g. the RateLimitError with its retry_after).
            bool const crosses_deadline = deadline != Clock::time_point::max() &&
                                          Clock::now() + decision.delay >= deadline;
            if (!decision.retry || crosses_deadline)
                rethrow_sanitised();
        }
        if (options_.http.logger)
            options_.http.logger(LogLevel::info,
                                 options_.provider + ": retrying in " +
                                     std::to_string(decision.delay.count()) + " ms (" +
                                     std::string(decision.reason) + ")");
        asio::steady_timer timer(co_await asio::this_coro::executor, decision.delay);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) // Cancelled while waiting to retry.
            throw_error(errc::cancelled, "cancelled while waiting to retry");
    }
}

asio::awaitable<http::HttpResponse> ProviderTransport::send(http::HttpRequest request,
                                                            CallOptions const& call)
{
    request = with_call_deadline(std::move(request), call);
    co_return co_await with_retries(
        [&]() -> asio::awaitable<http::HttpResponse> {
            auto response = co_await client_.send(endpoint_, request);
            if (!is_success(response.status))
                throw_for(response);
            co_return response;
        },
        call, request.deadline);
}

asio::awaitable<http::HttpStream> ProviderTransport::open(http::HttpRequest request,
                                                          CallOptions const& call)
{
    request = with_call_deadline(std::move(request), call);
    co_return co_await with_retries(
        [&]() -> asio::awaitable<http::HttpStream> {
            auto stream = co_await client_.open(endpoint_, request);
            if (!is_success(stream.status())) {
                http::HttpResponse response;
                response.status = stream.status();
                response.headers = stream.headers();
                // Error bodies are small; a huge one is cut, the message survives.
                response.body = co_await stream.read_all(options_.http.limits.max_body_bytes);
                throw_for(response);
            }
            co_return stream;
        },
        call, request.deadline);
}

} // namespace llmio

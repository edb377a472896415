#include <llmio/provider_transport.hpp>

#include <llmio/error_mapping.hpp>
#include <llmio/error_sanitize.hpp>
#include <llmio/metrics.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <optional>
#include <random>
#include <type_traits>

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

HttpErrorInput error_input(TransportOptions const& options, unsigned status,
                           beast::http::fields const& headers, std::string_view body)
{
    auto header = [&](std::string_view name) -> std::string_view {
        auto it = headers.find(name);
        return it == headers.end() ? std::string_view{} : std::string_view(it->value());
    };
    HttpErrorInput in;
    in.provider = options.provider;
    in.rules = options.error_rules;
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
                                                  std::string body, std::string_view accept) const
{
    http::HttpRequest request;
    request.method = method;
    request.path = std::move(path);
    request.body = std::move(body);
    request.headers = options_.headers;
    request.headers.push_back({"Accept", std::string(accept), false});
    return request;
}

void ProviderTransport::raise(errc code, ErrorInfo info) const
{
    if (info.provider.empty())
        info.provider = options_.provider;
    redact_secrets(info, secrets_);
    // The one place a model-not-found passes, whether from a status, a 200 body or a stream.
    if (code == errc::model_not_found && options_.on_model_not_found)
        options_.on_model_not_found();
    throw_error(code, std::move(info));
}

void ProviderTransport::throw_for(http::HttpResponse const& response) const
{
    MappedError mapped = map_http_error(error_input(options_, response.status, response.headers, response.body));
    raise(mapped.code, std::move(mapped.info));
}

void ProviderTransport::check_json_answer(http::HttpResponse const& response,
                                          std::string_view expected_member) const
{
    auto const type = response.header("Content-Type");
    if (type.find("text/html") != std::string_view::npos) {
        ErrorInfo info;
        info.http_status = static_cast<int>(response.status);
        set_raw_body(info, response.body);
        info.detail = "expected JSON, got " + std::string(type);
        raise(errc::unexpected_content_type, std::move(info));
    }
    if (is_error_body(response.body, expected_member))
        throw_for(response);
}

void ProviderTransport::throw_in_band(std::string_view error_json) const
{
    HttpErrorInput in;
    in.provider = options_.provider;
    in.rules = options_.error_rules;
    in.status = 200;
    in.body = error_json;
    in.content_type = "application/json";
    MappedError mapped = map_http_error(in);
    raise(mapped.code, std::move(mapped.info));
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

// The path of every call, in one coroutine: the attempts (each a request and, for a whole
// answer, its body), the waits between them, then the checks of the answer, which are not
// retried (an error inside a 200 is the server's word, not a transient failure).
template <class Answer>
asio::awaitable<Answer> ProviderTransport::exchange(http::HttpRequest request, CallOptions call,
                                                    Check check)
{
    constexpr bool whole = std::is_same_v<Answer, http::HttpResponse>;
    // `call` is this frame's own copy: asio's coroutines start suspended, so a reference to
    // a caller's temporary (`call_json(request, {})` returned from a plain function) would
    // dangle by the time this body runs.
    request = with_call_deadline(std::move(request), call);
    RetryPolicy const policy = call.retry ? *call.retry : options_.retry;
    std::optional<Answer> answer;
    // Bounded: decide_retry refuses once policy.max_retries retries were made.
    for (int retries = 0; !answer; ++retries) {
        RetryDecision decision;
        try {
            auto stream = co_await client_.open_ref(endpoint_, request);
            if (call.meter) {
                auto const& timing = stream.timing();
                call.meter->response_head(timing.queue_wait, timing.connect, timing.reused, retries);
            }
            if (!is_success(stream.status()) || whole) {
                http::HttpResponse response;
                response.status = stream.status();
                response.headers = stream.headers();
                // Error bodies are small; a huge one is cut, the message survives.
                response.body = co_await stream.read_all(options_.http.limits.max_body_bytes);
                if (call.meter)
                    call.meter->add_bytes(response.body.size());
                if (!is_success(response.status))
                    throw_for(response);
                if constexpr (whole)
                    answer.emplace(std::move(response));
            }
            if constexpr (!whole)
                answer.emplace(std::move(stream));
            break;
        } catch (ProviderError const& e) {
            if (call.meter)
                call.meter->set_retries(retries);
            decision = decide_retry(policy, retries, e, false, random01());
            // A wait that would end at or past the deadline is pointless: the caller gets the
            // error that caused it now (e.g. the RateLimitError with its retry_after).
            bool const crosses_deadline = request.deadline != Clock::time_point::max() &&
                                          Clock::now() + decision.delay >= request.deadline;
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
        if (ec) { // Cancelled while waiting to retry.
            ErrorInfo info;
            info.detail = "cancelled while waiting to retry";
            raise(errc::cancelled, std::move(info));
        }
    }

    if constexpr (whole) {
        if (!check.success_member.empty())
            check_json_answer(*answer, check.success_member);
        co_return std::move(*answer);
    } else {
        if (!check.stream)
            co_return std::move(*answer);
        auto& stream = *answer;
        auto const type = stream.header("Content-Type");
        bool const expected = check.content_type.empty()
                                  ? type.find("text/html") == std::string_view::npos
                                  : type.find(check.content_type) != std::string_view::npos;
        if (expected)
            co_return std::move(stream);
        // Not the stream asked for: the server ignored `stream`, answered its error as JSON with
        // status 200, or something else (a proxy's page) answered.
        http::HttpResponse response;
        response.status = stream.status();
        response.headers = stream.headers();
        response.body = co_await stream.read_all(options_.http.limits.max_body_bytes);
        check_json_answer(response, check.success_member);
        auto const got = response.header("Content-Type");
        ErrorInfo info;
        info.http_status = static_cast<int>(response.status);
        set_raw_body(info, response.body);
        info.detail = "expected " + std::string(check.content_type) + " for " + std::string(check.what) +
                      ", got " + (got.empty() ? std::string("no Content-Type") : std::string(got));
        raise(errc::unexpected_content_type, std::move(info));
    }
}

asio::awaitable<http::HttpResponse> ProviderTransport::send(http::HttpRequest request,
                                                            CallOptions const& call)
{
    return exchange<http::HttpResponse>(std::move(request), call, {});
}

asio::awaitable<http::HttpStream> ProviderTransport::open(http::HttpRequest request,
                                                          CallOptions const& call)
{
    return exchange<http::HttpStream>(std::move(request), call, {});
}

asio::awaitable<http::HttpResponse> ProviderTransport::call_json(JsonCall request,
                                                                 CallOptions const& call)
{
    Check check;
    check.success_member = request.success_member;
    return exchange<http::HttpResponse>(
        json_request(request.method, std::move(request.path), std::move(request.body)), call, check);
}

asio::awaitable<http::HttpStream> ProviderTransport::open_stream(StreamCall request,
                                                                 CallOptions const& call)
{
    Check check;
    check.stream = true;
    check.content_type = request.content_type;
    check.success_member = request.success_member;
    check.what = request.what;
    return exchange<http::HttpStream>(json_request(request.method, std::move(request.path),
                                                   std::move(request.body), request.accept),
                                      call, check);
}

} // namespace llmio

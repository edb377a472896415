#include "api_error.hpp"

#include "json_text.hpp"

#include <llmio/error.hpp>

#include <string>

namespace llmio::gateway {

namespace {

ApiError from_provider_error(ProviderError const& e)
{
    ApiError out;
    out.message = e.server_message().empty() ? std::string(e.what()) : e.server_message();
    switch (e.kind()) {
    case ErrorKind::invalid_request:
        out.status = Status::bad_request;
        out.type = "invalid_request_error";
        break;
    case ErrorKind::context_length:
        out.status = Status::bad_request;
        out.type = "invalid_request_error";
        out.code = "context_length_exceeded";
        break;
    case ErrorKind::model_not_found:
        out.status = Status::not_found;
        out.type = "invalid_request_error";
        out.code = "model_not_found";
        out.param = "model";
        break;
    case ErrorKind::authentication:
        out.status = Status::unauthorized;
        out.type = "authentication_error";
        break;
    case ErrorKind::rate_limit:
        out.status = Status::too_many_requests;
        out.type = "rate_limit_error";
        out.code = "rate_limit_exceeded";
        if (auto const wait = e.info().retry_after)
            out.retry_after = std::chrono::ceil<std::chrono::seconds>(*wait);
        break;
    case ErrorKind::timeout:
        out.status = Status::gateway_timeout;
        out.type = "timeout_error";
        break;
    case ErrorKind::network:
    case ErrorKind::cancelled:
        out.status = Status::service_unavailable;
        out.type = "service_unavailable_error";
        break;
    case ErrorKind::server:
        out.status = e.http_status() == 503 ? Status::service_unavailable : Status::bad_gateway;
        out.type = "upstream_error";
        break;
    case ErrorKind::malformed_response:
        out.status = Status::bad_gateway;
        out.type = "upstream_error";
        break;
    }
    return out;
}

} // namespace

ApiError invalid_request(std::string message, std::string param)
{
    ApiError out;
    out.status = Status::bad_request;
    out.message = std::move(message);
    out.type = "invalid_request_error";
    out.param = std::move(param);
    return out;
}

void throw_invalid(std::string message, std::string param)
{
    throw ApiException(invalid_request(std::move(message), std::move(param)));
}

ApiError api_error_from(std::exception_ptr error)
{
    try {
        std::rethrow_exception(error);
    } catch (ApiException const& e) {
        return e.error();
    } catch (ProviderError const& e) {
        return from_provider_error(e);
    } catch (std::exception const& e) {
        ApiError out;
        out.message = std::string("internal error: ") + e.what();
        out.type = "server_error";
        return out;
    } catch (...) {
        ApiError out;
        out.message = "internal error";
        out.type = "server_error";
        return out;
    }
}

void append_error_object(std::string& out, ApiError const& error)
{
    auto const nullable = [&out](std::string const& text) {
        if (text.empty())
            out += "null";
        else
            append_json_string(out, text);
    };
    out += "{\"error\":{\"message\":";
    append_json_string(out, error.message);
    out += ",\"type\":";
    nullable(error.type);
    out += ",\"param\":";
    nullable(error.param);
    out += ",\"code\":";
    nullable(error.code);
    out += "}}";
}

std::string error_body(ApiError const& error)
{
    std::string out;
    append_error_object(out, error);
    return out;
}

boost::asio::awaitable<void> reply_error(Exchange& exchange, ApiError const& error)
{
    auto const body = error_body(error);
    if (error.retry_after) {
        auto const seconds = std::to_string(error.retry_after->count());
        Header const retry_after[] = {{"Retry-After", seconds}};
        co_await exchange.reply(error.status, "application/json", body, retry_after);
    } else {
        co_await exchange.reply(error.status, "application/json", body);
    }
}

} // namespace llmio::gateway

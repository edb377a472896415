#include <llmio/error.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace llmio;

TEST_CASE("errc values compare through the llmio category", "[error]")
{
    boost::system::error_code ec = errc::rate_limited;
    CHECK(ec.category().name() == std::string("llmio"));
    CHECK(ec == errc::rate_limited);
    CHECK(ec.message() == "rate limited");
}

TEST_CASE("throw_error throws the subclass that matches the kind", "[error]")
{
    ErrorInfo info;
    info.provider = "openai";
    info.http_status = 429;
    info.server_message = "Rate limit reached for requests";
    info.retry_after = std::chrono::milliseconds(1500);
    try {
        throw_error(errc::rate_limited, info);
        FAIL("no exception");
    } catch (RateLimitError const& e) {
        CHECK(e.code() == errc::rate_limited);
        CHECK(e.kind() == ErrorKind::rate_limit);
        CHECK(e.retryable());
        CHECK(e.retry_after() == std::chrono::milliseconds(1500));
        CHECK(e.server_message() == "Rate limit reached for requests");
        CHECK(std::string(e.what()) ==
              "rate limited: Rate limit reached for requests (HTTP 429; provider openai)");
    }

    CHECK_THROWS_AS(throw_error(errc::idle_timeout, "reading"), TimeoutError);
    CHECK_THROWS_AS(throw_error(errc::cancelled, ""), CancelledError);
    CHECK_THROWS_AS(throw_error(errc::stream_truncated, ""), MalformedResponseError);
    CHECK_THROWS_AS(throw_error(errc::body_too_large, ""), MalformedResponseError);
    CHECK_THROWS_AS(throw_error(errc::connection_refused, ""), NetworkError);
    CHECK_THROWS_AS(throw_error(errc::context_length_exceeded, ""), ContextLengthError);
    CHECK_THROWS_AS(throw_error(errc::model_not_found, ""), ModelNotFoundError);
    CHECK_THROWS_AS(throw_error(errc::authentication_failed, ""), AuthenticationError);
    CHECK_THROWS_AS(throw_error(errc::server_error, ""), ServerError);
    CHECK_THROWS_AS(throw_error(errc::invalid_endpoint, ""), InvalidRequestError);
    // Every llmio error is also a std::runtime_error for code that knows nothing of llmio.
    CHECK_THROWS_AS(throw_error(errc::server_error, ""), std::runtime_error);
}

TEST_CASE("is_retryable separates transient failures from final ones", "[error]")
{
    CHECK(is_retryable(errc::connection_refused));
    CHECK(is_retryable(errc::connection_reset));
    CHECK(is_retryable(errc::rate_limited));
    CHECK(is_retryable(errc::server_error));
    CHECK(is_retryable(errc::first_byte_timeout));
    CHECK_FALSE(is_retryable(errc::cancelled));
    CHECK_FALSE(is_retryable(errc::idle_timeout));
    CHECK_FALSE(is_retryable(errc::total_timeout));
    CHECK_FALSE(is_retryable(errc::invalid_request));
    CHECK_FALSE(is_retryable(errc::authentication_failed));
    CHECK_FALSE(is_retryable(errc::malformed_response));
    CHECK_FALSE(is_retryable({}));
}

TEST_CASE("raw bodies are stored bounded", "[error]")
{
    ErrorInfo info;
    set_raw_body(info, std::string(10000, 'x'));
    CHECK(info.raw_body.size() == ErrorInfo::kMaxRawBody);
}

TEST_CASE("rethrow_attributed names the provider only where none is named", "[error]")
{
    auto attributed = [](errc code, std::string provider_in_error) {
        try {
            try {
                ErrorInfo info;
                info.provider = provider_in_error;
                info.server_message = "boom";
                throw_error(code, info);
            } catch (...) {
                rethrow_attributed("lmstudio");
            }
        } catch (ProviderError const& e) {
            return std::pair<std::string, std::string>(e.provider(), e.server_message());
        }
        return std::pair<std::string, std::string>();
    };
    CHECK(attributed(errc::connection_refused, "") == std::pair<std::string, std::string>("lmstudio", "boom"));
    CHECK(attributed(errc::server_error, "ollama") == std::pair<std::string, std::string>("ollama", "boom"));
    // The subclass survives the rethrow.
    try {
        try {
            throw_error(errc::stream_truncated, "cut");
        } catch (...) {
            rethrow_attributed("openai");
        }
    } catch (MalformedResponseError const& e) {
        CHECK(e.provider() == "openai");
        CHECK(e.code() == errc::stream_truncated);
    }
}

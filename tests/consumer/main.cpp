// A program that uses llmio the way an application does: through `find_package(llmio)` or
// `add_subdirectory(llmio)`. It only has to compile, link and run: the headers it includes and
// the symbols it calls must all come from what llmio installs or exports.

#include <llmio/openai.hpp> // the umbrella: llmio/llmio.hpp and the OpenAI provider

#include <llmio/error.hpp>
#include <llmio/http/endpoint.hpp>
#include <llmio/http/http_client.hpp>
#include <llmio/openai/wire.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>
#include <string>

namespace {

boost::asio::awaitable<int> forty_two()
{
    co_return 42;
}

} // namespace

int main()
{
    auto const endpoint = llmio::http::Endpoint::parse("localhost:1234/v1/");

    boost::asio::io_context io;
    llmio::http::HttpClient const client(io.get_executor());

    llmio::ChatRequest request;
    request.model = "m";
    request.messages.push_back(llmio::Message::user("hi"));
    std::string const body =
        boost::json::serialize(llmio::openai::chat_request_body(request, false, false));

    std::cout << endpoint.to_string() << endpoint.api_prefix() << ' ' << body << '\n';

    // llmio::run's loop is compiled into the installed library.
    int const answer = llmio::run(io, forty_two());

    bool const ok = answer == 42 && endpoint.to_string() == "http://localhost:1234" &&
                    endpoint.api_prefix() == "/v1" && client.connections_opened() == 0 &&
                    body.find(R"("model":"m")") != std::string::npos &&
                    llmio::is_retryable(llmio::errc::rate_limited);
    return ok ? 0 : 1;
}

// Server text shown to users is one line with control characters escaped, and configured
// secrets never appear in it (error_sanitize.hpp, docs/errors.md): the escaping rule itself,
// ProviderError's what() and message fields, errors from a server that quotes the API key back,
// and the CLI's stderr.

#include "support/cli_runner.hpp"
#include "support/emulator_fixture.hpp"
#include "support/expect_error.hpp"
#include "support/run_async.hpp"
#include "support/scripted_server.hpp"

#include <llmio/error.hpp>
#include <llmio/error_sanitize.hpp>
#include <llmio/lmstudio/provider.hpp>
#include <llmio/openai/provider.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace llmio;
using test::expect_error;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using emulators::Fault;
using test::ScriptedServer;
using test::ServerConnection;

TEST_CASE("escape_for_display: one line, controls and invalid UTF-8 escaped", "[error][sanitize]")
{
    CHECK(escape_for_display("plain text") == "plain text");
    CHECK(escape_for_display("a\r\nb\tc") == "a\\r\\nb\\tc");
    CHECK(escape_for_display("back\\slash") == "back\\slash");
    CHECK(escape_for_display(std::string("nul\0x", 5)) == "nul\\x00x");
    CHECK(escape_for_display("esc\x1b[31mred\x7f") == "esc\\x1B[31mred\\x7F");
    // C1 controls (U+0085 NEL, U+009B CSI) are escaped as their code point.
    CHECK(escape_for_display("nel\xC2\x85" "csi\xC2\x9B") == "nel\\x85csi\\x9B");
    // Valid UTF-8 stays, U+00A0 (the first code point after C1) included.
    CHECK(escape_for_display("caf\xC3\xA9 \xF0\x9F\x98\x80 \xC2\xA0") == "caf\xC3\xA9 \xF0\x9F\x98\x80 \xC2\xA0");
    // Invalid UTF-8: a lone byte, a cut sequence, an overlong form, a surrogate.
    CHECK(escape_for_display("\xFF") == "\\xFF");
    CHECK(escape_for_display("\xC3") == "\\xC3");
    CHECK(escape_for_display("\xE2\x82") == "\\xE2\\x82");
    CHECK(escape_for_display("\xC0\xAF") == "\\xC0\\xAF");
    CHECK(escape_for_display("\xED\xA0\x80") == "\\xED\\xA0\\x80");
    // Escaping escaped text changes nothing, so errors can be rebuilt safely.
    auto const once = escape_for_display("x\n\x01\xFF\xC2\x85");
    CHECK(escape_for_display(once) == once);
}

TEST_CASE("redact_secrets: every occurrence, Bearer form included, short secrets kept", "[error][sanitize]")
{
    std::vector<std::string> const secrets = secrets_of_header_value("Bearer sk-test-123456");
    CHECK(secrets == std::vector<std::string>{"sk-test-123456"});
    CHECK(secrets_of_header_value("opaque-token") == std::vector<std::string>{"opaque-token"});
    CHECK(secrets_of_header_value("Bearer abc").empty());
    CHECK(redact_secrets("got Authorization: Bearer sk-test-123456, key sk-test-123456", secrets) ==
          "got Authorization: Bearer [redacted], key [redacted]");
    std::vector<std::string> const tiny{"a", "abc"};
    CHECK(redact_secrets("a cat abc", tiny) == "a cat abc");
    CHECK(sanitize_for_display("key\nsk-test-123456", secrets) == "key\\n[redacted]");
}

TEST_CASE("ProviderError: what() and message fields are one line, the raw message stays", "[error][sanitize]")
{
    ErrorInfo info;
    info.provider = "openai";
    info.http_status = 400;
    info.server_message = "bad\r\nllmio: forged line\x1b[2J";
    info.detail = "detail\nwith a break";
    InvalidRequestError const e(errc::invalid_request, info);
    CHECK(std::string(e.what()) == "invalid request: bad\\r\\nllmio: forged line\\x1B[2J (HTTP 400; "
                                   "provider openai; detail\\nwith a break)");
    CHECK(e.server_message() == "bad\\r\\nllmio: forged line\\x1B[2J");
    CHECK(e.raw_server_message() == "bad\r\nllmio: forged line\x1b[2J");
    CHECK(e.info().detail == "detail\\nwith a break");
}

namespace {

asio::awaitable<void> answer_once(ServerConnection& c, std::string response)
{
    co_await c.read_request();
    co_await c.write(response);
    co_await c.wait_for_client_close(5s);
}

ChatRequest hello(std::string model)
{
    ChatRequest r;
    r.model = std::move(model);
    r.messages.push_back(Message::user("hello"));
    return r;
}

} // namespace

TEST_CASE("LM Studio's four-line 404 message becomes one line", "[error][sanitize][lmstudio]")
{
    std::string const body =
        R"({"error":{"message":"Model \"local model\" not found. Please specify a valid model.\n\nYour models:\n\tqwen2.5-7b-instruct",)"
        R"("type":"invalid_request_error","param":"model","code":"model_not_found"}})";
    ScriptedServer server([response = test::http_response(404, body)](ServerConnection& c) {
        return answer_once(c, response);
    });
    lmstudio::Options o;
    o.base_url = server.base_url();
    o.retry = RetryPolicy::none();
    auto const e = expect_error<ModelNotFoundError>([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            lmstudio::Provider provider(ex, o);
            co_await provider.chat_stream(hello("local model"));
        });
    });
    std::string const one_line = "Model \"local model\" not found. Please specify a valid model.\\n\\nYour "
                                 "models:\\n\\tqwen2.5-7b-instruct";
    CHECK(e.server_message() == one_line);
    CHECK(std::string(e.what()) == "model not found: " + one_line + " (HTTP 404; provider lmstudio)");
    CHECK(e.raw_server_message() ==
          "Model \"local model\" not found. Please specify a valid model.\n\nYour models:\n\tqwen2.5-7b-instruct");
}

TEST_CASE("a server quoting the API key back never gets it into errors", "[error][sanitize][openai]")
{
    std::string const body =
        R"({"error":{"message":"invalid header Authorization: Bearer sk-test-123456\r\nllmio: forged","type":"invalid_request_error","param":null,"code":null}})";
    ScriptedServer server([response = test::http_response(400, body)](ServerConnection& c) {
        return answer_once(c, response);
    });
    openai::Options o;
    o.base_url = server.base_url();
    o.api_key = "sk-test-123456";
    o.retry = RetryPolicy::none();
    auto const e = expect_error<InvalidRequestError>([&] {
        test::run_async([&](asio::any_io_executor ex) -> asio::awaitable<ChatResponse> {
            openai::OpenAICompatibleProvider provider(ex, o);
            co_return co_await provider.chat(hello("gpt-4o-mini"));
        });
    });
    CHECK(std::string(e.what()) ==
          "invalid request: invalid header Authorization: Bearer [redacted]\\r\\nllmio: forged (HTTP 400; provider openai)");
    CHECK(e.server_message().find("sk-test") == std::string::npos);
    CHECK(e.raw_server_message() == "invalid header Authorization: Bearer [redacted]\r\nllmio: forged");
    CHECK(e.raw_body().find("sk-test-123456") == std::string::npos);
    CHECK(e.raw_body().find("Bearer [redacted]") != std::string::npos);
}

TEST_CASE("cli: server error text is one line on stderr and the API key is redacted", "[cli][sanitize]")
{
    test::OpenAiEmulatorFixture openai;
    openai.server.faults().add(
        Fault::respond(400, R"({"error":{"message":"bad key sk-test-123456\nllmio: forged line","type":"invalid_request_error","param":null,"code":null}})")
            .on("/v1/chat/completions"));
    test::CliInput input;
    input.env = {{"LLMIO_DISCOVERY_URLS", ""}, {"LLMIO_MAX_RETRIES", "0"}};
    auto const r = test::run_cli({"chat", "--provider", "openai", "--url", openai.server.base_url(), "--api-key",
                                  "sk-test-123456", "-m", "gpt-4o-mini", "hi"},
                                 input);
    CHECK(r.code == 7);
    CHECK(r.err.starts_with("llmio: invalid request: bad key [redacted]\\nllmio: forged line (HTTP 400)\n"));
    CHECK(r.err.find("\nllmio: forged") == std::string::npos); // no forged line
    CHECK(r.err.find("sk-test") == std::string::npos);
}

TEST_CASE("cli: model ids a server lists are printed escaped", "[cli][sanitize]")
{
    auto config = emulators::OpenAiEmulatorConfig::openai();
    config.models.push_back({"evil\x1b[2Jmodel\nllmio: forged", ""});
    test::OpenAiEmulatorFixture openai(config);
    test::CliInput input;
    input.env = {{"LLMIO_DISCOVERY_URLS", ""}, {"LLMIO_MAX_RETRIES", "0"}};
    auto const r = test::run_cli({"models", "--provider", "openai", "--url", openai.server.base_url()}, input);
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(r.out.find("evil\\x1B[2Jmodel\\nllmio: forged") != std::string::npos);
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.out.find("\nllmio: forged") == std::string::npos);
}

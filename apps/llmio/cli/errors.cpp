#include "cli/errors.hpp"

#include <llmio/error.hpp>
#include <llmio/error_sanitize.hpp>

#include <ostream>

namespace llmio::cli {

namespace {

std::string kind_text(ProviderError const& e)
{
    switch (e.error()) {
    case errc::unsupported: return "unsupported";
    case errc::invalid_endpoint: return "usage";
    default: return std::string(kind_name(e.kind()));
    }
}

/// The server's words when it said anything, else llmio's explanation.
std::string message_of(ProviderError const& e)
{
    std::string message = e.server_message();
    if (message.empty())
        message = e.info().detail;
    if (message.empty())
        message = e.what();
    if (e.http_status() != 0)
        message += " (HTTP " + std::to_string(e.http_status()) + ")";
    return message;
}

std::string hint_for(ProviderError const& e, ErrorReportContext const& context)
{
    std::string const& model = context.model;
    // The CLI knows the next command to run for these two; otherwise the library's hint wins.
    if (e.kind() == ErrorKind::network)
        return e.hint().empty() ? start_server_hint() : e.hint() + "; " + start_server_hint();
    // Loading cannot help a model the server could not find to download.
    if (e.kind() == ErrorKind::model_not_found && context.command == "pull")
        return "check the model name in the server's catalogue (Ollama: ollama.com/library, "
               "e.g. `llama3.2:1b`); `llmio models --downloaded` lists the models already on disk";
    if (e.kind() == ErrorKind::model_not_found)
        return "list the models with `llmio models`; load one with `llmio load " +
               (model.empty() ? std::string("MODEL") : model) + "`";
    if (!e.hint().empty())
        return e.hint();
    switch (e.kind()) {
    case ErrorKind::authentication:
        return "pass --api-key KEY or set the provider's key variable (OPENAI_API_KEY, "
               "LM_API_TOKEN, OLLAMA_API_KEY)";
    case ErrorKind::timeout: return "raise the limit with --timeout SECONDS (0 = no limit)";
    case ErrorKind::context_length: return "shorten the prompt or load the model with a larger "
                                           "--context-length";
    default: return {};
    }
}

// Each text may quote a server or a user: one line each, nothing a terminal interprets, and no
// configured secret.
void print(std::ostream& err, std::string const& kind, std::string const& message,
           std::string const& hint, std::vector<std::string> const& secrets)
{
    err << "llmio: " << sanitize_for_display(kind, secrets) << ": "
        << sanitize_for_display(message, secrets) << '\n';
    if (!hint.empty())
        err << "hint: " << sanitize_for_display(hint, secrets) << '\n';
    err.flush();
}

} // namespace

void throw_usage(std::string const& message)
{
    throw CliError(ExitCode::usage, "usage", message, "see `llmio --help`");
}

std::string start_server_hint()
{
    return "start a server: LM Studio with `lms server start`, or Ollama with `ollama serve`; "
           "or try the emulator: `llmio emulate --as lmstudio`";
}

int report_error(std::exception_ptr error, std::ostream& err, ErrorReportContext const& context)
{
    auto const& secrets = context.secrets;
    try {
        std::rethrow_exception(error);
    } catch (CancelledError const&) {
        return to_int(ExitCode::cancelled);
    } catch (ProviderError const& e) {
        print(err, kind_text(e), message_of(e), hint_for(e, context), secrets);
        return to_int(exit_code_for(e.error()));
    } catch (CliError const& e) {
        print(err, e.kind(), e.what(), e.hint(), secrets);
        return to_int(e.code());
    } catch (std::exception const& e) {
        print(err, "error", e.what(), {}, secrets);
        return to_int(ExitCode::server_error);
    } catch (...) {
        print(err, "error", "unknown failure", {}, secrets);
        return to_int(ExitCode::server_error);
    }
}

} // namespace llmio::cli

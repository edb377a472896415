// `llmio emulate`: the conformance suite's emulators as a server, to test applications offline.

#include "cli/commands.hpp"
#include "cli/errors.hpp"

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/lmstudio_emulator.hpp>
#include <llmio/testing/emulators/ollama_emulator.hpp>
#include <llmio/testing/emulators/openai_emulator.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <ostream>

namespace llmio::cli {

namespace {

std::shared_ptr<emulators::Dialect> make_dialect(std::string const& kind)
{
    if (kind == "lmstudio")
        return std::make_shared<emulators::LmStudioEmulator>();
    if (kind == "ollama")
        return std::make_shared<emulators::OllamaEmulator>();
    if (kind == "openai")
        return std::make_shared<emulators::OpenAiEmulator>();
    throw_usage("--as must be lmstudio, ollama or openai (not '" + kind + "')");
}

/// The port the real server uses, so applications work unchanged.
unsigned short usual_port(std::string const& kind)
{
    if (kind == "lmstudio")
        return 1234;
    if (kind == "ollama")
        return 11434;
    return 8080;
}

} // namespace

boost::asio::awaitable<int> cmd_emulate(Context& ctx, EmulateOptions options)
{
    auto dialect = make_dialect(options.as);
    emulators::ServerOptions server_options;
    server_options.host = options.host;
    auto const port = options.port.value_or(usual_port(options.as));
    if (port < 0 || port > 65535)
        throw_usage("--port must be 0..65535");
    server_options.port = static_cast<unsigned short>(port);
    emulators::EmulatorServer server(std::move(dialect), server_options);
    try {
        server.start();
    } catch (boost::system::system_error const& e) {
        throw CliError(ExitCode::network, "network",
                       "cannot listen on " + options.host + ":" + std::to_string(port) + ": " +
                           e.code().message(),
                       "choose another port with --port N (0 = any free port)");
    }
    ctx.streams.out << "listening on " << server.base_url() << '\n' << std::flush;
    ctx.streams.err << "llmio: emulating " << options.as << "; Ctrl-C stops\n" << std::flush;

    // Serve until cancelled (SIGINT/SIGTERM cancel this coroutine).
    boost::asio::steady_timer forever(co_await boost::asio::this_coro::executor,
                                      boost::asio::steady_timer::time_point::max());
    co_await forever.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    server.stop();
    ctx.streams.err << "llmio: emulator stopped after " << server.requests_served() << " requests\n"
                    << std::flush;
    co_return 0;
}

} // namespace llmio::cli

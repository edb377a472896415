// Parsing (CLI11) and running one command on an io_context, with Ctrl-C as cancellation.

#include "cli/run.hpp"

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/errors.hpp"

#include <CLI/CLI.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>

namespace llmio::cli {

namespace {

// The keys the user gave the CLI: redacted from whatever an error report prints (the library
// redacts the ones its providers use; a key from the config file is among those).
std::vector<std::string> configured_secrets(Context const& ctx)
{
    std::vector<std::string> out;
    if (ctx.common.api_key)
        out.push_back(*ctx.common.api_key);
    for (char const* name : {"OPENAI_API_KEY", "LM_API_TOKEN", "OLLAMA_API_KEY"})
        if (auto value = ctx.raw_env(name))
            out.push_back(*value);
    // The keys of the config file's instances, and the variables its api_key_env names.
    try {
        if (auto const file = ConfigFile::from_environment(ctx.env))
            for (auto const& name : file->provider_names()) {
                auto const& section = *file->provider(name);
                if (section.api_key && !section.api_key->empty())
                    out.push_back(*section.api_key);
                if (section.api_key_env)
                    if (auto value = ctx.env.get(*section.api_key_env))
                        out.push_back(*value);
            }
    } catch (std::exception const&) {
        // A file that cannot be read holds no key to hide (its error says so by itself).
    }
    return out;
}

using Command = std::function<boost::asio::awaitable<int>()>;

std::string join_words(std::vector<std::string> const& words)
{
    std::string text;
    for (auto const& word : words)
        text += (text.empty() ? "" : " ") + word;
    return text;
}

std::string help_footer()
{
    return std::string(exit_code_help()) +
           "\nEnvironment: provider keys and URLs as in docs/configuration.md (OPENAI_API_KEY,\n"
           "LM_API_TOKEN, OLLAMA_HOST, LLMIO_CONFIG, ...); LLMIO_DISCOVERY_URLS replaces the\n"
           "addresses discovery probes (comma-separated; empty = none). --config FILE replaces\n"
           "LLMIO_CONFIG; a route of that file given as the model (-m ROUTE) uses the router.\n"
           "Without --provider and --url, llmio uses the first local server found (LM Studio "
           "first).\n";
}

/// Ctrl-C / SIGTERM: the first one cancels the command, a second one ends the process.
void wait_for_signal(boost::asio::signal_set& signals, boost::asio::cancellation_signal& cancel,
                     bool& interrupted)
{
    signals.async_wait([&signals, &cancel, &interrupted](boost::system::error_code ec, int) {
        if (ec)
            return;
        if (interrupted)
            std::_Exit(to_int(ExitCode::cancelled));
        interrupted = true;
        cancel.emit(boost::asio::cancellation_type::terminal);
        wait_for_signal(signals, cancel, interrupted);
    });
}

} // namespace

int run(std::span<char const* const> args, Streams& streams, boost::asio::io_context& io,
        RunOptions run_options)
{
    if (!streams.getenv)
        streams.getenv = [](std::string const& name) -> std::optional<std::string> {
            if (char const* value = std::getenv(name.c_str()))
                return std::string(value);
            return std::nullopt;
        };
    Context ctx{streams, {}, io.get_executor(), Environment(streams.getenv), {}, {}};

    CLI::App app{"llmio: talk to local and remote LLM servers (LM Studio, Ollama, OpenAI-compatible)",
                 "llmio"};
    app.set_version_flag("--version", std::string("llmio ") + LLMIO_CLI_VERSION);
    app.footer(help_footer());
    app.fallthrough(); // common options also after the command name
    app.require_subcommand(0, 1);

    auto& common = ctx.common;
    app.add_option("--provider", common.provider,
                   "lmstudio, ollama, openai, a provider of the config file, or router (default: discovered)");
    app.add_option("--config", common.config, "The config file (instead of LLMIO_CONFIG): providers and routes")
        ->check(CLI::ExistingFile);
    app.add_option("--url", common.url, "Server base URL (its kind is probed)");
    std::string api_key;
    auto* api_key_opt = app.add_option("--api-key", api_key, "API key (default: the provider's variable)");
    double timeout = 0;
    auto* timeout_opt = app.add_option("--timeout", timeout, "Total seconds per request (0 = none)")
                            ->check(CLI::NonNegativeNumber);
    app.add_flag("-v,--verbose", common.verbose, "Log provider selection and settings (keys redacted)");
    app.add_option("--cache", common.cache,
                   "Response cache of chat, complete and embed: off (default), deterministic or always")
        ->check(CLI::IsMember({"off", "deterministic", "always"}));
    app.add_option("--cache-path", common.cache_path,
                   "The response cache's SQLite file (default: $XDG_CACHE_HOME/llmio/responses.sqlite)");
    app.add_option("--cache-redis", common.cache_redis,
                   "A Redis server behind the cache file, shared by machines: redis://[:password@]host:port/db");

    Command command;
    bool stops_on_signal = false;

    // --- discover
    DiscoverOptions discover_options;
    auto* discover = app.add_subcommand("discover", "Find local LLM servers and say why others were not found");
    discover->add_flag("--json", discover_options.json, "Print JSON");
    discover->add_option("--timeout-ms", discover_options.timeout_ms, "Overall probe deadline (default 2000)")
        ->check(CLI::PositiveNumber);
    discover->callback([&] { command = [&] { return cmd_discover(ctx, discover_options); }; });

    // --- models
    ModelsOptions models_options;
    auto* models = app.add_subcommand("models", "List the server's models");
    auto* loaded = models->add_flag("--loaded", models_options.loaded, "Only models in memory");
    models->add_flag("--downloaded", models_options.downloaded, "Models on disk")->excludes(loaded);
    models->add_flag("--json", models_options.json, "Print a JSON array");
    models->callback([&] { command = [&] { return cmd_models(ctx, models_options); }; });

    // Generation options shared by chat and complete.
    std::int64_t max_tokens = 0, seed = 0;
    double temperature = 0;
    auto add_generation = [&](CLI::App* sub, GenerationOptions& gen) {
        sub->add_option("-m,--model", gen.model, "Model id, or provider/model (default: the loaded one)");
        sub->add_option("--max-tokens", max_tokens, "Upper bound on generated tokens")->check(CLI::PositiveNumber);
        sub->add_option("--temperature", temperature, "Sampling temperature")->check(CLI::Range(0.0, 2.0));
        sub->add_option("--seed", seed, "Sampling seed");
        sub->add_flag("--json", gen.json, "Print the final answer as one JSON object");
    };
    auto finish_generation = [&](CLI::App* sub, GenerationOptions& gen) {
        if (sub->count("--max-tokens"))
            gen.max_tokens = max_tokens;
        if (sub->count("--temperature"))
            gen.temperature = temperature;
        if (sub->count("--seed"))
            gen.seed = seed;
    };

    // --- chat
    ChatOptions chat_options;
    std::vector<std::string> chat_words;
    auto* chat = app.add_subcommand("chat", "Chat: PROMPT, piped stdin, or interactive on a terminal");
    add_generation(chat, chat_options.gen);
    chat->add_option("--system", chat_options.system, "System prompt");
    chat->add_flag("--no-stream", chat_options.no_stream, "Ask for the whole answer at once");
    chat->add_flag("--stats", chat_options.stats,
                   "After the answer, print on stderr: time to first token, tokens/s, tokens, total time");
    chat->add_option("--tools", chat_options.tools_file, "JSON file: array of OpenAI-style tool definitions")
        ->check(CLI::ExistingFile);
    chat->add_option("--tool-choice", chat_options.tool_choice, "auto, none, required or a tool name");
    chat->add_option("--json-schema", chat_options.json_schema_file, "JSON file: a JSON Schema the answer must follow")
        ->check(CLI::ExistingFile);
    chat->add_option("prompt", chat_words, "The prompt (words are joined with spaces)");
    chat->callback([&] {
        finish_generation(chat, chat_options.gen);
        if (!chat_words.empty())
            chat_options.prompt = join_words(chat_words);
        command = [&] { return cmd_chat(ctx, chat_options); };
    });

    // --- complete
    CompleteOptions complete_options;
    std::vector<std::string> complete_words;
    auto* complete = app.add_subcommand("complete", "Legacy text completion of PROMPT");
    add_generation(complete, complete_options.gen);
    complete->add_flag("--no-stream", complete_options.no_stream, "Ask for the whole completion at once");
    complete->add_option("prompt", complete_words, "The prompt")->required();
    complete->callback([&] {
        finish_generation(complete, complete_options.gen);
        complete_options.prompt = join_words(complete_words);
        command = [&] { return cmd_complete(ctx, complete_options); };
    });

    // --- embed
    EmbedOptions embed_options;
    auto* embed = app.add_subcommand("embed", "Embedding vectors of each TEXT");
    embed->add_option("-m,--model", embed_options.model, "Embedding model (default: the loaded one)");
    embed->add_flag("--json", embed_options.json, "Print a JSON array of vectors, in input order");
    embed->add_option("text", embed_options.texts, "Texts to embed")->required();
    embed->callback([&] { command = [&] { return cmd_embed(ctx, embed_options); }; });

    // --- load / unload / pull
    LoadCommandOptions load_options;
    std::int64_t context_length = 0;
    auto* load = app.add_subcommand("load", "Load MODEL into memory");
    load->add_option("model", load_options.model, "Model id")->required();
    load->add_option("--context-length", context_length, "Context length in tokens")->check(CLI::PositiveNumber);
    load->callback([&] {
        if (load->count("--context-length"))
            load_options.context_length = context_length;
        command = [&] { return cmd_load(ctx, load_options); };
    });
    std::string unload_model;
    auto* unload = app.add_subcommand("unload", "Unload MODEL from memory");
    unload->add_option("model", unload_model, "Model id")->required();
    unload->callback([&] { command = [&] { return cmd_unload(ctx, unload_model); }; });
    std::string pull_model;
    auto* pull = app.add_subcommand("pull", "Download MODEL (progress on stderr, result on stdout)");
    pull->add_option("model", pull_model, "Model id")->required();
    pull->callback([&] { command = [&] { return cmd_pull(ctx, pull_model); }; });

    // --- info / health
    bool info_json = false, health_json = false;
    auto* info = app.add_subcommand("info", "Server kind, version, base URL and models");
    info->add_flag("--json", info_json, "Print JSON");
    info->callback([&] { command = [&] { return cmd_info(ctx, info_json); }; });
    BenchModelOptions bench_options;
    auto* bench = app.add_subcommand("bench-model", "N streamed chats at concurrency C: percentiles of "
                                                    "time to first token, tokens/s and total");
    add_generation(bench, bench_options.gen);
    bench->add_option("-n,--requests", bench_options.requests, "Requests (default 10)")->check(CLI::PositiveNumber);
    bench->add_option("-c,--concurrency", bench_options.concurrency, "At once (default 1)")->check(CLI::PositiveNumber);
    bench->add_option("-p,--prompt", bench_options.prompt, "The prompt of every request");
    bench->callback([&] {
        finish_generation(bench, bench_options.gen);
        command = [&] { return cmd_bench_model(ctx, bench_options); };
    });
    bool ps_json = false;
    auto* ps = app.add_subcommand("ps", "Models in memory (size, GPU part, context) and on disk");
    ps->add_flag("--json", ps_json, "Print JSON (sizes in bytes)");
    ps->callback([&] { command = [&] { return cmd_ps(ctx, ps_json); }; });
    auto* health = app.add_subcommand("health", "Whether the server answers (exit 0) or not (exit 3)");
    health->add_flag("--json", health_json, "Print JSON");
    health->callback([&] { command = [&] { return cmd_health(ctx, health_json); }; });
    std::string cache_action;
    bool cache_json = false;
    auto* cache = app.add_subcommand("cache", "The persistent response cache: stats or clear");
    cache->add_option("action", cache_action, "stats or clear")
        ->required()
        ->check(CLI::IsMember({"stats", "clear"}));
    cache->add_flag("--json", cache_json, "Print the stats as JSON");
    cache->callback([&] { command = [&] { return cmd_cache(ctx, cache_action, cache_json); }; });
    bool routes_json = false;
    auto* routes = app.add_subcommand("routes", "The config file's routes, their targets and each provider's "
                                                "state, checked now (exit 3: a route has no healthy provider)");
    routes->add_flag("--json", routes_json, "Print JSON");
    routes->callback([&] { command = [&] { return cmd_routes(ctx, routes_json); }; });

    // --- emulate
    EmulateOptions emulate_options;
    int port = 0;
    auto* emulate = app.add_subcommand("emulate", "Serve an emulated LLM server for offline tests");
    emulate->add_option("--as", emulate_options.as, "lmstudio, ollama or openai")
        ->required()
        ->check(CLI::IsMember({"lmstudio", "ollama", "openai"}));
    emulate->add_option("--port", port, "Port (default: the real server's; 0 = any free port)")
        ->check(CLI::Range(0, 65535));
    emulate->add_option("--host", emulate_options.host, "Address to listen on (default 127.0.0.1)");
    emulate->callback([&] {
        if (emulate->count("--port"))
            emulate_options.port = port;
        stops_on_signal = true;
        command = [&] { return cmd_emulate(ctx, emulate_options); };
    });

    // --- serve
    ServeOptions serve_options;
    std::string serve_host;
    int serve_port = 0;
    std::size_t serve_threads = 1;
    double serve_drain_s = 0;
    auto* serve = app.add_subcommand("serve", "The gateway: the config file's providers and routes behind one "
                                              "OpenAI-compatible endpoint (docs/gateway.md)");
    serve->add_option("--host", serve_host, "Address to listen on (default 127.0.0.1)");
    serve->add_option("--port", serve_port, "Port (default 4000; 0 = any free port)")->check(CLI::Range(0, 65535));
    serve->add_option("--threads", serve_threads, "Threads serving requests (default 1)")->check(CLI::Range(1, 256));
    serve->add_option("--drain-s", serve_drain_s, "After Ctrl-C or SIGTERM: seconds open requests may go on (default 10)")
        ->check(CLI::Range(0.0, 86400.0));
    serve->add_option("--cors-origin", serve_options.cors_origins,
                      "An origin whose pages may call the gateway (scheme://host[:port]; repeatable; "
                      "added to serve.cors_origins)");
    serve->add_flag("--insecure-no-auth", serve_options.insecure_no_auth,
                    "Listen beyond loopback without client API keys (anyone who reaches the port may use "
                    "every model)");
    serve->callback([&] {
        if (serve->count("--host"))
            serve_options.host = serve_host;
        if (serve->count("--port"))
            serve_options.port = static_cast<unsigned short>(serve_port);
        if (serve->count("--threads"))
            serve_options.threads = serve_threads;
        if (serve->count("--drain-s"))
            serve_options.drain_s = serve_drain_s;
        stops_on_signal = true;
        command = [&] { return cmd_serve(ctx, serve_options); };
    });

    try {
        app.parse(static_cast<int>(args.size()), args.data());
    } catch (CLI::ParseError const& e) {
        if (e.get_exit_code() == 0)
            return app.exit(e, streams.out, streams.err);
        streams.err << "llmio: usage: " << e.what() << "\nhint: see `llmio --help`\n" << std::flush;
        return to_int(ExitCode::usage);
    }
    if (!common.config.empty())
        ctx.env = Environment([getenv = streams.getenv, path = common.config](std::string const& name) {
            return name == "LLMIO_CONFIG" ? std::optional<std::string>(path) : getenv(name);
        });
    if (api_key_opt->count())
        common.api_key = api_key;
    if (timeout_opt->count())
        common.timeout_s = timeout;
    if (!command) {
        streams.out << app.help();
        streams.err << "llmio: usage: no command given\n" << std::flush;
        return to_int(ExitCode::usage);
    }

    boost::asio::cancellation_signal cancel;
    bool interrupted = false;
    std::optional<boost::asio::signal_set> signals;
    if (run_options.handle_signals) {
        signals.emplace(io, SIGINT, SIGTERM);
        wait_for_signal(*signals, cancel, interrupted);
    }

    int code = to_int(ExitCode::server_error);
    std::exception_ptr error;
    boost::asio::co_spawn(io, command(),
                          boost::asio::bind_cancellation_slot(
                              cancel.slot(), [&](std::exception_ptr e, int rc) {
                                  error = e;
                                  code = rc;
                                  if (signals)
                                      signals->cancel();
                              }));
    io.restart();
    try {
        io.run();
    } catch (...) {
        error = std::current_exception();
    }
    if (error)
        code = report_error(error, streams.err,
                            {ctx.model_for_hints, ctx.command_for_hints, configured_secrets(ctx)});
    streams.out.flush();
    // Interrupted: whatever the command was doing ended because of it (emulate stops cleanly).
    if (interrupted && !stops_on_signal && code != 0)
        code = to_int(ExitCode::cancelled);
    return code;
}

int run(std::span<char const* const> args, Streams& streams, RunOptions options)
{
    boost::asio::io_context io;
    return run(args, streams, io, options);
}

} // namespace llmio::cli

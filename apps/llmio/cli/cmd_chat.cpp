// `llmio chat`: one prompt (argument or stdin) or an interactive conversation, streamed to
// stdout as tokens arrive.

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/input_files.hpp"
#include "cli/output.hpp"
#include "cli/provider_selection.hpp"

#include <llmio/metrics.hpp>

#include <cstdio>
#include <istream>
#include <memory>
#include <ostream>

namespace llmio::cli {

namespace {

ChatRequest base_request(ChatOptions const& options, std::string model)
{
    ChatRequest request;
    request.model = std::move(model);
    request.max_tokens = options.gen.max_tokens;
    request.temperature = options.gen.temperature;
    request.seed = options.gen.seed;
    if (!options.system.empty())
        request.messages.push_back(Message::system(options.system));
    if (!options.tools_file.empty())
        request.tools = read_tools_file(options.tools_file);
    if (!options.tool_choice.empty())
        request.tool_choice = parse_tool_choice(options.tool_choice);
    if (!options.json_schema_file.empty())
        request.response_format =
            ResponseFormat::json_schema("response", read_schema_file(options.json_schema_file));
    return request;
}

void print_tool_calls(std::ostream& out, ChatResponse const& response)
{
    for (auto const& call : response.tool_calls)
        out << "tool call " << call.id << ": " << call.name << ' ' << call.arguments << '\n';
}

std::string fixed(double value, int decimals)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

std::string seconds(std::optional<RequestRecord::Duration> d)
{
    if (!d)
        return "-";
    return fixed(std::chrono::duration<double>(*d).count(), 3) + " s";
}

/// `--stats`: what the answer cost, after it, on stderr (stdout stays the answer).
void print_stats(std::ostream& err, RequestRecord const& r)
{
    std::string speed = r.tokens_per_second ? fixed(*r.tokens_per_second, 1) : std::string("-");
    if (r.server && r.server->tokens_per_second)
        speed += " (server " + fixed(*r.server->tokens_per_second, 1) + ")";
    err << "time to first token  " << seconds(r.time_to_first_token) << '\n'
        << "tokens/s             " << speed << '\n'
        << "tokens in/out        " << r.tokens_in << " / " << r.tokens_out
        << (r.tokens_out_counted ? " (counted)" : "") << '\n'
        << "total time           " << seconds(r.total) << '\n';
}

/// Streams (or not) one answer and prints it; returns it for the history. With `--stats` the
/// call is measured by a RequestMeter of the CLI's own, as any decorator would measure one.
boost::asio::awaitable<ChatResponse> answer(ModelProvider& provider, ChatRequest request,
                                            ChatOptions const& options, std::ostream& out,
                                            std::ostream& err)
{
    ChatResponse response;
    bool const text_output = !options.gen.json;
    std::optional<RequestRecord> seen;
    std::optional<ServerStats> server;
    std::unique_ptr<RequestMeter> meter;
    CallOptions call;
    if (options.stats) {
        MetricsOptions metrics_options;
        metrics_options.observer = [&seen, &server](RequestRecord const& r) {
            seen = r;
            if (r.server)
                server = *r.server;
        };
        auto const operation = options.no_stream ? Operation::chat : Operation::chat_stream;
        meter = std::make_unique<RequestMeter>(std::make_shared<Metrics>(std::move(metrics_options)),
                                               provider.name(), request.model, operation);
        call.meter = meter.get();
    }
    try {
        if (options.no_stream) {
            response = co_await provider.chat(std::move(request), call);
            if (text_output)
                out << response.content;
        } else {
            std::ostream* sink = text_output ? &out : nullptr;
            RequestMeter* tokens = meter.get();
            auto on_chunk = [sink, tokens](ChatChunk const& chunk) {
                if (tokens && (!chunk.content.empty() || !chunk.reasoning.empty() || !chunk.tool_calls.empty()))
                    tokens->token();
                if (sink && !chunk.content.empty())
                    sink->write(chunk.content.data(), static_cast<std::streamsize>(chunk.content.size()))
                        .flush();
            };
            response = co_await provider.chat_stream(std::move(request), std::move(on_chunk), call);
        }
    } catch (...) {
        if (meter)
            meter->fail(std::current_exception());
        throw;
    }
    if (text_output) {
        if (!response.content.empty() && response.content.back() != '\n')
            out << '\n';
        print_tool_calls(out, response);
    } else {
        print_json(out, chat_response_json(response));
    }
    out.flush();
    if (meter) {
        if (response.usage)
            meter->set_usage(*response.usage);
        if (response.stats)
            meter->set_stats(*response.stats);
        meter->set_answer_model(response.model);
        meter->succeed();
        if (seen) {
            seen->server = server ? &*server : nullptr;
            print_stats(err, *seen);
        }
        err.flush();
    }
    co_return response;
}

std::string strip_trailing_newlines(std::string text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

} // namespace

boost::asio::awaitable<int> cmd_chat(Context& ctx, ChatOptions options)
{
    auto& streams = ctx.streams;
    // Read a piped prompt before any network traffic, so a bad input fails fast.
    std::optional<std::string> prompt = options.prompt;
    if (!prompt && !streams.in_is_terminal) {
        prompt = strip_trailing_newlines(read_all(streams.in, "stdin"));
        if (prompt->empty())
            throw_usage("no prompt: give PROMPT or pipe text on stdin");
    }
    auto request = base_request(options, {});
    auto selection = co_await select_with_model(ctx, options.gen.model, ModelUse::generation);
    request.model = selection.model;

    if (prompt) {
        request.messages.push_back(Message::user(*prompt));
        co_await answer(*selection.provider, std::move(request), options, streams.out, streams.err);
        co_return 0;
    }

    // Interactive: the conversation grows with every exchange.
    streams.err << "Chatting with " << selection.model << " (" << selection.provider_name
                << "). Type a message; /exit or Ctrl-D quits.\n";
    std::string line;
    // Bounded by the input: every round consumes one line.
    for (;;) {
        streams.err << "> " << std::flush;
        if (!std::getline(streams.in, line))
            break;
        line = strip_trailing_newlines(std::move(line));
        if (line == "/exit" || line == "/quit")
            break;
        if (line.empty())
            continue;
        request.messages.push_back(Message::user(line));
        auto response = co_await answer(*selection.provider, request, options, streams.out, streams.err);
        request.messages.push_back(response.to_message());
    }
    streams.err << '\n';
    co_return 0;
}

} // namespace llmio::cli

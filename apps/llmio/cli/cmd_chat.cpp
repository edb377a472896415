// `llmio chat`: one prompt (argument or stdin) or an interactive conversation, streamed to
// stdout as tokens arrive.

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/input_files.hpp"
#include "cli/output.hpp"
#include "cli/provider_selection.hpp"

#include <istream>
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

/// Streams (or not) one answer and prints it; returns it for the history.
boost::asio::awaitable<ChatResponse> answer(ModelProvider& provider, ChatRequest request,
                                            ChatOptions const& options, std::ostream& out)
{
    ChatResponse response;
    bool const text_output = !options.gen.json;
    if (options.no_stream) {
        response = co_await provider.chat(std::move(request));
        if (text_output)
            out << response.content;
    } else {
        std::ostream* sink = text_output ? &out : nullptr;
        response = co_await provider.chat_stream(std::move(request), [sink](ChatChunk const& chunk) {
            if (sink && !chunk.content.empty())
                sink->write(chunk.content.data(), static_cast<std::streamsize>(chunk.content.size()))
                    .flush();
        });
    }
    if (text_output) {
        if (!response.content.empty() && response.content.back() != '\n')
            out << '\n';
        print_tool_calls(out, response);
    } else {
        print_json(out, chat_response_json(response));
    }
    out.flush();
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
        co_await answer(*selection.provider, std::move(request), options, streams.out);
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
        auto response = co_await answer(*selection.provider, request, options, streams.out);
        request.messages.push_back(response.to_message());
    }
    streams.err << '\n';
    co_return 0;
}

} // namespace llmio::cli

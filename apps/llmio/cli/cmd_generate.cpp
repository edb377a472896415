// `llmio complete` (legacy text completion) and `llmio embed`.

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/output.hpp"
#include "cli/provider_selection.hpp"

#include <cstdio>
#include <ostream>

namespace llmio::cli {

boost::asio::awaitable<int> cmd_complete(Context& ctx, CompleteOptions options)
{
    auto const selection = co_await select_with_model(ctx, options.gen.model, ModelUse::generation);
    CompletionRequest request;
    request.model = selection.model;
    request.prompt = options.prompt;
    request.max_tokens = options.gen.max_tokens;
    request.temperature = options.gen.temperature;
    request.seed = options.gen.seed;

    auto& out = ctx.streams.out;
    bool const text_output = !options.gen.json;
    CompletionResponse response;
    if (options.no_stream) {
        response = co_await selection.provider->complete(std::move(request));
        if (text_output)
            out << response.text();
    } else {
        // As `llmio chat`: the text goes out as it arrives; --json prints the same final
        // document as without streaming.
        auto stream = co_await selection.provider->complete_stream(std::move(request));
        while (auto chunk = co_await stream.next()) {
            if (text_output && chunk->index == 0 && !chunk->text.empty())
                out.write(chunk->text.data(), static_cast<std::streamsize>(chunk->text.size())).flush();
        }
        response = stream.result();
    }
    if (text_output) {
        if (!response.text().empty() && response.text().back() != '\n')
            out << '\n';
    } else {
        print_json(out, completion_json(response));
    }
    out.flush();
    co_return 0;
}

boost::asio::awaitable<int> cmd_embed(Context& ctx, EmbedOptions options)
{
    auto const selection = co_await select_with_model(ctx, options.model, ModelUse::embedding);
    EmbeddingRequest request;
    request.model = selection.model;
    request.input = options.texts;
    auto const response = co_await selection.provider->embed(std::move(request));
    if (response.embeddings.size() != options.texts.size())
        throw_error(errc::malformed_response,
                    "the server returned " + std::to_string(response.embeddings.size()) +
                        " vectors for " + std::to_string(options.texts.size()) + " inputs");

    auto& out = ctx.streams.out;
    if (options.json) {
        boost::json::array vectors;
        for (auto const& vector : response.embeddings) {
            boost::json::array values;
            values.reserve(vector.size());
            for (float v : vector)
                values.push_back(static_cast<double>(v));
            vectors.push_back(std::move(values));
        }
        print_json(out, vectors);
        co_return 0;
    }
    // People get a preview: the size and the first values of each vector.
    for (std::size_t i = 0; i < response.embeddings.size(); ++i) {
        auto const& vector = response.embeddings[i];
        out << i << ": " << vector.size() << " dimensions [";
        for (std::size_t k = 0; k < vector.size() && k < 4; ++k) {
            char buffer[32];
            std::snprintf(buffer, sizeof buffer, "%s%.6g", k ? ", " : "", static_cast<double>(vector[k]));
            out << buffer;
        }
        out << (vector.size() > 4 ? ", ...]\n" : "]\n");
    }
    out.flush();
    co_return 0;
}

} // namespace llmio::cli

// libFuzzer target: the per-event readers of the three chat dialects never crash, hang or throw
// anything but MalformedResponseError on any bytes.
//   - OpenAI `chat.completion.chunk` data: the SAX fast path must read exactly what the DOM
//     reader reads (same chunk, same [DONE], same in-band error, same error message), and
//     `text_completion` data goes through parse_completion.
//   - Ollama `/api/chat` NDJSON lines: ChatLineParser over every line, one parser per stream
//     (tool-call numbering carries over between lines), and parse_pull_line.
//   - LM Studio native answers: `chat.end` results (parse_native_chat_response) and the
//     /api/v1 and /api/v0 model lists, load answers and download states of native_wire.
// The first byte picks the dialect; the rest is the payload (lines split at '\n').

#include <llmio/error.hpp>
#include <llmio/lmstudio/native_chat.hpp>
#include <llmio/lmstudio/native_wire.hpp>
#include <llmio/ollama/wire.hpp>
#include <llmio/openai/wire.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

namespace {

void require(bool ok, char const* what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_chunk_parsers: %s\n", what);
        std::abort();
    }
}

// Runs `f`; a MalformedResponseError is the only failure allowed. Returns its what() or "".
template <class F>
std::string only_malformed(F&& f)
{
    try {
        f();
        return {};
    } catch (llmio::MalformedResponseError const& e) {
        require(e.code() == llmio::errc::malformed_response || e.code() == llmio::errc::body_too_large,
                "a MalformedResponseError with a foreign errc");
        std::string what = e.what();
        require(!what.empty(), "an empty error message");
        return "error: " + what;
    }
}

std::string_view take_line(std::string_view& rest)
{
    auto const nl = rest.find('\n');
    std::string_view const line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    return line;
}

// What a reader made of one OpenAI event, comparable across the fast and the DOM reader.
struct OpenAiOutcome {
    std::string kind;
    llmio::ChatChunk chunk;
    std::string text;
    bool operator==(OpenAiOutcome const&) const = default;
};

OpenAiOutcome read_openai(llmio::openai::ChunkParser& parser, std::string_view data)
{
    OpenAiOutcome o;
    o.text = only_malformed([&] {
        auto result = parser.parse(data);
        if (auto* chunk = std::get_if<llmio::ChatChunk>(&result)) {
            o.kind = "chunk";
            o.chunk = std::move(*chunk);
        } else if (auto* error = std::get_if<llmio::openai::InBandError>(&result)) {
            o.kind = "in-band";
            o.text = error->body;
        } else {
            o.kind = "done";
        }
    });
    return o;
}

void fuzz_openai(std::string_view rest)
{
    // One parser pair per stream: the arena and the fast path's state are reused across events.
    llmio::openai::ChunkParser fast;
    llmio::openai::ChunkParser dom(llmio::openai::ChunkParser::Reader::dom_only);
    llmio::openai::ChunkParser completion;
    for (int i = 0; i < 16 && !rest.empty(); ++i) {
        std::string_view const data = take_line(rest);
        require(read_openai(fast, data) == read_openai(dom, data), "fast path differs from the DOM reader");
        only_malformed([&] { (void)completion.parse_completion(data); });
    }
}

void fuzz_ollama(std::string_view rest)
{
    llmio::ollama::ChatLineParser chat;
    for (int i = 0; i < 16 && !rest.empty(); ++i) {
        std::string_view const line = take_line(rest);
        only_malformed([&] {
            auto result = chat.parse(line);
            if (auto* error = std::get_if<llmio::ollama::InBandError>(&result))
                require(!error->body.empty(), "an empty in-band error body");
        });
        only_malformed([&] { (void)llmio::ollama::parse_pull_line(line); });
    }
}

void fuzz_lmstudio(std::uint8_t which, std::string_view body)
{
    switch (which % 5) {
    case 0:
        only_malformed([&] {
            boost::system::error_code ec;
            auto value = boost::json::parse(body, ec);
            if (ec)
                return;
            (void)llmio::lmstudio::parse_native_chat_response(std::move(value), body);
        });
        break;
    case 1:
        only_malformed([&] { (void)llmio::lmstudio::parse_api_v1_models(body); });
        break;
    case 2:
        only_malformed([&] { (void)llmio::lmstudio::parse_api_v0_models(body); });
        break;
    case 3:
        only_malformed([&] { (void)llmio::lmstudio::parse_load_response(body, "model"); });
        break;
    default:
        only_malformed([&] {
            auto const state = llmio::lmstudio::parse_download_state(body);
            (void)llmio::lmstudio::to_progress(state);
        });
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    if (size < 1)
        return 0;
    std::uint8_t const selector = data[0];
    std::string_view const rest(reinterpret_cast<char const*>(data + 1), size - 1);
    switch (selector % 3) {
    case 0:
        fuzz_openai(rest);
        break;
    case 1:
        fuzz_ollama(rest);
        break;
    default:
        fuzz_lmstudio(static_cast<std::uint8_t>(selector / 3), rest);
        break;
    }
    return 0;
}

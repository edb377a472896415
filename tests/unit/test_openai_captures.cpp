// Replays every successful llama-server capture through the OpenAI wire parsers.
//
// The expected values below were extracted from the capture files with an independent JSON
// reader (Python's) and frozen here: content, finish reasons, usage, tool calls, vectors.

#include <llmio/chat_assembler.hpp>
#include <llmio/error_mapping.hpp>
#include <llmio/openai/wire.hpp>

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace llmio;
namespace json = boost::json;

namespace {

std::string const kDir = std::string(LLMIO_CAPTURES_DIR) + "/llama-server";

std::string read_file(std::string const& path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Decodes HTTP/1.1 chunked framing; returns nullopt when `body` is not chunk-framed.
std::optional<std::string> decode_chunked(std::string_view body)
{
    std::string out;
    for (int guard = 0; guard < 1'000'000; ++guard) {
        auto const eol = body.find("\r\n");
        if (eol == std::string_view::npos || eol == 0)
            return std::nullopt;
        std::string_view const line = body.substr(0, eol);
        std::string_view const size_text = line.substr(0, line.find(';'));
        std::size_t size = 0;
        for (char c : size_text) {
            if (!std::isxdigit(static_cast<unsigned char>(c)))
                return std::nullopt;
            size = size * 16 + static_cast<std::size_t>(
                                   std::isdigit(static_cast<unsigned char>(c))
                                       ? c - '0'
                                       : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
        }
        body.remove_prefix(eol + 2);
        if (size == 0)
            return out;
        if (body.size() < size + 2 || body.substr(size, 2) != "\r\n")
            return std::nullopt;
        out.append(body.substr(0, size));
        body.remove_prefix(size + 2);
    }
    return std::nullopt;
}

struct Capture {
    std::string name;
    std::string method;
    std::string path;
    std::string request_body;
    int status = 0;
    std::string response_body;
};

Capture load_capture(std::string const& name)
{
    Capture c;
    c.name = name;
    std::string const req = read_file(kDir + "/" + name + ".req");
    auto const line_end = req.find('\n');
    std::string const first = req.substr(0, line_end);
    c.method = first.substr(0, first.find(' '));
    std::string const url = first.substr(first.find(' ') + 1);
    auto const host = url.find("://");
    c.path = url.substr(url.find('/', host + 3));
    auto const blank = req.find("\n\n");
    if (blank != std::string::npos) {
        c.request_body = req.substr(blank + 2);
        while (!c.request_body.empty() && std::isspace(static_cast<unsigned char>(c.request_body.back())))
            c.request_body.pop_back();
    }

    std::string const http = read_file(kDir + "/" + name + ".http");
    auto const head_end = http.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    std::string const head = http.substr(0, head_end);
    c.status = std::stoi(head.substr(head.find(' ') + 1, 3));
    c.response_body = http.substr(head_end + 4);
    if (lower(head).find("transfer-encoding: chunked") != std::string::npos) {
        if (auto decoded = decode_chunked(c.response_body))
            c.response_body = std::move(*decoded); // framing kept by the recorder
    }
    return c;
}

// A minimal SSE splitter for the test: events end at a blank line, fields are "name: value".
struct Field {
    std::string name;
    std::string value;
};

std::vector<std::vector<Field>> split_sse(std::string const& body)
{
    std::vector<std::vector<Field>> events;
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto end = body.find("\n\n", pos);
        if (end == std::string::npos)
            end = body.size();
        std::vector<Field> event;
        std::istringstream lines(body.substr(pos, end - pos));
        std::string line;
        while (std::getline(lines, line)) {
            if (line.empty() || line[0] == ':')
                continue;
            auto const colon = line.find(':');
            Field f{line.substr(0, colon), colon == std::string::npos ? "" : line.substr(colon + 1)};
            if (!f.value.empty() && f.value[0] == ' ')
                f.value.erase(0, 1);
            event.push_back(std::move(f));
        }
        if (!event.empty())
            events.push_back(std::move(event));
        pos = end + 2;
    }
    return events;
}

bool is_stream(Capture const& c)
{
    json::value const req = json::parse(c.request_body);
    json::value const* s = req.as_object().if_contains("stream");
    return s != nullptr && s->is_bool() && s->get_bool();
}

// Successful captures of the four OpenAI endpoints.
std::vector<Capture> replayable(std::string const& path)
{
    std::vector<Capture> out;
    std::vector<std::string> names;
    for (auto const& entry : std::filesystem::directory_iterator(kDir)) {
        if (entry.path().extension() == ".req")
            names.push_back(entry.path().stem().string());
    }
    std::sort(names.begin(), names.end());
    for (std::string const& name : names) {
        Capture c = load_capture(name);
        if (c.status >= 200 && c.status < 300 && (c.method == "GET" || c.method == "POST") &&
            c.path == path)
            out.push_back(std::move(c));
    }
    return out;
}

struct ChatExpectation {
    char const* capture;
    bool stream;
    char const* id;
    char const* model;
    char const* content;
    FinishReason finish;
    char const* finish_raw;
    std::optional<Usage> usage;
    std::vector<ToolCall> tool_calls;
    std::optional<std::int64_t> predicted_tokens; // llama.cpp timings.predicted_n
    char const* in_band_error;                    // message of a stream error event
};

std::vector<ChatExpectation> const kChat = {
    {"05-chat-basic", false, "chatcmpl-w6T38KO1ec69bzKkGWSGEECnJQPlVH8R", "tiny-llama", "6P\"en\" oen\" oor of^ed\"Y\"inm\"X\" ozi", FinishReason::length, "length", Usage{55, 24, 79, std::nullopt, std::nullopt}, {}, 24, nullptr},
    {"06-chat-no-model-field", false, "chatcmpl-ItTe78cSxBJaJXb2JD22EzaE48hfKbyS", "tiny-llama", "`r@\"al\" o`", FinishReason::length, "length", Usage{55, 8, 63, std::nullopt, std::nullopt}, {}, 8, nullptr},
    {"07-chat-natural-stop", false, "chatcmpl-qLFoaDlkVHlfs2JmdVQhNB5H5e2wDgFc", "tiny-llama", " the and\"en1al\" o`\" o9I?06l and", FinishReason::stop, "stop", Usage{55, 19, 74, std::nullopt, std::nullopt}, {}, 19, nullptr},
    {"08-chat-greedy-1", false, "chatcmpl-eCRGOabBEOhRTZ3GoYqZ1bWwaUKTRynn", "tiny-llama", " the Hlor of\" o`a\" o\" o9ll\"", FinishReason::length, "length", Usage{55, 16, 71, std::nullopt, std::nullopt}, {}, 16, nullptr},
    {"09-chat-greedy-2-same", false, "chatcmpl-aYvEPQgfZP78CRq8mDi8VP3gsZEEQwia", "tiny-llama", " the Hlor of\" o`a\" o\" o9ll\"", FinishReason::length, "length", Usage{55, 16, 71, std::nullopt, std::nullopt}, {}, 16, nullptr},
    {"10-chat-stop-sequence", false, "chatcmpl-TJciRQMf2zaiphBbDNtmJMsFkjnJJRzA", "tiny-llama", "6P\"en\" ", FinishReason::stop, "stop", Usage{55, 6, 61, std::nullopt, std::nullopt}, {}, 6, nullptr},
    {"11-chat-max-tokens-1", false, "chatcmpl-gS1ayRv3OQ01pK1JieCzZRhxrSleL4RJ", "tiny-llama", " o", FinishReason::length, "length", Usage{55, 1, 56, std::nullopt, std::nullopt}, {}, 1, nullptr},
    {"12-chat-stream", true, "chatcmpl-sp9UwqwZ0n1QDiUMXXAFt7zPSFPyDqjf", "tiny-llama", "6P\"en\" oen\" oor of^", FinishReason::length, "length", Usage{55, 12, 67, std::nullopt, std::nullopt}, {}, 12, nullptr},
    {"13-chat-stream-include-usage", true, "chatcmpl-pXevPajiCNJMoqKJMYSJRD9rKCOx6xKU", "tiny-llama", "6P\"en\" oen\" oor of^", FinishReason::length, "length", Usage{55, 12, 67, std::nullopt, std::nullopt}, {}, 12, nullptr},
    {"14-chat-stream-natural-stop", true, "chatcmpl-jj3czWwPQiQwQGFfaqo2uO2S62rypX2l", "tiny-llama", " the and\"en1al\" o`\" o9I?06l and", FinishReason::stop, "stop", Usage{55, 19, 74, std::nullopt, std::nullopt}, {}, 19, nullptr},
    {"15-chat-stream-stop-sequence", true, "chatcmpl-OFG2lxvN7jbJMMr1RoHhA5Hd1QRiLBCJ", "tiny-llama", "6P\"en\" ", FinishReason::stop, "stop", Usage{55, 6, 61, std::nullopt, std::nullopt}, {}, 6, nullptr},
    {"16-chat-content-parts", false, "chatcmpl-A9e1jHgdSuLw1PfJfaUGX5WKIJwbjqpG", "tiny-llama", "7is6 p16X\"", FinishReason::length, "length", Usage{25, 8, 33, std::nullopt, std::nullopt}, {}, 8, nullptr},
    {"17-chat-logprobs", false, "chatcmpl-G39G7SGP3lF8Zxaa0rP9hyDBMqtvbQGo", "tiny-llama", " the Hl", FinishReason::length, "length", Usage{55, 3, 58, std::nullopt, std::nullopt}, {}, 3, nullptr},
    {"18-chat-json-object", false, "chatcmpl-E9w7RJEKYxi0Yn0jTJe1cuKtDuHbJLy1", "tiny-llama", "{\"1 and\" :\" o\" }", FinishReason::stop, "stop", Usage{55, 13, 68, std::nullopt, std::nullopt}, {}, 13, nullptr},
    {"19-chat-json-schema", false, "chatcmpl-Ck710KKfvzv1KlbSIvKbWiUysGVZNNWB", "tiny-llama", "}C\" o", FinishReason::stop, "stop", Usage{55, 5, 60, std::nullopt, std::nullopt}, {}, 5, nullptr},
    {"20-tools-auto", false, "chatcmpl-7oLisZHjClTkkKc3nJgC1a5YVtongq7V", "tiny-llama", "", FinishReason::tool_calls, "tool_calls", Usage{841, 80, 921, std::nullopt, std::nullopt}, {{"call_0", "get_weather", "{\"city\":\"P$<T p cFH<<<\"}"}}, 80, nullptr},
    {"21-tools-required", false, "chatcmpl-78t8ont7dlk9rrhH1N5Ixk7LqOxQzgXx", "tiny-llama", "", FinishReason::tool_calls, "tool_calls", Usage{841, 81, 922, std::nullopt, std::nullopt}, {{"call_0", "get_weather", "{\"city\":\"P$<T5e%TtT<\"}"}}, 81, nullptr},
    {"22-tools-required-two-tools", false, "chatcmpl-rXmdVaTmzdm4V7JZdpOP1TsOSKjYHxbM", "tiny-llama", "", FinishReason::tool_calls, "tool_calls", Usage{973, 69, 1042, std::nullopt, std::nullopt}, {{"call_0", "get_time", "{\"tz\":\"$<\"}"}}, 69, nullptr},
    {"23-tools-parallel", false, "chatcmpl-R2HRRNHV1GwvTp43Y6gmDQfMWSOSwPAH", "tiny-llama", "", FinishReason::tool_calls, "tool_calls", Usage{973, 69, 1042, std::nullopt, std::nullopt}, {{"call_0", "get_time", "{\"tz\":\"$<\"}"}}, 69, nullptr},
    {"24-tools-choice-none", false, "chatcmpl-LMUvfpmVVVicTLtxzGyqu6tBdPzOoKmq", "tiny-llama", "V$<l< cTTuEFesTan<%", FinishReason::length, "length", Usage{753, 16, 769, std::nullopt, std::nullopt}, {}, 16, nullptr},
    {"25-tools-truncated-max-tokens", false, "chatcmpl-V9l0VhSVH2cDVrkEhs211HbUhce0UEAc", "tiny-llama", "{ \"tool_cal", FinishReason::length, "length", Usage{841, 10, 851, std::nullopt, std::nullopt}, {}, 10, nullptr},
    {"26-tools-result-roundtrip", false, "chatcmpl-yg7XYWzI2HB4Xf0ACRNlY7u0bf6g9Wcy", "tiny-llama", "", FinishReason::tool_calls, "tool_calls", Usage{1076, 75, 1151, std::nullopt, std::nullopt}, {{"call_0", "get_weather", "{\"city\":\"on in preFC\"}"}}, 75, nullptr},
    {"29-chat-unknown-model", false, "chatcmpl-CjjRdp5kFaVIiIBFkE69uVIX35FsnqcZ", "no-such-model-xyz", ",8", FinishReason::stop, "stop", Usage{55, 3, 58, std::nullopt, std::nullopt}, {}, 3, nullptr},
    {"32-chat-empty-messages", false, "chatcmpl-WfzHeaBeYgiaHKLrVaiC6n4MmQdbPJmq", "tiny-llama", "ou1FX", FinishReason::length, "length", Usage{9, 4, 13, std::nullopt, std::nullopt}, {}, 4, nullptr},
    {"35-chat-too-long-ctxshift-on", false, "chatcmpl-rWqPTB2fDuRAfR3pYCp5BPN77jWe7lNN", "tiny-llama", "VlC\"VV0,", FinishReason::length, "length", Usage{1392, 8, 1400, std::nullopt, std::nullopt}, {}, 8, nullptr},
    {"36-chat-wrong-content-type", false, "chatcmpl-TUJ1RoCwOcB5VUh5oljw4SwLznMkYqdo", "tiny-llama", " the H\"X", FinishReason::length, "length", Usage{55, 4, 59, std::nullopt, std::nullopt}, {}, 4, nullptr},
    {"62-key-chat-ok", false, "chatcmpl-yorZBR2WZk15jefd2azX4Avjqsqp9Ix9", "gpt-3.5-turbo", " the the to m", FinishReason::length, "length", Usage{55, 4, 59, std::nullopt, std::nullopt}, {}, 4, nullptr},
    {"67-ctx-too-long-no-shift-stream", true, "", "", "", FinishReason::none, "", std::nullopt, {}, std::nullopt, "the request exceeds the available context size. try increasing the context size or enable context shift"},
    {"69-ctx-fills-during-gen-stream", true, "chatcmpl-ItY2u7O7DXo71jiooIgYFjhkuTlOYxf0", "gpt-3.5-turbo", "A+(\"(91~M(I1ing1~,n(\"(\"(IIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIS+\"S+`\"Slolololololololololo\"S\"S\"S\"S\"T`\"T`\"`\"`\"} s s s s s s s s s W\"}\"}\"}\"} s W\"} s W\" an`\"`\" an\"`\"`\" an\" an\"`\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\" an\"89 to.\"89 toc toc toc to.\"89 to.\"89 to.\"89 toc to.\" an\" p\" an\" an\" an\" an\" p\" p", FinishReason::none, "", std::nullopt, {}, std::nullopt, "context shift is disabled"},
};

struct CompletionExpectation {
    struct Choice {
        std::int64_t index;
        char const* text;
        char const* finish_raw;
    };
    char const* capture;
    bool stream;
    char const* id;
    char const* model;
    std::vector<Choice> choices;
    Usage usage;
};

std::vector<CompletionExpectation> const kCompletions = {
    {"37-completions-basic", false, "chatcmpl-CkdqT3LC2nS3UEkYbZoKM5lT6S65yUSy", "tiny-llama", {{0, "U9 f9 f9M\" oS+9en\"X\"", "length"}}, Usage{13, 16, 29, std::nullopt, std::nullopt}},
    {"38-completions-stream", true, "chatcmpl-e2h3iiiEHqoe68epv5tOFDdtmaYCESlv", "tiny-llama", {{0, "U9 f9 f9M\"", "length"}}, Usage{13, 8, 21, std::nullopt, std::nullopt}},
    {"39-completions-prompt-array", false, "chatcmpl-zPEhTPojmxOPQv6QhuDytOdrLLZ7MCra", "tiny-llama", {{0, "\"X}q", "length"}, {1, "}\" p\"", "length"}}, Usage{13, 8, 21, std::nullopt, std::nullopt}},
};

struct EmbeddingExpectation {
    struct Ends {
        float first;
        float last;
    };
    char const* capture;
    char const* model;
    std::size_t count;
    std::size_t dimension;
    std::vector<Ends> vectors;
    std::int64_t prompt_tokens;
};

std::vector<EmbeddingExpectation> const kEmbeddings = {
    {"50-emb-single", "tiny-embed", 1, 64, {{0.368067056f, 0.0726310015f}}, 7},
    {"51-emb-batch", "tiny-embed", 3, 64, {{0.222289905f, 0.24878411f}, {0.204698011f, -0.0787986964f}, {0.356547654f, 0.0081847515f}}, 22},
    {"52-emb-base64", "tiny-embed", 1, 64, {{0.222289905f, 0.24878411f}}, 3},
    {"53-emb-token-ids", "tiny-embed", 1, 64, {{0.193772957f, -0.222169697f}}, 4},
    {"72-bert-emb-batch", "tiny-bert", 2, 32, {{-0.312657386f, -0.0121769672f}, {-0.322431654f, 0.0251561683f}}, 10},
};

struct ModelsExpectation {
    char const* capture;
    char const* id;
    char const* owned_by;
    std::int64_t context_length;
    std::int64_t size_bytes;
};

std::vector<ModelsExpectation> const kModels = {
    {"02-v1-models", "tiny-llama", "llamacpp", 2048, 547072},
    {"49-emb-v1-models", "tiny-embed", "llamacpp", 2048, 547072},
    {"59-key-models-no-key", "/models/tiny-llama-chatml.gguf", "llamacpp", 2048, 547072},
    {"70-bert-v1-models", "tiny-bert", "llamacpp", 512, 4041216},
};

template <class T>
T const& expectation_for(std::vector<T> const& table, std::string const& capture)
{
    auto it = std::find_if(table.begin(), table.end(),
                           [&](T const& e) { return capture == e.capture; });
    INFO("capture " << capture << " has no expectation: add one");
    REQUIRE(it != table.end());
    return *it;
}

} // namespace

TEST_CASE("test helper: chunked framing is decoded when present", "[openai-wire]")
{
    CHECK(decode_chunked("5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n") == "hello, world");
    CHECK_FALSE(decode_chunked("data: {}\n\n").has_value());
    CHECK_FALSE(decode_chunked("5\r\nhel").has_value());
}

TEST_CASE("llama-server chat captures parse to the exact typed result", "[openai-wire]")
{
    auto const captures = replayable("/v1/chat/completions");
    REQUIRE(captures.size() == kChat.size());
    for (Capture const& c : captures) {
        INFO("capture " << c.name);
        ChatExpectation const& e = expectation_for(kChat, c.name);
        REQUIRE(is_stream(c) == e.stream);

        ChatResponse r;
        std::string error_message;
        if (!e.stream) {
            r = openai::parse_chat_response(c.response_body);
            CHECK(r.raw.is_object());
        } else {
            openai::ChunkParser parser;
            ChatAssembler assembler;
            bool done = false;
            for (auto const& event : split_sse(c.response_body)) {
                for (Field const& f : event) {
                    CHECK_FALSE(done); // nothing after [DONE]
                    if (f.name == "error") {
                        // The transport maps the field's text as received.
                        error_message = parse_error_body(f.value).message;
                        continue;
                    }
                    REQUIRE(f.name == "data");
                    auto result = parser.parse(f.value);
                    if (std::holds_alternative<openai::StreamDone>(result)) {
                        done = true;
                    } else {
                        REQUIRE(std::holds_alternative<ChatChunk>(result));
                        assembler.apply(std::get<ChatChunk>(result));
                    }
                }
            }
            CHECK(done);
            CHECK(assembler.finished() == (e.finish != FinishReason::none));
            CHECK(assembler.saw_usage() == e.usage.has_value());
            r = assembler.take();
        }
        CHECK(r.id == e.id);
        CHECK(r.model == e.model);
        CHECK(r.content == e.content);
        CHECK(r.reasoning.empty());
        CHECK(r.refusal.empty());
        CHECK(r.finish_reason == e.finish);
        CHECK(r.finish_reason_raw == e.finish_raw);
        CHECK(r.usage == e.usage);
        CHECK(r.tool_calls == e.tool_calls);
        CHECK(r.warnings.empty());
        if (e.predicted_tokens) {
            REQUIRE(r.stats.has_value());
            CHECK(r.stats->predicted_tokens == e.predicted_tokens);
            CHECK(r.stats->tokens_per_second.has_value());
            CHECK(r.stats->time_to_first_token_s.has_value());
        } else {
            CHECK_FALSE(r.stats.has_value());
        }
        CHECK(error_message == (e.in_band_error ? e.in_band_error : ""));
    }
}

TEST_CASE("llama-server completion captures parse to the exact typed result", "[openai-wire]")
{
    auto const captures = replayable("/v1/completions");
    REQUIRE(captures.size() == kCompletions.size());
    for (Capture const& c : captures) {
        INFO("capture " << c.name);
        CompletionExpectation const& e = expectation_for(kCompletions, c.name);
        REQUIRE(is_stream(c) == e.stream);
        CompletionResponse r;
        if (!e.stream) {
            r = openai::parse_completion_response(c.response_body);
        } else {
            openai::ChunkParser parser;
            CompletionChoice& choice = r.choices.emplace_back();
            bool done = false;
            for (auto const& event : split_sse(c.response_body)) {
                REQUIRE(event.size() == 1);
                auto result = parser.parse_completion(event[0].value);
                if (std::holds_alternative<openai::StreamDone>(result)) {
                    done = true;
                    continue;
                }
                REQUIRE(std::holds_alternative<CompletionChunk>(result));
                auto const& chunk = std::get<CompletionChunk>(result);
                if (r.id.empty())
                    r.id = chunk.id;
                if (r.model.empty())
                    r.model = chunk.model;
                choice.index = chunk.index;
                choice.text += chunk.text;
                if (chunk.finish_reason) {
                    choice.finish_reason = *chunk.finish_reason;
                    choice.finish_reason_raw = chunk.finish_reason_raw;
                    r.usage = chunk.usage;
                }
            }
            CHECK(done);
        }
        CHECK(r.id == e.id);
        CHECK(r.model == e.model);
        REQUIRE(r.choices.size() == e.choices.size());
        for (std::size_t i = 0; i < e.choices.size(); ++i) {
            CHECK(r.choices[i].index == e.choices[i].index);
            CHECK(r.choices[i].text == e.choices[i].text);
            CHECK(r.choices[i].finish_reason_raw == e.choices[i].finish_raw);
            CHECK(r.choices[i].finish_reason ==
                  finish_reason_from_string(e.choices[i].finish_raw));
        }
        CHECK(r.text() == e.choices.front().text);
        CHECK(r.usage == e.usage);
    }
}

TEST_CASE("llama-server embedding captures give one vector per input, in order",
          "[openai-wire]")
{
    auto const captures = replayable("/v1/embeddings");
    REQUIRE(captures.size() == kEmbeddings.size());
    for (Capture const& c : captures) {
        INFO("capture " << c.name);
        EmbeddingExpectation const& e = expectation_for(kEmbeddings, c.name);
        EmbeddingResponse r = openai::parse_embedding_response(c.response_body);
        CHECK(r.model == e.model);
        REQUIRE(r.embeddings.size() == e.count);
        for (std::size_t i = 0; i < e.count; ++i) {
            REQUIRE(r.embeddings[i].size() == e.dimension);
            CHECK(r.embeddings[i].front() == e.vectors[i].first);
            CHECK(r.embeddings[i].back() == e.vectors[i].last);
        }
        REQUIRE(r.usage.has_value());
        CHECK(r.usage->prompt_tokens == e.prompt_tokens);
        CHECK(r.usage->total_tokens == e.prompt_tokens);
        CHECK(r.usage->completion_tokens == 0);
    }

    // "hello" as base64 (52) and as the first input of a float batch (51): the same vector.
    auto const b64 = openai::parse_embedding_response(load_capture("52-emb-base64").response_body);
    auto const floats = openai::parse_embedding_response(load_capture("51-emb-batch").response_body);
    CHECK(b64.embeddings.front() == floats.embeddings.front());
}

TEST_CASE("llama-server model listings parse with llama.cpp metadata", "[openai-wire]")
{
    auto const captures = replayable("/v1/models");
    REQUIRE(captures.size() == kModels.size());
    for (Capture const& c : captures) {
        INFO("capture " << c.name);
        ModelsExpectation const& e = expectation_for(kModels, c.name);
        auto const models = openai::parse_models(c.response_body);
        REQUIRE(models.size() == 1);
        ModelInfo const& m = models.front();
        CHECK(m.id == e.id);
        CHECK(m.owned_by == e.owned_by);
        CHECK(m.capabilities.context_length == e.context_length);
        CHECK(m.size_bytes == e.size_bytes);
        CHECK_FALSE(m.loaded_known);
        CHECK(m.raw.at("object") == "model");
    }
}

namespace {

json::object schema(char const* text)
{
    return json::parse(text).as_object();
}

ChatRequest peer_request(std::int64_t max_tokens, std::int64_t seed)
{
    ChatRequest r;
    r.model = "tiny-llama";
    r.messages = {Message::system("You are a test peer."),
                  Message::user("Say hello in five words.")};
    r.max_tokens = max_tokens;
    r.seed = seed;
    return r;
}

ToolDefinition weather_tool()
{
    return {"get_weather", "Get the current weather for a city",
            schema(R"({"type":"object","properties":{"city":{"type":"string",
                "description":"City name"},"unit":{"type":"string",
                "enum":["celsius","fahrenheit"]}},"required":["city"]})"),
            std::nullopt};
}

ChatRequest weather_request(std::int64_t max_tokens)
{
    ChatRequest r;
    r.model = "tiny-llama";
    r.messages = {Message::user("What is the weather in Paris?")};
    r.tools = {weather_tool()};
    r.max_tokens = max_tokens;
    r.seed = 5;
    return r;
}

ChatRequest two_tools_request()
{
    ChatRequest r;
    r.model = "tiny-llama";
    r.messages = {Message::user("Weather and time in Paris?")};
    r.tools = {{"get_weather", "Get the current weather for a city",
                schema(R"({"type":"object","properties":{"city":{"type":"string"}},
                           "required":["city"]})"),
                std::nullopt},
               {"get_time", "Get the local time in a timezone",
                schema(R"({"type":"object","properties":{"tz":{"type":"string"}},
                           "required":["tz"]})"),
                std::nullopt}};
    r.tool_choice = ToolChoice::required();
    r.max_tokens = 200;
    r.seed = 6;
    return r;
}

// JSON equality where 0 and 0.0 are the same number (a captured body may write either).
bool same_json(json::value const& a, json::value const& b)
{
    if (a.is_number() && b.is_number())
        return a.to_number<double>() == b.to_number<double>();
    if (a.kind() != b.kind())
        return false;
    if (a.is_object()) {
        auto const& x = a.get_object();
        auto const& y = b.get_object();
        if (x.size() != y.size())
            return false;
        for (auto const& kv : x) {
            auto const* other = y.if_contains(kv.key());
            if (other == nullptr || !same_json(kv.value(), *other))
                return false;
        }
        return true;
    }
    if (a.is_array()) {
        auto const& x = a.get_array();
        auto const& y = b.get_array();
        if (x.size() != y.size())
            return false;
        for (std::size_t i = 0; i < x.size(); ++i) {
            if (!same_json(x[i], y[i]))
                return false;
        }
        return true;
    }
    return a == b;
}

struct RequestCase {
    char const* capture;
    std::function<json::object()> body;
};

} // namespace

TEST_CASE("captured requests are reproduced from typed requests", "[openai-wire]")
{
    // The comparison itself tells numbers apart and sees extra or missing keys.
    CHECK(same_json(json::parse(R"({"t":0,"a":[1.5]})"), json::parse(R"({"a":[1.5],"t":0.0})")));
    CHECK_FALSE(same_json(json::parse(R"({"t":0})"), json::parse(R"({"t":1})")));
    CHECK_FALSE(same_json(json::parse(R"({"t":0})"), json::parse(R"({"t":0,"u":0})")));
    CHECK_FALSE(same_json(json::parse(R"({"t":"0"})"), json::parse(R"({"t":0})")));

    std::vector<RequestCase> const cases = {
        {"26-tools-result-roundtrip",
         [] {
             ChatRequest r = weather_request(300);
             r.messages.push_back(Message::assistant_tool_calls(
                 {{"call_1", "get_weather", "{\"city\":\"Paris\"}"}}));
             r.messages.push_back(Message::tool_result("call_1", "{\"temp_c\":21}"));
             return openai::chat_request_body(r, false, true);
         }},
        {"05-chat-basic", [] { return openai::chat_request_body(peer_request(24, 42), false, true); }},
        {"12-chat-stream",
         [] { return openai::chat_request_body(peer_request(12, 42), true, false); }},
        {"13-chat-stream-include-usage",
         [] { return openai::chat_request_body(peer_request(12, 42), true, true); }},
        {"15-chat-stream-stop-sequence",
         [] {
             ChatRequest r = peer_request(200, 42);
             r.stop = {"o"};
             return openai::chat_request_body(r, true, false);
         }},
        {"16-chat-content-parts",
         [] {
             ChatRequest r;
             r.model = "tiny-llama";
             Message m = Message::user("");
             m.parts = {ContentPart::from_text("Hello"), ContentPart::from_text("again")};
             r.messages = {m};
             r.max_tokens = 8;
             return openai::chat_request_body(r, false, true);
         }},
        {"17-chat-logprobs",
         [] {
             ChatRequest r = peer_request(3, 0);
             r.seed.reset();
             r.extra = schema(R"({"logprobs":true,"top_logprobs":2})");
             return openai::chat_request_body(r, false, true);
         }},
        {"18-chat-json-object",
         [] {
             ChatRequest r = peer_request(120, 1);
             r.response_format = ResponseFormat::json_object();
             return openai::chat_request_body(r, false, true);
         }},
        {"19-chat-json-schema",
         [] {
             ChatRequest r = peer_request(120, 1);
             r.response_format = ResponseFormat::json_schema(
                 "x", schema(R"({"type":"object","properties":{"n":{"type":"integer"}},
                                 "required":["n"]})"));
             return openai::chat_request_body(r, false, true);
         }},
        {"20-tools-auto", [] { return openai::chat_request_body(weather_request(200), false, true); }},
        {"21-tools-required",
         [] {
             ChatRequest r = weather_request(200);
             r.tool_choice = ToolChoice::required();
             return openai::chat_request_body(r, false, true);
         }},
        {"22-tools-required-two-tools",
         [] { return openai::chat_request_body(two_tools_request(), false, true); }},
        {"23-tools-parallel",
         [] {
             ChatRequest r = two_tools_request();
             r.parallel_tool_calls = true;
             r.max_tokens = 300;
             return openai::chat_request_body(r, false, true);
         }},
        {"24-tools-choice-none",
         [] {
             ChatRequest r = weather_request(16);
             r.tool_choice = ToolChoice::none();
             return openai::chat_request_body(r, false, true);
         }},
        {"36-chat-wrong-content-type",
         [] {
             ChatRequest r = peer_request(4, 0);
             r.model.clear();
             r.seed.reset();
             return openai::chat_request_body(r, false, true);
         }},
        {"69-ctx-fills-during-gen-stream",
         [] {
             ChatRequest r;
             r.messages = {Message::user("hi")};
             r.max_tokens = 1000;
             r.temperature = 0.0;
             return openai::chat_request_body(r, true, false);
         }},
        {"37-completions-basic",
         [] {
             CompletionRequest r;
             r.model = "tiny-llama";
             r.prompt = "Once upon a time";
             r.max_tokens = 16;
             r.seed = 42;
             return openai::completion_request_body(r, false, true);
         }},
        {"38-completions-stream",
         [] {
             CompletionRequest r;
             r.model = "tiny-llama";
             r.prompt = "Once upon a time";
             r.max_tokens = 8;
             r.seed = 42;
             r.include_usage = false;
             return openai::completion_request_body(r, true, true);
         }},
        {"39-completions-prompt-array",
         [] {
             CompletionRequest r;
             r.model = "tiny-llama";
             r.prompt = std::vector<std::string>{"Once upon", "a time"};
             r.max_tokens = 4;
             r.seed = 42;
             return openai::completion_request_body(r, false, true);
         }},
        {"50-emb-single",
         [] {
             EmbeddingRequest r;
             r.model = "tiny-embed";
             r.input = {"hello world"};
             return openai::embedding_request_body(r);
         }},
        {"51-emb-batch",
         [] {
             EmbeddingRequest r;
             r.model = "tiny-embed";
             r.input = {"hello", "world", "a longer third input"};
             return openai::embedding_request_body(r);
         }},
        {"52-emb-base64",
         [] {
             EmbeddingRequest r;
             r.model = "tiny-embed";
             r.input = {"hello"};
             r.encoding = EmbeddingEncoding::base64;
             return openai::embedding_request_body(r);
         }},
        {"53-emb-token-ids",
         [] {
             EmbeddingRequest r;
             r.model = "tiny-embed";
             r.extra = schema(R"({"input":[72,101,291,111]})");
             return openai::embedding_request_body(r);
         }},
    };
    for (RequestCase const& c : cases) {
        SECTION(c.capture)
        {
            json::value const expected = json::parse(load_capture(c.capture).request_body);
            json::value const body = c.body();
            INFO(json::serialize(body) << "\n" << json::serialize(expected));
            CHECK(same_json(body, expected));
        }
    }
}

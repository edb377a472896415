// Replays the llama-server captures against the llama.cpp flavour of the OpenAI emulator: same
// status, same headers in the same order, and the same body (byte for byte where the answer
// does not depend on the model, else the same JSON shape: keys in order and value kinds).

#include <llmio/testing/emulators/emulator_server.hpp>
#include <llmio/testing/emulators/openai_emulator.hpp>
#include "support/emulator_fixture.hpp"
#include "support/raw_http_client.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace llmio::emulators;
using llmio::test::HeaderList;
using llmio::test::OpenAiEmulatorFixture;
using llmio::test::RawHttpClient;
using llmio::test::sse_data;
namespace json = boost::json;

namespace {

std::string read_file(std::string const& path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

struct CapturedRequest {
    std::string method;
    std::string target;
    int port = 0;
    HeaderList headers;
    std::string body;
};

struct CapturedResponse {
    int status = 0;
    std::vector<std::string> header_names;
    std::map<std::string, std::string> headers;
    std::string body;
};

std::string const kDir = std::string(LLMIO_CAPTURES_DIR) + "/llama-server/";

CapturedRequest load_request(std::string const& name)
{
    auto const text = read_file(kDir + name + ".req");
    // "<METHOD> <URL>", optional "curl-arg:" lines and notes, a blank line, the body.
    auto split = text.find("\n\n");
    if (split == std::string::npos)
        split = text.size();
    std::istringstream head(text.substr(0, split));
    CapturedRequest r;
    std::string url;
    head >> r.method >> url;
    auto const host_end = url.find('/', std::string("http://").size());
    r.target = url.substr(host_end);
    r.port = std::stoi(url.substr(url.rfind(':', host_end) + 1, host_end));
    std::string line;
    std::getline(head, line);
    std::string const prefix = "curl-arg: ";
    bool header_next = false;
    while (std::getline(head, line)) {
        if (line.rfind(prefix, 0) != 0)
            continue;
        auto const arg = line.substr(prefix.size());
        if (header_next) {
            auto const colon = arg.find(": ");
            r.headers.emplace_back(arg.substr(0, colon), arg.substr(colon + 2));
        }
        header_next = arg == "-H";
    }
    r.body = split + 2 <= text.size() ? text.substr(split + 2) : std::string();
    if (!r.body.empty() && r.body.back() == '\n')
        r.body.pop_back();
    return r;
}

CapturedResponse load_response(std::string const& name)
{
    auto const text = read_file(kDir + name + ".http");
    auto const split = text.find("\r\n\r\n");
    REQUIRE(split != std::string::npos);
    CapturedResponse r;
    std::istringstream head(text.substr(0, split));
    std::string line;
    std::getline(head, line);
    r.status = std::stoi(line.substr(9, 3));
    while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        auto const colon = line.find(':');
        auto name_part = line.substr(0, colon);
        auto value = line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ')
            value.erase(0, 1);
        r.header_names.push_back(name_part);
        r.headers[name_part] = value;
    }
    r.body = text.substr(split + 4);
    return r;
}

std::string shape(json::value const& v)
{
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "b";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "n";
    case json::kind::string: return "s";
    case json::kind::array: {
        auto const& a = v.get_array();
        return "[" + (a.empty() ? std::string() : shape(a.front())) + "]";
    }
    case json::kind::object: {
        std::string out = "{";
        for (auto const& [k, e] : v.get_object())
            out += std::string(k) + ":" + shape(e) + ",";
        return out + "}";
    }
    }
    return {};
}

std::string shape_of(std::string const& text)
{
    boost::system::error_code ec;
    auto const v = json::parse(text, ec);
    return ec ? "<not json: " + text + ">" : shape(v);
}

enum class Compare { exact, shape, stream_shape };

/// The emulator standing in for the server a capture was taken from.
OpenAiEmulatorConfig config_for(int port)
{
    auto c = OpenAiEmulatorConfig::llamacpp();
    c.created = 1795424969; // as in captures 02/03
    if (port == 8081) {
        c.models = {{"tiny-embed", "llamacpp"}};
        c.context_length = 256;
    }
    if (port == 8082) {
        c.models = {{"/models/tiny-llama-chatml.gguf", "llamacpp"}};
        c.api_key = "test-key";
        c.context_length = 256;
    }
    return c;
}

void replay(std::string const& name, Compare how)
{
    INFO("capture " << name);
    auto const req = load_request(name);
    auto const want = load_response(name);
    OpenAiEmulatorFixture emu(config_for(req.port));
    if (req.port == 8090)
        emu.dialect->set_loading(true);
    RawHttpClient client(emu.port());
    auto const got = client.request(req.method, req.target, req.body, req.headers);

    CHECK(got.status == want.status);
    CHECK(got.header_names() == want.header_names);
    CHECK(got.header("Content-Type") == want.headers.at("Content-Type"));
    switch (how) {
    case Compare::exact:
        CHECK(got.body == want.body);
        break;
    case Compare::shape:
        CHECK(shape_of(got.body) == shape_of(want.body));
        break;
    case Compare::stream_shape: {
        auto const got_events = sse_data(got.body);
        auto const want_events = sse_data(want.body);
        REQUIRE(got_events.size() >= 3);
        REQUIRE(want_events.size() >= 3);
        CHECK(shape_of(got_events.front()) == shape_of(want_events.front()));
        CHECK(shape_of(got_events[got_events.size() - 2]) == shape_of(want_events[want_events.size() - 2]));
        CHECK(got_events.back() == "[DONE]");
        CHECK(want_events.back() == "[DONE]");
        break;
    }
    }
}

} // namespace

TEST_CASE("emulator replays llama-server captures: exact answers", "[emulator]")
{
    for (auto const* name :
         {"00-health-while-loading", "01-health", "02-v1-models", "03-models-noprefix", "27-tools-stream",
          "30-chat-malformed-json", "31-chat-missing-messages", "34-chat-n-2", "40-completions-echo-unsupported",
          "41-completions-missing-prompt", "43-not-found-path", "47-slots", "48-metrics-disabled",
          "54-emb-empty-string", "55-emb-missing-input", "56-emb-too-long", "58-key-health-no-key",
          "60-key-chat-no-key", "61-key-chat-wrong-key", "63-key-chat-x-api-key", "66-ctx-too-long-no-shift",
          "67-ctx-too-long-no-shift-stream"})
        replay(name, Compare::exact);
}

TEST_CASE("emulator replays llama-server captures: same JSON shapes", "[emulator]")
{
    for (auto const* name :
         {"05-chat-basic", "06-chat-no-model-field", "07-chat-natural-stop", "10-chat-stop-sequence",
          "11-chat-max-tokens-1", "16-chat-content-parts", "18-chat-json-object", "19-chat-json-schema",
          "20-tools-auto", "21-tools-required", "22-tools-required-two-tools", "23-tools-parallel",
          "24-tools-choice-none", "29-chat-unknown-model", "32-chat-empty-messages", "33-chat-bad-role",
          "35-chat-too-long-ctxshift-on", "36-chat-wrong-content-type", "37-completions-basic",
          "39-completions-prompt-array", "49-emb-v1-models", "50-emb-single", "51-emb-batch", "52-emb-base64",
          "53-emb-token-ids", "59-key-models-no-key", "62-key-chat-ok"})
        replay(name, Compare::shape);
}

TEST_CASE("emulator replays llama-server captures: same stream shapes", "[emulator]")
{
    for (auto const* name : {"12-chat-stream", "13-chat-stream-include-usage", "14-chat-stream-natural-stop",
                             "15-chat-stream-stop-sequence", "38-completions-stream"})
        replay(name, Compare::stream_shape);
}

TEST_CASE("emulator: llama.cpp answers CORS preflight like capture 44", "[emulator]")
{
    auto const req = load_request("44-options-preflight");
    auto const want = load_response("44-options-preflight");
    OpenAiEmulatorFixture emu(config_for(req.port));
    RawHttpClient client(emu.port());
    auto const got = client.request(req.method, req.target, req.body, req.headers);
    CHECK(got.status == 200);
    CHECK(got.body.empty());
    for (auto const& [name, value] : want.headers)
        CHECK(got.header(name) == value);
}

// Provider::native_chat: POST /api/v1/chat, streamed or not.
//
// The streamed answer is read by its own loop, not by FramedSource: it is no ChatStream (the
// caller gets one ChatResponse, from chat.end, and callbacks on the way), and its progress
// events move the stream's idle deadline. It shares the transport's open_stream and the
// SSE parser with every other stream.

#include <llmio/lmstudio/provider.hpp>

#include <llmio/answer_limit.hpp>
#include <llmio/detail/json_read.hpp>
#include <llmio/error.hpp>
#include <llmio/model_id.hpp>
#include <llmio/http/sse_parser.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>

namespace llmio::lmstudio {

namespace asio = boost::asio;
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

using Clock = std::chrono::steady_clock;

errc errc_of_event_error(std::string_view type, std::string_view message)
{
    if (type == "model_not_found")
        return errc::model_not_found;
    if (type == "invalid_request" || type == "job_not_found") {
        bool const context = message.find("context") != std::string_view::npos &&
                             (message.find("overflow") != std::string_view::npos ||
                              message.find("exceed") != std::string_view::npos);
        return context ? errc::context_length_exceeded : errc::invalid_request;
    }
    if (type == "not_implemented")
        return errc::unsupported;
    return errc::server_error; // unknown, internal_error, mcp/plugin connection errors
}

// The `error` event: {"type":"error","error":{"type","message","code"?,"param"?}}.
[[noreturn]] void throw_event_error(json::object const& data, std::string_view text)
{
    ErrorInfo info;
    info.http_status = 200;
    set_raw_body(info, text);
    json::object const* error = nullptr;
    if (auto const* e = data.if_contains("error"))
        error = e->if_object();
    auto text_of = [&](std::string_view key) -> std::string {
        auto const* v = error ? error->if_contains(key) : nullptr;
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    info.server_type = text_of("type");
    info.server_message = text_of("message");
    info.server_code = text_of("code");
    info.detail = "LM Studio reported an error inside the /api/v1/chat stream";
    auto const code = errc_of_event_error(info.server_type, info.server_message);
    if (code == errc::model_not_found)
        info.hint = "check the model key (list_models()) or download it first";
    throw_error(code, std::move(info));
}

[[noreturn]] void throw_malformed_event(std::string_view text, std::string detail)
{
    ErrorInfo info;
    info.http_status = 200;
    info.detail = std::move(detail);
    set_raw_body(info, text);
    throw_error(errc::malformed_response, std::move(info));
}

std::optional<ChatProgress> progress_of(std::string_view type, json::object const& data)
{
    ChatProgress p;
    std::string_view event;
    if (type.starts_with("model_load.")) {
        p.stage = ChatProgress::Stage::model_load;
        event = type.substr(11);
    } else if (type.starts_with("prompt_processing.")) {
        p.stage = ChatProgress::Stage::prompt_processing;
        event = type.substr(18);
    } else {
        return std::nullopt;
    }
    if (event == "start")
        p.event = ChatProgress::Event::start;
    else if (event == "progress")
        p.event = ChatProgress::Event::progress;
    else if (event == "end")
        p.event = ChatProgress::Event::end;
    else
        return std::nullopt;
    if (auto const* v = data.if_contains("progress")) {
        if (auto const d = llmio::detail::as_double(*v))
            p.progress = std::clamp(*d, 0.0, 1.0);
    }
    if (p.event == ChatProgress::Event::end)
        p.progress = 1.0;
    if (auto const* id = data.if_contains("model_instance_id"); id && id->is_string())
        p.model_instance_id = std::string(id->get_string());
    if (auto const* t = data.if_contains("load_time_seconds"))
        p.load_time_s = llmio::detail::as_double(*t);
    return p;
}

// Reads the events of one /api/v1/chat stream.
class EventReader {
public:
    EventReader(http::HttpStream& stream, NativeChatCallbacks& callbacks, Clock::duration window,
                std::size_t max_answer_bytes)
        : stream_(stream), callbacks_(callbacks), window_(window), answer_(max_answer_bytes)
    {
        advance(); // the headers are the first sign of life
    }

    /// Handles one event; `response()` is set once chat.end brought the result. Throws the
    /// typed error of an `error` event, MalformedResponseError for an unreadable event.
    void handle(std::string_view sse_type, std::string_view data)
    {
        boost::system::error_code ec;
        json::value value = json::parse(data, ec);
        if (ec || !value.is_object())
            throw_malformed_event(data, "an /api/v1/chat event is not a JSON object");
        json::object const& o = value.get_object();
        // The JSON repeats the type; it wins over the SSE `event:` (absent = "message").
        std::string_view type = sse_type;
        if (auto const* t = o.if_contains("type"); t && t->is_string())
            type = t->get_string();

        if (type == "error")
            throw_event_error(o, data);
        if (type == "chat.end") {
            auto const* result = o.if_contains("result");
            if (result == nullptr || !result->is_object())
                throw_malformed_event(data, "chat.end carries no result");
            response_ = parse_native_chat_response(*result, data);
            AnswerLimit::check(*response_, answer_.max(), "");
            return;
        }
        if (type == "chat.start")
            return;
        if (auto p = progress_of(type, o)) {
            on_progress(*p);
            return;
        }
        // Anything else is the answer itself (reasoning, message, tool calls): from here on
        // the ordinary idle timeout applies between reads.
        if (preparing_) {
            preparing_ = false;
            stream_.reset_idle_deadline();
        }
        bool const reasoning = type == "reasoning.delta";
        if (reasoning || type == "message.delta") {
            std::string_view content;
            if (auto const* c = o.if_contains("content"); c && c->is_string())
                content = c->get_string();
            if (!answer_.add(content.size()))
                answer_.throw_exceeded("");
            if (callbacks_.on_chunk && !content.empty()) {
                chunk_.content.clear();
                chunk_.reasoning.clear();
                (reasoning ? chunk_.reasoning : chunk_.content).assign(content);
                callbacks_.on_chunk(chunk_);
            }
        }
    }

    std::optional<ChatResponse>& response() noexcept { return response_; }

private:
    void on_progress(ChatProgress const& p)
    {
        double& last = p.stage == ChatProgress::Stage::model_load ? load_ : prompt_;
        // A start, an end or a higher value shows the server advancing; a repeated value
        // does not, so a load stuck at 40 % still times out.
        bool const advanced = p.event != ChatProgress::Event::progress || p.progress > last;
        last = p.event == ChatProgress::Event::start ? 0.0 : std::max(last, p.progress);
        if (advanced && preparing_)
            advance();
        if (callbacks_.on_progress)
            callbacks_.on_progress(p);
    }

    void advance()
    {
        if (window_ > Clock::duration::zero())
            stream_.set_idle_deadline(Clock::now() + window_);
    }

    http::HttpStream& stream_;
    NativeChatCallbacks& callbacks_;
    Clock::duration window_;
    bool preparing_ = true;
    double load_ = 0;
    double prompt_ = 0;
    AnswerLimit answer_; // the deltas so far
    ChatChunk chunk_; // reused for every delta
    std::optional<ChatResponse> response_;
};

} // namespace

asio::awaitable<ChatResponse> Provider::native_chat(NativeChatRequest request,
                                                            NativeChatCallbacks callbacks, CallOptions call)
{
    // Like every public call: errors name the provider and carry no secret.
    try {
        validate_model_id(request.model, ModelIdUse::required, options_.name);
        co_return co_await native_chat_call(std::move(request), std::move(callbacks), std::move(call));
    } catch (...) {
        transport_.rethrow_sanitised();
    }
}

asio::awaitable<ChatResponse> Provider::native_chat_call(NativeChatRequest request,
                                                                 NativeChatCallbacks callbacks, CallOptions call)
{
    auto const api = co_await native_api(call);
    if (api != NativeApi::v1) {
        ErrorInfo info;
        info.provider = options_.name;
        info.detail = "/api/v1/chat needs LM Studio 0.4 or later; this server has " +
                      std::string(api == NativeApi::v0 ? "/api/v0 only" : "no native API");
        info.hint = "use chat() (/v1/chat/completions), which every LM Studio version serves";
        throw_error(errc::unsupported, std::move(info));
    }
    auto body = json::serialize(native_chat_body(request));
    if (!request.stream) {
        JsonCall http_request{verb::post, "/api/v1/chat", std::move(body), "output"};
        auto response = co_await transport_.call_json(std::move(http_request), call);
        boost::system::error_code ec;
        auto value = json::parse(response.body, ec);
        if (ec)
            throw_malformed_event(response.body, "the /api/v1/chat answer is not JSON");
        auto answer = parse_native_chat_response(std::move(value), response.body);
        AnswerLimit::check(answer, transport_.options().http.limits.max_answer_bytes, options_.name);
        co_return answer;
    }

    StreamCall http_request{verb::post,          "/api/v1/chat",      std::move(body),
                            "text/event-stream", "text/event-stream", "output",
                            "a streamed /api/v1/chat"};
    auto stream = co_await transport_.open_stream(std::move(http_request), call);

    // While the model loads and the prompt is processed the server is working towards the
    // first token, which is what `first_byte` budgets; each sign of progress renews it.
    auto const timeouts = call.timeouts.value_or(transport_.options().http.timeouts);
    auto const window = std::max(timeouts.first_byte, timeouts.idle);
    EventReader reader(stream, callbacks,
                       timeouts.first_byte == http::Duration::zero() ? http::Duration::zero() : window,
                       transport_.options().http.limits.max_answer_bytes);
    http::SseParser parser(http::SseLimits{transport_.options().http.limits.max_line_bytes,
                                           transport_.options().http.limits.max_line_bytes});
    std::exception_ptr failure;
    auto on_event = [&](http::SseEvent const& e) -> bool {
        try {
            reader.handle(e.type, e.data);
        } catch (...) {
            failure = std::current_exception();
        }
        return !failure && !reader.response();
    };
    auto on_other = [](http::SseOtherLine const&) {};
    // Bounded by the stream: every read ends with data, the end, or a timeout.
    for (;;) {
        auto slice = co_await stream.read_some();
        boost::system::error_code ec;
        if (slice)
            ec = parser.feed(*slice, on_event, on_other);
        else
            ec = parser.finish(on_event, on_other);
        if (failure) {
            stream.close(); // LM Studio stops generating when the client goes away
            std::rethrow_exception(failure);
        }
        if (ec) {
            stream.close();
            throw_error(errc::body_too_large, "an /api/v1/chat event exceeds Limits::max_line_bytes");
        }
        if (reader.response() || !slice)
            break;
    }
    if (!reader.response()) {
        ErrorInfo info;
        info.provider = options_.name;
        info.http_status = 200;
        info.detail = "the /api/v1/chat stream ended without chat.end";
        throw_error(errc::stream_truncated, std::move(info));
    }
    // Read the end of the body (normally nothing but the last chunk) so that the connection
    // can be reused; a server that goes on after chat.end loses it.
    try {
        co_await stream.discard_rest();
    } catch (ProviderError const&) {
        // The answer is complete; only the connection is lost.
    }
    co_return std::move(*reader.response());
}

} // namespace llmio::lmstudio

#include <llmio/testing/emulators/response_writer.hpp>

#include <llmio/testing/emulators/json_text.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <charconv>
#include <vector>

namespace llmio::emulators {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";

std::string_view reason_phrase(int status)
{
    auto const reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
    if (reason.empty() || reason.front() == '<')
        return "Unknown";
    return {reason.data(), reason.size()};
}

/// The in-band error event of a fault, framed for the wire.
std::string render_error_event(StreamErrorEvent const& e)
{
    switch (e.form) {
    case StreamErrorForm::openai_data:
        return "data: {\"error\":{\"message\":" + quoted(e.message) + ",\"type\":" + quoted(e.type) +
               ",\"param\":null,\"code\":null}}\n\n";
    case StreamErrorForm::llamacpp_line:
        return "error: {\"code\":" + std::to_string(e.code) + ",\"message\":" + quoted(e.message) +
               ",\"type\":" + quoted(e.type) + "}\n\n";
    case StreamErrorForm::ndjson:
        return "{\"error\":" + quoted(e.message) + "}\n";
    }
    return {};
}

} // namespace

ResponseWriter::ResponseWriter(detail::Connection& connection, Request const& request,
                               Headers base_headers)
    : conn_(connection), request_(request), base_(std::move(base_headers))
{
}

bool ResponseWriter::closes_after() const noexcept
{
    return framing_ == Framing::close_delimited || !request_.message.keep_alive();
}

bool ResponseWriter::keep_alive() const noexcept
{
    return conn_.open() && finished_ && !dropped_ && !closes_after();
}

std::string ResponseWriter::render_head(int status, std::string_view content_type, Framing framing,
                                        std::size_t content_length, Headers const& extra) const
{
    Headers const* fault_headers = request_.fault ? &request_.fault->headers : nullptr;
    std::vector<bool> fault_used(fault_headers ? fault_headers->size() : 0, false);
    // A fault header replaces the dialect's header of the same name, in place.
    auto fault_value = [&](std::string_view name) -> std::string const* {
        if (!fault_headers)
            return nullptr;
        for (std::size_t i = 0; i < fault_headers->size(); ++i) {
            if (beast::iequals((*fault_headers)[i].first, name)) {
                fault_used[i] = true;
                return &(*fault_headers)[i].second;
            }
        }
        return nullptr;
    };

    std::string out;
    out.reserve(256);
    out += "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    out += reason_phrase(status);
    out += kCrlf;
    auto emit = [&](std::string_view name, std::string_view value) {
        out += name;
        out += ": ";
        out += value;
        out += kCrlf;
    };

    bool const closing = closes_after();
    bool type_done = false;
    bool framing_done = false;
    auto emit_type = [&] {
        type_done = true;
        if (auto const* v = fault_value("content-type"))
            emit("Content-Type", *v);
        else if (!content_type.empty())
            emit("Content-Type", content_type);
    };
    auto emit_framing = [&] {
        framing_done = true;
        if (framing == Framing::content_length)
            emit("Content-Length", std::to_string(content_length));
        else if (framing == Framing::chunked)
            emit("Transfer-Encoding", "chunked");
    };
    auto controlled = [](std::string_view name) {
        return beast::iequals(name, "connection") || beast::iequals(name, "content-length") ||
               beast::iequals(name, "transfer-encoding") || beast::iequals(name, "content-type");
    };
    // Precedence: fault headers, then the response's own, then the dialect's base headers;
    // a later source replaces an earlier one's value in place.
    std::vector<bool> extra_used(extra.size(), false);
    auto extra_value = [&](std::string_view name) -> std::string const* {
        for (std::size_t i = 0; i < extra.size(); ++i) {
            if (beast::iequals(extra[i].first, name)) {
                extra_used[i] = true;
                return &extra[i].second;
            }
        }
        return nullptr;
    };
    auto emit_header = [&](std::string const& name, std::string const& value) {
        if (closing && beast::iequals(name, "keep-alive"))
            return;
        if (auto const* v = fault_value(name))
            emit(name, *v);
        else
            emit(name, value);
    };

    for (auto const& [name, value] : base_) {
        if (name == kContentTypeSlot) {
            emit_type();
        } else if (name == kFramingSlot) {
            emit_framing();
        } else if (!controlled(name)) {
            auto const* v = extra_value(name);
            emit_header(name, v ? *v : value);
        }
    }
    if (!type_done)
        emit_type();
    if (!framing_done)
        emit_framing();
    for (std::size_t i = 0; i < extra.size(); ++i)
        if (!extra_used[i] && !controlled(extra[i].first))
            emit_header(extra[i].first, extra[i].second);
    if (fault_headers) {
        for (std::size_t i = 0; i < fault_headers->size(); ++i) {
            auto const& [name, value] = (*fault_headers)[i];
            if (!fault_used[i] && !controlled(name) && !(closing && beast::iequals(name, "keep-alive")))
                emit(name, value);
        }
    }
    if (closing)
        emit("Connection", "close");
    else if (request_.message.version() < 11)
        emit("Connection", "keep-alive");
    out += kCrlf;
    return out;
}

asio::const_buffer ResponseWriter::chunk_header(std::size_t size)
{
    auto [end, ec] = std::to_chars(chunk_header_.data(), chunk_header_.data() + 16, size, 16);
    (void)ec; // 16 hex digits always fit
    *end++ = '\r';
    *end++ = '\n';
    return asio::buffer(chunk_header_.data(), static_cast<std::size_t>(end - chunk_header_.data()));
}

asio::awaitable<bool> ResponseWriter::write_head(std::string const& head)
{
    co_return co_await conn_.write(asio::buffer(head));
}

asio::awaitable<bool> ResponseWriter::write_body(std::string_view a, std::string_view b,
                                                  std::string_view c)
{
    std::array<std::string_view, 3> parts{a, b, c};
    if (!conn_.open() || dropped_)
        co_return false;
    std::size_t total = 0;
    for (auto p : parts)
        total += p.size();
    bool cut = false;
    if (budget_) {
        // Keep only what the byte budget allows; the drop follows the write.
        std::size_t allowed = std::min(total, *budget_);
        *budget_ -= allowed;
        cut = *budget_ == 0;
        total = allowed;
        for (auto& p : parts) {
            p = p.substr(0, std::min(p.size(), allowed));
            allowed -= p.size();
        }
    }
    if (total > 0) {
        // Unused slots stay empty buffers: no allocation per event.
        std::array<asio::const_buffer, 5> buffers{};
        std::size_t n = 0;
        bool const chunked = framing_ == Framing::chunked;
        if (chunked)
            buffers[n++] = chunk_header(total);
        for (auto p : parts)
            if (!p.empty())
                buffers[n++] = asio::buffer(p.data(), p.size());
        if (chunked)
            buffers[n++] = asio::buffer(kCrlf.data(), kCrlf.size());
        if (!co_await conn_.write(buffers))
            co_return false;
    }
    if (cut) {
        drop();
        co_return false;
    }
    co_return true;
}

asio::awaitable<bool> ResponseWriter::write_padding(std::size_t n, bool as_event)
{
    // `{"pad":"xxx…"}`: valid JSON of exactly n bytes (n >= 10), written in slices so that a
    // 100 MB body costs no 100 MB buffer.
    static std::string const slice(64 * 1024, 'x');
    std::string_view const open = n >= 10 ? std::string_view("{\"pad\":\"") : std::string_view();
    std::string_view const close = n >= 10 ? std::string_view("\"}") : std::string_view();
    std::string_view prefix, suffix;
    if (as_event) {
        prefix = format_ == StreamFormat::sse ? "data: " : "";
        suffix = format_ == StreamFormat::sse ? "\n\n" : "\n";
    }
    std::size_t fill = n - open.size() - close.size();
    if (framing_ == Framing::chunked) {
        if (!co_await conn_.write(chunk_header(prefix.size() + n + suffix.size())))
            co_return false;
    }
    // Temporarily unchunked: the slices belong to the one chunk announced above.
    Framing const saved = framing_;
    framing_ = Framing::content_length;
    bool ok = co_await write_body(prefix, open);
    for (std::size_t i = 0; ok && fill > 0 && i <= n / slice.size(); ++i) {
        std::size_t const k = std::min(fill, slice.size());
        ok = co_await write_body(std::string_view(slice).substr(0, k));
        fill -= k;
    }
    if (ok)
        ok = co_await write_body(close, suffix);
    framing_ = saved;
    if (ok && framing_ == Framing::chunked)
        ok = co_await conn_.write(asio::buffer(kCrlf.data(), kCrlf.size()));
    co_return ok;
}

asio::awaitable<void> ResponseWriter::send(int status, std::string_view body,
                                           std::string_view content_type, Headers const& extra)
{
    if (started_)
        co_return;
    started_ = true;
    head_only_ = request_.method() == http::verb::head;
    Fault const* f = request_.fault;
    framing_ = f && f->close_delimited ? Framing::close_delimited : Framing::content_length;
    if (f)
        budget_ = f->drop_after_bytes;
    std::size_t const length = f && f->oversized_body ? *f->oversized_body : body.size();
    if (!co_await write_head(render_head(status, content_type, framing_, length, extra)))
        co_return;
    if (!head_only_) {
        bool ok = f && f->oversized_body ? co_await write_padding(length, false)
                                         : co_await write_body(body);
        if (!ok)
            co_return;
    }
    co_await end_body();
}

asio::awaitable<bool> ResponseWriter::begin_stream(int status, StreamFormat format,
                                                   std::string_view content_type,
                                                   Headers const& extra)
{
    if (started_)
        co_return false;
    started_ = true;
    format_ = format;
    head_only_ = request_.method() == http::verb::head;
    Fault const* f = request_.fault;
    bool const close_delimited = (f && f->close_delimited) || request_.message.version() < 11;
    framing_ = close_delimited ? Framing::close_delimited : Framing::chunked;
    if (f)
        budget_ = f->drop_after_bytes;
    co_return co_await write_head(render_head(status, content_type, framing_, 0, extra));
}

asio::awaitable<bool> ResponseWriter::before_event()
{
    Fault const* f = request_.fault;
    if (!f)
        co_return conn_.open();
    if (f->oversized_body && !oversized_sent_) {
        oversized_sent_ = true;
        if (!head_only_ && !co_await write_padding(*f->oversized_body, true))
            co_return false;
    }
    if (f->error_event && f->error_event->after_events == events_) {
        stream_over_ = true;
        if (!head_only_) {
            std::string const ev = render_error_event(*f->error_event);
            if (!co_await write_body(ev))
                co_return false;
            if (format_ == StreamFormat::sse && !f->omit_done &&
                !co_await write_body("data: [DONE]\n\n"))
                co_return false;
        }
        co_await end_body();
        co_return false;
    }
    if (f->stall_after_events && *f->stall_after_events == events_) {
        stream_over_ = true;
        co_await conn_.wait_for_client_close();
        co_return false;
    }
    if (f->drop_after_events && *f->drop_after_events == events_) {
        drop();
        co_return false;
    }
    co_return conn_.open();
}

asio::awaitable<bool> ResponseWriter::event(std::string_view payload)
{
    if (!started_ || stream_over_ || finished_ || !conn_.open())
        co_return false;
    Fault const* f = request_.fault;
    auto const delay = event_delay_ + (f ? f->chunk_delay : std::chrono::milliseconds(0));
    if (delay.count() > 0 && !co_await conn_.sleep(delay))
        co_return false;
    if (!co_await before_event())
        co_return false;
    std::size_t const index = events_++;
    if (head_only_)
        co_return true;
    if (f && f->malformed_event_at && *f->malformed_event_at == index)
        payload = payload.substr(0, payload.size() / 2); // a cut JSON text is never valid JSON
    bool const sse = format_ == StreamFormat::sse;
    if (f && f->repeat_event_forever && *f->repeat_event_forever == index) {
        constexpr std::size_t max_repeats = 10'000'000;
        for (std::size_t i = 0; i < max_repeats; ++i)
            if (!co_await write_body(sse ? "data: " : "", payload, sse ? "\n\n" : "\n"))
                break;
        stream_over_ = true;
        co_return false;
    }
    co_return co_await write_body(sse ? "data: " : "", payload, sse ? "\n\n" : "\n");
}

asio::awaitable<bool> ResponseWriter::raw(std::string_view bytes)
{
    if (!started_ || stream_over_ || finished_ || !conn_.open())
        co_return false;
    if (head_only_)
        co_return true;
    Fault const* f = request_.fault;
    if (f && f->repeat_event_forever && *f->repeat_event_forever == raw_writes_++) {
        constexpr std::size_t max_repeats = 10'000'000;
        for (std::size_t i = 0; i < max_repeats; ++i)
            if (!co_await write_body(bytes))
                break;
        stream_over_ = true;
        co_return false;
    }
    co_return co_await write_body(bytes);
}

asio::awaitable<void> ResponseWriter::finish(std::string_view terminator)
{
    if (!started_ || stream_over_ || finished_ || !conn_.open())
        co_return;
    Fault const* f = request_.fault;
    auto const delay = event_delay_ + (f ? f->chunk_delay : std::chrono::milliseconds(0));
    if (delay.count() > 0 && !co_await conn_.sleep(delay))
        co_return;
    // Faults placed after the last event act before the terminator.
    if (!co_await before_event())
        co_return;
    if (!terminator.empty() && !(f && f->omit_done) && !head_only_) {
        bool const sse = format_ == StreamFormat::sse;
        if (!co_await write_body(sse ? "data: " : "", terminator, sse ? "\n\n" : "\n"))
            co_return;
    }
    co_await end_body();
}

asio::awaitable<void> ResponseWriter::end_body()
{
    if (finished_)
        co_return;
    finished_ = true;
    if (conn_.open() && framing_ == Framing::chunked && !head_only_)
        co_await conn_.write(asio::buffer(kLastChunk.data(), kLastChunk.size()));
    if (closes_after())
        conn_.close();
}

void ResponseWriter::drop() noexcept
{
    dropped_ = true;
    stream_over_ = true;
    conn_.close();
}

} // namespace llmio::emulators

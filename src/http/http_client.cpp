#include <llmio/http/http_client.hpp>

#include "client_state.hpp"
#include "transport_error.hpp"

#include <llmio/error.hpp>

#include <boost/beast/http/error.hpp>
#include <boost/beast/version.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace llmio::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;
using namespace detail;

namespace detail {

/// Everything one response needs while its body is read.
struct StreamState {
    std::shared_ptr<ClientState> client;
    RequestLimiter::Permit permit;
    std::unique_ptr<Connection> connection;
    std::optional<ResponseParser> parser;
    Timeouts timeouts;
    TimePoint total_deadline = TimePoint::max();
    std::optional<TimePoint> idle_deadline; // set by the reader; else now + timeouts.idle
    // What errors and logs name, kept in parts: the label is built only when one is written.
    beast::http::verb method = beast::http::verb::get;
    std::string origin; // also the pool's key
    std::string target;
    std::string slice; // the body bytes of the last read_some
    std::size_t read_size = Connection::kInitialReadSize;
    ConnectionTiming timing;
    bool done = false;
    // A parse that failed after it had produced body bytes: those bytes are delivered first,
    // and the failure on the next read_some, so that nothing received is lost.
    boost::system::error_code pending_error;

    // Socket reads start small (a slow stream holds little) and double while they come back
    // full (a bulk stream makes few system calls).
    static constexpr std::size_t kMaxReadSize = 64 * 1024;

    ~StreamState() { finish(); }

    RequestLabel label() const { return {std::string(beast::http::to_string(method)), origin + target}; }
    /// "POST http://127.0.0.1:1234/v1/chat/completions", for messages.
    std::string describe() const
    {
        auto const l = label();
        return l.method + " " + l.url;
    }

    /// Returns the connection to the pool if the body was fully read and the server allows
    /// keep-alive; closes it otherwise. Gives back the concurrency slot either way.
    void finish() noexcept
    {
        if (connection) {
            if (done && parser && parser->keep_alive())
                client->give_back(std::move(connection));
            else
                connection->close();
            connection.reset();
        }
        permit.release();
    }

    [[noreturn]] void fail(error_code ec, Stage stage, bool cancelled)
    {
        Deadline const deadline{TimePoint::max(), total_deadline};
        auto const code = classify_transport_error(ec, stage, cancelled,
                                                   deadline.total_expired(Clock::now()));
        if (connection)
            connection->close();
        connection.reset();
        permit.release();
        throw_transport_error(code, ec, stage, label());
    }
};

} // namespace detail

namespace {

asio::awaitable<bool> caller_cancelled()
{
    auto const cs = co_await asio::this_coro::cancellation_state;
    co_return cs.cancelled() != asio::cancellation_type::none;
}

bool same_name(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20); // ASCII letters, '-' and digits are unchanged by it
           });
}

// A header's name or value must not end the line it is on.
void check_header_text(std::string_view name, std::string_view value)
{
    auto const bad = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
    if (name.empty() || std::any_of(name.begin(), name.end(), bad) ||
        std::any_of(value.begin(), value.end(), bad) || name.find(':') != std::string_view::npos) {
        ErrorInfo info;
        info.detail = "the header " + std::string(name.substr(0, 64)) +
                      " has an empty name or contains ':', CR, LF or NUL";
        throw_error(errc::invalid_request, std::move(info));
    }
}

// The request head, serialised here into one string: a request costs one allocation for its
// head and no copy of its body (Beast's fields cost one per field, its message a body copy).
// Rules as Beast's `set`: a later header replaces an earlier one of the same name; Host and
// User-Agent are llmio's unless the request names them; Content-Type (for a request with a
// body), Content-Length and Connection are always llmio's (keep-alive is the pool's business).
std::string build_head(Endpoint const& endpoint, HttpRequest const& in, std::string const& user_agent,
                       std::string const& target)
{
    bool const has_body = !in.body.empty() || in.method == beast::http::verb::post ||
                          in.method == beast::http::verb::put;
    auto const named = [&](std::string_view name, std::size_t from) {
        for (std::size_t j = from; j < in.headers.size(); ++j)
            if (same_name(in.headers[j].name, name))
                return true;
        return false;
    };
    std::string head;
    head.reserve(128 + target.size() + user_agent.size() + 64 * in.headers.size());
    auto const field = [&head](std::string_view name, std::string_view value) {
        check_header_text(name, value);
        head.append(name).append(": ").append(value).append("\r\n");
    };
    head.append(beast::http::to_string(in.method)).append(" ").append(target).append(" HTTP/1.1\r\n");
    if (!named("Host", 0))
        field("Host", endpoint.host_header());
    if (!named("User-Agent", 0))
        field("User-Agent", user_agent);
    for (std::size_t i = 0; i < in.headers.size(); ++i) {
        auto const& h = in.headers[i];
        if (named(h.name, i + 1) || same_name(h.name, "Content-Length") ||
            same_name(h.name, "Transfer-Encoding") || same_name(h.name, "Connection") ||
            (has_body && same_name(h.name, "Content-Type")))
            continue;
        field(h.name, h.value);
    }
    if (has_body) {
        field("Content-Type", in.content_type);
        field("Content-Length", std::to_string(in.body.size()));
    }
    head.append("\r\n");
    return head;
}

// A reused connection that the server closed while it sat in the pool fails like this, before
// any byte of the response. Resending is safe: the server never started on the request.
bool is_stale_connection_error(error_code ec)
{
    return ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
           ec == beast::http::error::end_of_stream || ec == asio::ssl::error::stream_truncated;
}

[[noreturn]] void throw_total_timeout(StreamState const& state, char const* where)
{
    ErrorInfo info;
    info.cause = beast::error::timeout;
    info.detail = state.describe() + " while " + where + ": the total deadline passed";
    throw_error(errc::total_timeout, std::move(info));
}

// A slot of the concurrency limit, waiting at most the queue timeout and never past `deadline`.
// (Called only when `try_acquire` found none free: waiting needs a coroutine, the common case not.)
asio::awaitable<RequestLimiter::Permit> acquire_slot(ClientState& client, TimePoint deadline,
                                                     StreamState const& state)
{
    auto queue_timeout = client.options.concurrency.queue_timeout;
    bool const bounded_by_deadline = deadline != TimePoint::max();
    if (bounded_by_deadline) {
        auto const left = deadline - Clock::now();
        if (left <= Clock::duration::zero())
            throw_total_timeout(state, "waiting for a free request slot");
        if (queue_timeout == Clock::duration::zero() || left < queue_timeout)
            queue_timeout = left;
    }
    try {
        co_return co_await client.limiter->acquire(queue_timeout);
    } catch (TimeoutError const&) {
        if (bounded_by_deadline && Clock::now() >= deadline)
            throw_total_timeout(state, "waiting for a free request slot");
        throw;
    }
}

// Reads response heads until the final one. Interim 1xx responses (100 Continue, 103 Early
// Hints, ...) come before it and are skipped, as RFC 9110 section 15.2 requires of a client;
// 101 Switching Protocols answers an Upgrade that llmio never sends. Bounded: a server that
// sends interim responses without end is malformed.
asio::awaitable<error_code> read_final_header(StreamState& state, beast::http::verb method,
                                              Deadline deadline, bool& interim_seen)
{
    constexpr int max_interim = 16;
    for (int interim = 0;; ++interim) {
        state.parser.emplace();
        state.parser->header_limit(
            static_cast<std::uint32_t>(state.client->options.limits.max_header_bytes));
        state.parser->body_limit(boost::none); // Bounded by the callers' own limits.
        // A response to HEAD carries the GET's Content-Length but no body; without this
        // the parser would wait for those bytes (and the connection could not be reused).
        if (method == beast::http::verb::head)
            state.parser->skip(true);
        auto const [ec, n] = co_await state.connection->read_header(*state.parser, deadline);
        (void)n;
        auto const status = state.parser->get().result_int();
        if (ec || status < 100 || status > 199)
            co_return ec;
        interim_seen = true;
        std::string problem;
        if (status == 101)
            problem = "HTTP 101 Switching Protocols, but no protocol upgrade was requested";
        else if (interim == max_interim)
            problem = "more than " + std::to_string(max_interim) + " interim (1xx) responses";
        if (!problem.empty()) {
            state.connection->close();
            ErrorInfo info;
            info.detail = state.describe() + ": " + problem;
            throw_error(errc::malformed_response, std::move(info));
        }
        state.client->log(LogLevel::debug,
                          state.describe() + ": skipped interim response HTTP " + std::to_string(status));
    }
}

// Hands everything buffered to the (eager) parser: every complete chunk's bytes land in the
// body string at once. need_more only says the buffer ends inside a chunk header.
error_code parse_buffered(ResponseParser& parser, beast::flat_buffer& buffer)
{
    error_code ec;
    while (buffer.size() != 0 && !parser.is_done()) {
        auto const used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec == beast::http::error::need_more)
            return {};
        if (ec || used == 0)
            return ec;
    }
    return {};
}

// Cancellation requested before an operation starts makes co_await throw operation_aborted;
// callers must see CancelledError instead, like every other cancellation.
[[noreturn]] void throw_typed(boost::system::system_error const& e)
{
    ErrorInfo info;
    info.cause = e.code();
    info.detail = e.code().message();
    throw_error(e.code() == asio::error::operation_aborted ? errc::cancelled : errc::network_error,
                std::move(info));
}

} // namespace

// ---- HttpResponse --------------------------------------------------------------------------

std::string_view HttpResponse::header(std::string_view name) const
{
    auto it = headers.find(name);
    return it == headers.end() ? std::string_view{} : std::string_view(it->value());
}

// ---- HttpStream ----------------------------------------------------------------------------

HttpStream::HttpStream(std::unique_ptr<StreamState> state) : state_(std::move(state)) {}
HttpStream::HttpStream(HttpStream&&) noexcept = default;
HttpStream& HttpStream::operator=(HttpStream&&) noexcept = default;
HttpStream::~HttpStream() = default;

unsigned HttpStream::status() const noexcept { return state_->parser->get().result_int(); }

beast::http::fields const& HttpStream::headers() const noexcept { return state_->parser->get().base(); }

std::string_view HttpStream::header(std::string_view name) const
{
    auto const& fields = headers();
    auto it = fields.find(name);
    return it == fields.end() ? std::string_view{} : std::string_view(it->value());
}

bool HttpStream::done() const noexcept { return state_->done; }

ConnectionTiming const& HttpStream::timing() const noexcept { return state_->timing; }

void HttpStream::close() noexcept
{
    state_->done = false;
    state_->finish();
}

asio::awaitable<std::optional<std::string_view>> HttpStream::read_some()
{
    // One coroutine frame per call (not a lambda inside a wrapper): this is the per-token path
    // of slow streams, where frames are allocated rather than recycled.
    auto& s = *state_;
    try {
        if (s.pending_error) {
            auto const ec = std::exchange(s.pending_error, {});
            s.fail(ec, Stage::body, co_await caller_cancelled());
        }
        if (s.done || !s.connection)
            co_return std::nullopt;
        s.slice.clear();
        s.parser->get().body().out = &s.slice;
        // The total deadline is checked here, not only by the socket watch: a read served from
        // the buffer, or one that completes at once, must not outrun it (a server streaming
        // faster than the reader consumes would never be stopped).
        if (Clock::now() >= s.total_deadline)
            s.fail(beast::error::timeout, Stage::body, false);
        // Each pass parses what is buffered, synchronously, and reads from the socket only when
        // that yields no body byte; the idle deadline bounds each read, the server's data the
        // passes.
        for (;;) {
            auto const parse_ec = parse_buffered(*s.parser, s.connection->buffer());
            if (parse_ec && !s.slice.empty()) {
                s.pending_error = parse_ec;
                co_return std::string_view(s.slice);
            }
            if (parse_ec)
                s.fail(parse_ec, Stage::body, false);
            if (s.parser->is_done()) {
                s.done = true;
                s.finish();
            }
            if (!s.slice.empty())
                co_return std::string_view(s.slice);
            if (s.done)
                co_return std::nullopt;
            if (Clock::now() >= s.total_deadline)
                s.fail(beast::error::timeout, Stage::body, false);

            Deadline const deadline{s.idle_deadline ? *s.idle_deadline : deadline_after(s.timeouts.idle),
                                    s.total_deadline};
            auto [ec, n] = co_await s.connection->read_more(s.read_size, deadline);
            if (n == s.read_size && s.read_size < StreamState::kMaxReadSize)
                s.read_size *= 2;
            if (ec == asio::error::eof)
                s.parser->put_eof(ec); // ends a body delimited by the connection's end
            if (ec)
                s.fail(ec, Stage::body, co_await caller_cancelled());
        }
    } catch (ProviderError const&) {
        throw;
    } catch (boost::system::system_error const& e) {
        throw_typed(e);
    }
}

asio::awaitable<void> HttpStream::discard_rest()
{
    // The answer is complete: what follows only decides whether the connection can be reused.
    // Normally only the chunked terminator remains. A server that keeps talking, stalls or
    // fails here costs the connection, never the answer, and never more than a second.
    constexpr int max_reads = 4;
    constexpr std::size_t max_bytes = 64 * 1024;
    constexpr auto max_wait = std::chrono::seconds(1);
    state_->idle_deadline = Clock::now() + max_wait;
    std::size_t discarded = 0;
    try {
        for (int i = 0; i < max_reads && !done(); ++i) {
            if (Clock::now() >= state_->total_deadline)
                break;
            auto slice = co_await read_some();
            if (!slice)
                co_return;
            discarded += slice->size();
            if (discarded > max_bytes)
                break;
        }
    } catch (CancelledError const&) {
        throw;
    } catch (ProviderError const&) {
        // read_some closed the connection already.
    }
    if (!done())
        close();
}

void HttpStream::set_idle_deadline(std::chrono::steady_clock::time_point deadline) noexcept
{
    state_->idle_deadline = deadline;
}

void HttpStream::reset_idle_deadline() noexcept { state_->idle_deadline.reset(); }

asio::awaitable<std::string> HttpStream::read_all(std::size_t max_bytes)
{
    // Nothing left to read (a HEAD response, 204, 304 or an empty body): its Content-Length, if
    // any, describes no bytes on this connection and must not trip the size limit.
    if (state_->done)
        co_return std::string();
    auto const length = state_->parser->content_length();
    if (length && *length > max_bytes) {
        auto const what = state_->describe();
        close();
        ErrorInfo info;
        info.detail = what + ": Content-Length " +
                      std::to_string(*length) + " exceeds the limit of " +
                      std::to_string(max_bytes) + " bytes";
        throw_error(errc::body_too_large, std::move(info));
    }
    std::string out;
    if (length)
        out.reserve(static_cast<std::size_t>(*length));
    while (auto slice = co_await read_some()) {
        if (out.size() + slice->size() > max_bytes) {
            auto const what = state_->describe();
            close();
            ErrorInfo info;
            info.detail = what + ": body exceeds the limit of " +
                          std::to_string(max_bytes) + " bytes";
            throw_error(errc::body_too_large, std::move(info));
        }
        out.append(*slice);
    }
    co_return out;
}

// ---- HttpClient ----------------------------------------------------------------------------

HttpClient::HttpClient(asio::any_io_executor executor, HttpOptions options)
    : state_(std::make_shared<ClientState>(std::move(executor), std::move(options)))
{
}

HttpOptions const& HttpClient::options() const noexcept { return state_->options; }

asio::any_io_executor HttpClient::get_executor() const noexcept { return state_->executor; }

// Everything from the call to the response head, in one coroutine: the typed errors are thrown
// where the failures are seen, and no wrapper frame stands between the caller and the socket.
asio::awaitable<HttpStream> HttpClient::open_impl(std::shared_ptr<ClientState> client,
                                                  Endpoint const& endpoint, HttpRequest const& request)
{
    try {
        auto state = std::make_unique<StreamState>();
        state->client = client;
        state->timeouts = request.timeouts.value_or(client->options.timeouts);
        state->method = request.method;
        state->origin = endpoint.origin();
        state->target = endpoint.target(request.path);
        // The caller's absolute deadline bounds the queue wait too; expiry there is total_timeout.
        state->total_deadline = request.deadline;
        if (auto permit = client->limiter->try_acquire())
            state->permit = std::move(*permit);
        else {
            auto const queued = Clock::now(); // only a request that waits reads the clock here
            state->permit = co_await acquire_slot(*client, state->total_deadline, *state);
            state->timing.queue_wait = Clock::now() - queued;
        }

        auto const started = Clock::now();
        state->total_deadline = std::min(state->total_deadline, deadline_after(state->timeouts.total, started));
        if (started >= state->total_deadline)
            state->fail(beast::error::timeout, Stage::connect, false);
        auto const head = build_head(endpoint, request, client->options.user_agent, state->target);
        auto const& key = state->origin;

        for (int attempt = 0;; ++attempt) {
            state->connection = attempt == 0 ? client->take_idle(key) : nullptr;
            if (!state->connection) {
                state->connection = std::make_unique<Connection>(client->executor, key);
                auto const connecting = Clock::now();
                Deadline const connect_deadline{deadline_after(state->timeouts.connect, connecting),
                                                state->total_deadline};
                auto ec = co_await state->connection->connect(
                    endpoint, endpoint.tls() ? &client->tls_context() : nullptr, connect_deadline,
                    client->options.host_policy);
                if (ec)
                    state->fail(ec, Stage::connect, co_await caller_cancelled());
                client->opened.fetch_add(1, std::memory_order_relaxed);
                state->timing.connect = Clock::now() - connecting;
            } else {
                state->timing.connect.reset();
            }
            bool const reused = state->connection->reused;
            state->timing.reused = reused;
            Deadline const response_deadline{deadline_after(state->timeouts.first_byte),
                                             state->total_deadline};

            auto [write_ec, written] = co_await state->connection->write(head, request.body, response_deadline);
            (void)written;
            if (!write_ec) {
                bool interim_seen = false;
                auto const read_ec = co_await read_final_header(*state, request.method,
                                                                response_deadline, interim_seen);
                if (!read_ec)
                    break;
                write_ec = read_ec;
                if (!(reused && attempt == 0 && !interim_seen && !state->parser->got_some() &&
                      is_stale_connection_error(read_ec)))
                    state->fail(read_ec, Stage::first_byte, co_await caller_cancelled());
            } else if (!(reused && attempt == 0 && is_stale_connection_error(write_ec))) {
                state->fail(write_ec, Stage::first_byte, co_await caller_cancelled());
            }
            client->log(LogLevel::debug, state->describe() +
                                             ": pooled connection was closed by the server (" +
                                             write_ec.message() + "); retrying on a new connection");
            state->connection->close();
            state->connection.reset();
        }

        if (client->options.logger) {
            auto const ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
            client->log(LogLevel::debug, state->describe() + " -> " +
                                             std::to_string(state->parser->get().result_int()) + " in " +
                                             std::to_string(ms.count()) + " ms");
        }
        if (state->parser->is_done())
            state->done = true;
        // From here on the body is parsed from the buffer directly, every buffered chunk at once.
        state->parser->eager(true);
        co_return HttpStream(std::move(state));
    } catch (ProviderError const&) {
        throw;
    } catch (boost::system::system_error const& e) {
        throw_typed(e);
    }
}

asio::awaitable<HttpStream> HttpClient::open_ref(Endpoint const& endpoint, HttpRequest const& request)
{
    return open_impl(state_, endpoint, request);
}

asio::awaitable<HttpStream> HttpClient::open(Endpoint endpoint, HttpRequest request)
{
    // The copies live in this frame until the response head arrived.
    co_return co_await open_impl(state_, endpoint, request);
}

asio::awaitable<HttpResponse> HttpClient::send_ref(Endpoint const& endpoint, HttpRequest const& request)
{
    // Read before the first suspension: `this` is not used afterwards.
    auto const max_body = state_->options.limits.max_body_bytes;
    auto stream = co_await open_impl(state_, endpoint, request);
    HttpResponse response;
    response.body = co_await stream.read_all(max_body);
    response.status = stream.status();
    response.headers = stream.headers();
    co_return response;
}

asio::awaitable<HttpResponse> HttpClient::send(Endpoint endpoint, HttpRequest request)
{
    co_return co_await send_ref(endpoint, request);
}

void HttpClient::close_idle() noexcept { state_->close_idle(); }

std::size_t HttpClient::idle_connections() const noexcept { return state_->idle_count(); }

std::size_t HttpClient::connections_opened() const noexcept
{
    return state_->opened.load(std::memory_order_relaxed);
}

} // namespace llmio::http

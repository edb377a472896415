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
    RequestLabel label;
    std::string slice; // the body bytes of the last read_some
    std::size_t read_size = Connection::kInitialReadSize;
    bool done = false;
    // A parse that failed after it had produced body bytes: those bytes are delivered first,
    // and the failure on the next read_some, so that nothing received is lost.
    boost::system::error_code pending_error;

    // Socket reads start small (a slow stream holds little) and double while they come back
    // full (a bulk stream makes few system calls).
    static constexpr std::size_t kMaxReadSize = 64 * 1024;

    ~StreamState() { finish(); }

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
        throw_transport_error(code, ec, stage, label);
    }
};

} // namespace detail

namespace {

asio::awaitable<bool> caller_cancelled()
{
    auto const cs = co_await asio::this_coro::cancellation_state;
    co_return cs.cancelled() != asio::cancellation_type::none;
}

Request build_request(Endpoint const& endpoint, HttpRequest const& in, std::string const& user_agent)
{
    Request out{in.method, endpoint.target(in.path), 11};
    out.set(beast::http::field::host, endpoint.host_header());
    out.set(beast::http::field::user_agent, user_agent);
    for (auto const& h : in.headers)
        out.set(h.name, h.value);
    if (!in.body.empty() || in.method == beast::http::verb::post ||
        in.method == beast::http::verb::put) {
        out.set(beast::http::field::content_type, in.content_type);
        out.body() = in.body;
    }
    out.keep_alive(true);
    out.prepare_payload();
    return out;
}

// A reused connection that the server closed while it sat in the pool fails like this, before
// any byte of the response. Resending is safe: the server never started on the request.
bool is_stale_connection_error(error_code ec)
{
    return ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
           ec == beast::http::error::end_of_stream || ec == asio::ssl::error::stream_truncated;
}

[[noreturn]] void throw_total_timeout(RequestLabel const& label, char const* where)
{
    ErrorInfo info;
    info.cause = beast::error::timeout;
    info.detail = label.method + " " + label.url + " while " + where + ": the total deadline passed";
    throw_error(errc::total_timeout, std::move(info));
}

// A slot of the concurrency limit, waiting at most the queue timeout and never past `deadline`.
asio::awaitable<RequestLimiter::Permit> acquire_slot(ClientState& client, TimePoint deadline,
                                                     RequestLabel const& label)
{
    auto queue_timeout = client.options.concurrency.queue_timeout;
    bool const bounded_by_deadline = deadline != TimePoint::max();
    if (bounded_by_deadline) {
        auto const left = deadline - Clock::now();
        if (left <= Clock::duration::zero())
            throw_total_timeout(label, "waiting for a free request slot");
        if (queue_timeout == Clock::duration::zero() || left < queue_timeout)
            queue_timeout = left;
    }
    try {
        co_return co_await client.limiter->acquire(queue_timeout);
    } catch (TimeoutError const&) {
        if (bounded_by_deadline && Clock::now() >= deadline)
            throw_total_timeout(label, "waiting for a free request slot");
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
            info.detail = state.label.method + " " + state.label.url + ": " + problem;
            throw_error(errc::malformed_response, std::move(info));
        }
        state.client->log(LogLevel::debug, state.label.method + " " + state.label.url +
                                               ": skipped interim response HTTP " +
                                               std::to_string(status));
    }
}

asio::awaitable<std::unique_ptr<StreamState>> open_stream(std::shared_ptr<ClientState> client,
                                                          Endpoint endpoint, HttpRequest request)
{
    auto state = std::make_unique<StreamState>();
    state->client = client;
    state->timeouts = request.timeouts.value_or(client->options.timeouts);
    state->label = RequestLabel{std::string(beast::http::to_string(request.method)),
                                endpoint.origin() + endpoint.target(request.path)};
    // The caller's absolute deadline bounds the queue wait too; expiry there is total_timeout.
    state->total_deadline = request.deadline;
    state->permit = co_await acquire_slot(*client, state->total_deadline, state->label);

    auto const started = Clock::now();
    state->total_deadline = std::min(state->total_deadline, deadline_after(state->timeouts.total, started));
    if (started >= state->total_deadline)
        state->fail(beast::error::timeout, Stage::connect, false);
    auto wire_request = build_request(endpoint, request, client->options.user_agent);
    auto const key = endpoint.origin();

    for (int attempt = 0;; ++attempt) {
        state->connection = attempt == 0 ? client->take_idle(key) : nullptr;
        if (!state->connection) {
            state->connection = std::make_unique<Connection>(client->executor, key);
            Deadline const connect_deadline{deadline_after(state->timeouts.connect),
                                            state->total_deadline};
            auto ec = co_await state->connection->connect(
                endpoint, endpoint.tls() ? &client->tls_context() : nullptr, connect_deadline,
                client->options.host_policy);
            if (ec)
                state->fail(ec, Stage::connect, co_await caller_cancelled());
            client->opened.fetch_add(1, std::memory_order_relaxed);
        }
        bool const reused = state->connection->reused;
        Deadline const response_deadline{deadline_after(state->timeouts.first_byte),
                                         state->total_deadline};

        auto [write_ec, written] = co_await state->connection->write(wire_request, response_deadline);
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
        client->log(LogLevel::debug, state->label.method + " " + state->label.url +
                                         ": pooled connection was closed by the server (" +
                                         write_ec.message() + "); retrying on a new connection");
        state->connection->close();
        state->connection.reset();
    }

    if (client->options.logger) {
        auto const ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
        client->log(LogLevel::debug, state->label.method + " " + state->label.url + " -> " +
                                         std::to_string(state->parser->get().result_int()) + " in " +
                                         std::to_string(ms.count()) + " ms");
    }
    if (state->parser->is_done())
        state->done = true;
    // From here on the body is parsed from the buffer directly, every buffered chunk at once.
    state->parser->eager(true);
    co_return state;
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

template <class T>
asio::awaitable<T> with_typed_errors(asio::awaitable<T> op)
{
    try {
        co_return co_await std::move(op);
    } catch (ProviderError const&) {
        throw;
    } catch (boost::system::system_error const& e) {
        throw_typed(e);
    }
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
        auto const label = state_->label;
        close();
        ErrorInfo info;
        info.detail = label.method + " " + label.url + ": Content-Length " +
                      std::to_string(*length) + " exceeds the limit of " +
                      std::to_string(max_bytes) + " bytes";
        throw_error(errc::body_too_large, std::move(info));
    }
    std::string out;
    if (length)
        out.reserve(static_cast<std::size_t>(*length));
    while (auto slice = co_await read_some()) {
        if (out.size() + slice->size() > max_bytes) {
            auto const label = state_->label;
            close();
            ErrorInfo info;
            info.detail = label.method + " " + label.url + ": body exceeds the limit of " +
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

asio::awaitable<HttpStream> HttpClient::open(Endpoint endpoint, HttpRequest request)
{
    auto state = co_await with_typed_errors(open_stream(state_, std::move(endpoint), std::move(request)));
    co_return HttpStream(std::move(state));
}

asio::awaitable<HttpResponse> HttpClient::send(Endpoint endpoint, HttpRequest request)
{
    // Read before the first suspension: `this` is not used afterwards.
    auto const max_body = state_->options.limits.max_body_bytes;
    auto stream = co_await open(std::move(endpoint), std::move(request));
    HttpResponse response;
    response.body = co_await stream.read_all(max_body);
    response.status = stream.status();
    response.headers = stream.headers();
    co_return response;
}

void HttpClient::close_idle() noexcept { state_->close_idle(); }

std::size_t HttpClient::idle_connections() const noexcept { return state_->idle_count(); }

std::size_t HttpClient::connections_opened() const noexcept
{
    return state_->opened.load(std::memory_order_relaxed);
}

} // namespace llmio::http

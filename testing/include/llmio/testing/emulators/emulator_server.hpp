#ifndef LLMIO_TESTING_EMULATORS_EMULATOR_SERVER_HPP
#define LLMIO_TESTING_EMULATORS_EMULATOR_SERVER_HPP

// An in-process HTTP/1.1 server that speaks one LLM server dialect, for tests and for
// `llmio emulate`. It runs its own io_context on its own thread (one coroutine per
// connection, keep-alive request loop, Expect: 100-continue, request body limit), applies the
// shared fault injection, and records what it received.
//
//     EmulatorServer server(std::make_shared<OpenAiEmulator>());
//     server.start();                       // binds 127.0.0.1 on an ephemeral port
//     server.faults().add(Fault::respond(429, body, {{"Retry-After", "1"}}).on("/v1/chat/completions"));
//     ... point a client at server.base_url() ...
//     server.stop();                        // closes every connection, joins the thread
//
// Thread safety: start/stop from one thread (never from a handler: stop() joins the I/O
// thread); every other member may be called from any thread while the server runs.

#include <llmio/testing/emulators/faults.hpp>
#include <llmio/testing/emulators/request.hpp>
#include <llmio/testing/emulators/request_log.hpp>
#include <llmio/testing/emulators/response_writer.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::emulators {

/// One server flavour (OpenAI, LM Studio, Ollama ...). Handlers run on the server's I/O thread;
/// a dialect must not block it.
class Dialect {
public:
    virtual ~Dialect() = default;

    /// Headers every response starts with, in order (may contain kContentTypeSlot and
    /// kFramingSlot to place those headers).
    virtual Headers base_headers() const { return {}; }

    /// Answers one request through `writer`.
    virtual boost::asio::awaitable<void> handle(Request& request, ResponseWriter& writer) = 0;

    /// The body of errors the framework itself produces (400 unparsable request, 413, 431,
    /// 500 when a handler throws), in the dialect's error shape.
    virtual std::string framework_error_body(int status, std::string_view message) const;
};

struct ServerOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 0;                       ///< 0: an ephemeral port.
    std::size_t body_limit = 16 * 1024 * 1024;     ///< Larger request bodies get 413.
    /// How long a connection may sit idle between requests; local servers use about 5 s.
    std::chrono::milliseconds idle_timeout{5000};
    std::size_t max_requests_per_connection = 100000;
    std::size_t log_capacity = 256;                ///< Requests kept in the log.
    std::size_t log_max_body = 64 * 1024;          ///< Body bytes kept per logged request.
};

class EmulatorServer {
public:
    explicit EmulatorServer(std::shared_ptr<Dialect> dialect, ServerOptions options = {});
    ~EmulatorServer(); ///< Stops the server.

    EmulatorServer(EmulatorServer const&) = delete;
    EmulatorServer& operator=(EmulatorServer const&) = delete;

    /// Binds, listens and starts the I/O thread. Throws boost::system::system_error when the
    /// address cannot be bound. Call once.
    void start();
    /// Closes the listener and every open connection (even mid-stream or stalled), then joins
    /// the I/O thread. Idempotent; returns within about a second.
    void stop();

    unsigned short port() const noexcept;
    std::string const& host() const noexcept;
    /// "http://<host>:<port>".
    std::string base_url() const;

    FaultSet& faults() noexcept;
    Dialect& dialect() noexcept;

    std::uint64_t accepted_connections() const noexcept;
    /// Requests parsed and dispatched (counted before the answer is written).
    std::uint64_t requests_served() const noexcept;
    /// Blocks until at least `n` requests were dispatched, or `timeout` passes; false then.
    bool wait_for_requests(std::uint64_t n, std::chrono::milliseconds timeout) const;
    std::uint64_t open_connections() const noexcept;
    /// How many stalled responses saw their client close the connection.
    std::uint64_t observed_client_closes() const;
    bool wait_for_client_closes(std::uint64_t n, std::chrono::milliseconds timeout) const;
    /// Blocks until at most `n` connections are open (the server saw the others end), or
    /// `timeout` passes; false then.
    bool wait_for_open_connections_at_most(std::uint64_t n, std::chrono::milliseconds timeout) const;

    std::vector<RecordedRequest> requests() const;
    std::optional<RecordedRequest> last_request() const;
    void clear_requests();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace llmio::emulators

#endif // LLMIO_TESTING_EMULATORS_EMULATOR_SERVER_HPP

#ifndef LLMIO_TESTS_SUPPORT_RAW_HTTP_CLIENT_HPP
#define LLMIO_TESTS_SUPPORT_RAW_HTTP_CLIENT_HPP

// A deliberately plain Beast client for testing servers (the emulators) without llmio's own
// HTTP code: one connection, one request at a time, every read bounded by a timeout.

#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmio::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
    int status = 0;
    HeaderList headers;               ///< In wire order.
    std::string body;                 ///< Decoded body (chunk payloads joined).
    std::vector<std::string> chunks;  ///< Chunk payloads, one per HTTP chunk (chunked only).
    bool chunked = false;
    bool complete = false;            ///< The message ended as its framing says.
    boost::system::error_code error;  ///< Why reading stopped early, if it did.

    std::optional<std::string> header(std::string_view name) const;
    std::vector<std::string> header_names() const;
};

/// The `data:` payloads of the SSE events in `body` (events end with a blank line).
std::vector<std::string> sse_data(std::string_view body);

class RawHttpClient {
public:
    explicit RawHttpClient(unsigned short port,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
    ~RawHttpClient();
    RawHttpClient(RawHttpClient const&) = delete;
    RawHttpClient& operator=(RawHttpClient const&) = delete;

    /// Writes bytes as they are.
    void send_raw(std::string_view bytes);
    /// Writes an HTTP/1.1 request (Host, and Content-Type/Content-Length when there is a body).
    void send(std::string_view method, std::string_view target, std::string_view body = {},
              HeaderList const& headers = {});
    /// Reads one response (headers only for HEAD).
    HttpReply read(bool head = false);
    HttpReply request(std::string_view method, std::string_view target, std::string_view body = {},
                      HeaderList const& headers = {});
    /// Reads raw bytes until the server closes the connection (or the timeout passes).
    std::string read_until_close();
    /// Reads raw bytes until `marker` has arrived (or EOF/timeout).
    std::string read_until(std::string_view marker);
    /// Reads whatever arrives within `d`. A timeout closes the connection (Beast's rule).
    std::string read_for(std::chrono::milliseconds d);
    /// True when the server closed the connection before `timeout` (any bytes are discarded).
    bool wait_server_close();
    void close();

private:
    std::string read_until(std::string_view marker, std::chrono::milliseconds timeout);

    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// `{"role":"user","content":<text>}` chat request body.
std::string chat_body(std::string_view model, std::string_view user_text, std::string_view extra = {});

} // namespace llmio::test

#endif // LLMIO_TESTS_SUPPORT_RAW_HTTP_CLIENT_HPP

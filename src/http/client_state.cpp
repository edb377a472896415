#include "client_state.hpp"

#include <llmio/error.hpp>

namespace llmio::http::detail {

namespace ssl = boost::asio::ssl;

namespace {
// A connection back in the pool for less than this is reused without asking the kernel whether
// the server closed it (a recv system call per request). Servers close idle keep-alive
// connections after seconds, not milliseconds; one that did close it this soon fails the
// request before any response byte, and the client sends it again on a new connection (the
// stale-connection retry in HttpClient::open_impl), as for a close that races the reuse.
constexpr auto kProbeAfter = std::chrono::milliseconds(500);
} // namespace

ClientState::ClientState(boost::asio::any_io_executor ex, HttpOptions opts)
    : executor(std::move(ex))
    , options(std::move(opts))
    , limiter(std::make_shared<RequestLimiter>(options.concurrency.max_in_flight))
{
}

ClientState::~ClientState() { close_idle(); }

std::unique_ptr<Connection> ClientState::take_idle(std::string const& origin_key)
{
    std::vector<std::unique_ptr<Connection>> stale;
    std::unique_ptr<Connection> found;
    {
        std::lock_guard lock(mutex_);
        auto it = idle_.find(origin_key);
        if (it == idle_.end())
            return nullptr;
        auto& pool = it->second;
        auto const now = Clock::now();
        // Most recently used first: it is the least likely to have been closed by the server.
        while (!pool.empty() && !found) {
            auto candidate = std::move(pool.back());
            pool.pop_back();
            auto const idle = now - candidate->idle_since;
            if (idle < options.pool.idle_expiry &&
                (idle < kProbeAfter ? candidate->looks_reusable() : candidate->still_open()))
                found = std::move(candidate);
            else
                stale.push_back(std::move(candidate));
        }
    }
    for (auto& c : stale)
        c->close();
    if (found)
        found->reused = true;
    return found;
}

void ClientState::give_back(std::unique_ptr<Connection> connection) noexcept
{
    connection->end_request();
    connection->idle_since = Clock::now();
    std::unique_ptr<Connection> excess;
    {
        std::lock_guard lock(mutex_);
        auto& pool = idle_[connection->origin_key()];
        if (pool.size() < options.pool.max_idle_per_origin)
            pool.push_back(std::move(connection));
        else
            excess = std::move(connection);
    }
    if (excess)
        excess->close();
}

void ClientState::close_idle() noexcept
{
    std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> all;
    {
        std::lock_guard lock(mutex_);
        all.swap(idle_);
    }
    for (auto& [key, pool] : all)
        for (auto& c : pool)
            c->close();
}

std::size_t ClientState::idle_count() const noexcept
{
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (auto const& [key, pool] : idle_)
        n += pool.size();
    return n;
}

ssl::context& ClientState::tls_context()
{
    std::lock_guard lock(mutex_);
    if (tls_)
        return *tls_;
    auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
    boost::system::error_code ec;
    if (options.tls.verify_peer) {
        context->set_verify_mode(ssl::verify_peer, ec);
        if (!ec)
            context->set_default_verify_paths(ec);
        if (!ec && !options.tls.ca_file.empty())
            context->load_verify_file(options.tls.ca_file, ec);
    } else {
        context->set_verify_mode(ssl::verify_none, ec);
    }
    if (ec) {
        ErrorInfo info;
        info.cause = ec;
        info.detail = "cannot set up TLS" +
                      (options.tls.ca_file.empty() ? std::string()
                                                   : " with CA file " + options.tls.ca_file) +
                      ": " + ec.message();
        throw_error(errc::tls_error, std::move(info));
    }
    tls_ = std::move(context);
    return *tls_;
}

void ClientState::log(LogLevel level, std::string const& message) const
{
    if (options.logger)
        options.logger(level, message);
}

} // namespace llmio::http::detail

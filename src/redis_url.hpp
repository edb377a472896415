#ifndef LLMIO_SRC_REDIS_URL_HPP
#define LLMIO_SRC_REDIS_URL_HPP

// `redis://[[user]:password@]host[:port][/db]`, the address of a RedisCacheStore.

#include <cstdint>
#include <optional>
#include <string>

namespace llmio::detail {

struct RedisUrl {
    std::string host;
    std::uint16_t port = 6379;
    unsigned db = 0;
    std::string user;                    ///< Empty: AUTH with the password alone.
    std::optional<std::string> password; ///< Percent-decoded.
    std::string redacted;                ///< The URL with the password as "***", for messages.
};

/// Throws InvalidRequestError (naming the URL without its password) for anything else,
/// e.g. `rediss://`, which hiredis 0.14 cannot speak.
RedisUrl parse_redis_url(std::string const& text);

} // namespace llmio::detail

#endif

#ifndef LLMIO_SRC_GATEWAY_ACCESS_HPP
#define LLMIO_SRC_GATEWAY_ACCESS_HPP

// Client API keys of the gateway (docs/gateway.md, "API keys and rate limits"), sans-io.
//
// Keys are kept only as SHA-256 digests and compared with CRYPTO_memcmp against every entry,
// so neither the key's length nor the position of the first differing byte nor which entry
// matched shows in the time taken. A key is named in logs and metrics by its id ("key-1", or
// the `id=` given in the keys file), never by its text.

#include "rate_limit.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmio::gateway {

/// A key from an environment variable's value: one key or a comma-separated list (blanks
/// around each are dropped). Ids are "key-1", "key-2", ... in order. Throws
/// InvalidRequestError naming `where` (never the value) for an empty list or a key with
/// control characters or blanks inside.
std::vector<ClientKey> keys_from_list(std::string_view value, std::string_view where);

/// Keys from a keys file's text: one key per line, optionally followed by `id=NAME`,
/// `requests_per_minute=N` and `tokens_per_minute=N`; blank lines and lines starting with '#'
/// are skipped. Throws InvalidRequestError naming `where` and the line number (never a key).
std::vector<ClientKey> keys_from_text(std::string_view text, std::string_view where);

/// keys_from_text of the file at `path`. Throws InvalidRequestError when it cannot be read or
/// is larger than 1 MiB.
std::vector<ClientKey> keys_from_file(std::string const& path, std::string_view where);

/// The key a request presents: `Authorization: Bearer KEY` (scheme in any case), else
/// `x-api-key: KEY`; nullopt when neither carries one.
std::optional<std::string_view> presented_key(std::string_view authorization, std::string_view x_api_key) noexcept;

class KeyRing {
public:
    /// Who a request is, once its key matched.
    struct Client {
        std::string_view id;
        RateLimit const* limits; ///< the key's own; fields unset fall back to the defaults
    };

    KeyRing() = default;
    /// Throws InvalidRequestError naming `where` when two keys are equal or two ids are.
    KeyRing(std::vector<ClientKey> keys, std::string_view where);

    bool empty() const noexcept { return entries_.empty(); }
    std::size_t size() const noexcept { return entries_.size(); }

    /// The client whose key is `presented`, else nullopt. Takes the same time whichever entry
    /// matches, whether one does, and whatever the presented key's length.
    std::optional<Client> check(std::string_view presented) const noexcept;

private:
    using Digest = std::array<unsigned char, 32>;
    struct Entry {
        Digest digest;
        std::string id;
        RateLimit limits;
    };
    static Digest digest_of(std::string_view text) noexcept;
    std::vector<Entry> entries_;
};

/// Whether `host` (a listen address as given: "127.0.0.1", "::1", "[::1]", "localhost")
/// names the loopback interface only.
bool is_loopback_host(std::string_view host);

/// Throws InvalidRequestError with a message saying what to do when the gateway would listen
/// on `host`, which is not loopback, without client keys and without `--insecure-no-auth`.
void check_listen_allowed(std::string_view host, bool has_keys, bool insecure_no_auth);

} // namespace llmio::gateway

#endif

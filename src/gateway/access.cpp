#include "access.hpp"

#include "../error_text.hpp"

#include <llmio/error.hpp>

#include <boost/asio/ip/address.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <set>

namespace llmio::gateway {

namespace {

constexpr std::size_t kMaxKeyLength = 4096;
constexpr std::size_t kMaxKeysFileBytes = 1 << 20;

[[noreturn]] void bad(std::string_view where, std::string const& what)
{
    throw_error(errc::invalid_request, std::string(where) + ": " + what);
}

using detail::error_text::trim;

bool blank(char c) noexcept { return detail::error_text::is_space(c); }

// A key is printable ASCII without blanks: it travels in an HTTP header.
bool valid_key(std::string_view key) noexcept
{
    return !key.empty() && key.size() <= kMaxKeyLength &&
           std::all_of(key.begin(), key.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

bool valid_id(std::string_view id) noexcept
{
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_' || c == '.';
    });
}

std::string numbered_id(std::size_t index) { return "key-" + std::to_string(index + 1); }

// One `name=value` option after a key in a keys file.
void read_option(ClientKey& key, std::string_view option, std::string const& at)
{
    auto const eq = option.find('=');
    auto const name = option.substr(0, eq);
    auto const value = eq == std::string_view::npos ? std::string_view{} : option.substr(eq + 1);
    if (name == "id") {
        if (!valid_id(value))
            bad(at, "id must be 1 to 64 letters, digits, '-', '_' or '.'");
        key.id = std::string(value);
        return;
    }
    if (name != "requests_per_minute" && name != "tokens_per_minute")
        bad(at, "unknown option \"" + std::string(name.substr(0, 40)) +
                    "\" after the key (known: id, requests_per_minute, tokens_per_minute)");
    std::uint64_t rate = 0;
    auto const [end, ec] = std::from_chars(value.data(), value.data() + value.size(), rate);
    if (ec != std::errc{} || end != value.data() + value.size())
        bad(at, std::string(name) + " must be a whole number");
    check_rate(at + ": " + std::string(name), rate);
    (name == "requests_per_minute" ? key.limits.requests_per_minute : key.limits.tokens_per_minute) = rate;
}

} // namespace

std::vector<ClientKey> keys_from_list(std::string_view value, std::string_view where)
{
    std::vector<ClientKey> keys;
    while (!value.empty()) {
        auto const comma = value.find(',');
        auto const key = trim(value.substr(0, comma));
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
        if (key.empty())
            continue;
        if (!valid_key(key))
            bad(where, "key " + std::to_string(keys.size() + 1) +
                           " has a blank or control character or is longer than 4096 bytes");
        keys.push_back({std::string(key), numbered_id(keys.size()), {}});
    }
    if (keys.empty())
        bad(where, "holds no key (one key or a comma-separated list)");
    return keys;
}

std::vector<ClientKey> keys_from_text(std::string_view text, std::string_view where)
{
    std::vector<ClientKey> keys;
    std::size_t line_number = 0;
    while (!text.empty()) {
        auto const newline = text.find('\n');
        auto line = trim(text.substr(0, newline));
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        ++line_number;
        if (line.empty() || line.front() == '#')
            continue;
        std::string const at = std::string(where) + " line " + std::to_string(line_number);
        auto const end_of_key = std::find_if(line.begin(), line.end(), blank) - line.begin();
        auto const key = line.substr(0, static_cast<std::size_t>(end_of_key));
        if (!valid_key(key))
            bad(at, "the key has a control character or is longer than 4096 bytes");
        ClientKey entry{std::string(key), numbered_id(keys.size()), {}};
        line.remove_prefix(key.size());
        while (!(line = trim(line)).empty()) {
            auto const end = std::find_if(line.begin(), line.end(), blank) - line.begin();
            read_option(entry, line.substr(0, static_cast<std::size_t>(end)), at);
            line.remove_prefix(static_cast<std::size_t>(end));
        }
        keys.push_back(std::move(entry));
    }
    if (keys.empty())
        bad(where, "holds no key (one key per line)");
    return keys;
}

std::vector<ClientKey> keys_from_file(std::string const& path, std::string_view where)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        bad(where, "cannot read \"" + path + "\"");
    std::string text;
    text.resize(kMaxKeysFileBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxKeysFileBytes)
        bad(where, "\"" + path + "\" is larger than 1 MiB");
    return keys_from_text(text, where);
}

std::optional<std::string_view> presented_key(std::string_view authorization, std::string_view x_api_key) noexcept
{
    authorization = trim(authorization);
    if (authorization.size() > 7) {
        bool const bearer = detail::error_text::iequals(authorization.substr(0, 7), "bearer ");
        auto const key = trim(authorization.substr(7));
        if (bearer && !key.empty())
            return key;
    }
    x_api_key = trim(x_api_key);
    if (!x_api_key.empty())
        return x_api_key;
    return std::nullopt;
}

KeyRing::KeyRing(std::vector<ClientKey> keys, std::string_view where)
{
    std::set<std::string_view> ids;
    for (auto& key : keys) {
        auto const digest = digest_of(key.secret);
        bool const repeated = std::any_of(entries_.begin(), entries_.end(),
                                          [&](Entry const& e) { return e.digest == digest; });
        if (repeated)
            bad(where, "the key of " + key.id + " is given twice");
        entries_.push_back({digest, std::move(key.id), key.limits});
        // Forget the text at once: only the digest is needed from here on.
        OPENSSL_cleanse(key.secret.data(), key.secret.size());
    }
    for (auto const& e : entries_)
        if (!ids.insert(e.id).second)
            bad(where, "the id \"" + e.id + "\" is given to two keys");
}

KeyRing::Digest KeyRing::digest_of(std::string_view text) noexcept
{
    Digest digest{};
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr);
    return digest;
}

std::optional<KeyRing::Client> KeyRing::check(std::string_view presented) const noexcept
{
    if (entries_.empty() || presented.size() > kMaxKeyLength)
        return std::nullopt;
    auto const digest = digest_of(presented);
    // Every entry is compared, and the match is picked without a branch on the comparison.
    std::size_t match = entries_.size();
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        std::size_t const equal = CRYPTO_memcmp(digest.data(), entries_[i].digest.data(), digest.size()) == 0;
        match = equal * i + (1 - equal) * match;
    }
    if (match == entries_.size())
        return std::nullopt;
    auto const& entry = entries_[match];
    return Client{entry.id, &entry.limits};
}

bool is_loopback_host(std::string_view host)
{
    if (host == "localhost")
        return true;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    auto const address = boost::asio::ip::make_address(std::string(host), ec);
    return !ec && address.is_loopback();
}

void check_listen_allowed(std::string_view host, bool has_keys, bool insecure_no_auth)
{
    if (has_keys || insecure_no_auth || is_loopback_host(host))
        return;
    throw_error(errc::invalid_request,
                "refusing to listen on " + std::string(host) +
                    " without client API keys: anyone who can reach it could use every configured model. "
                    "Set serve.api_keys_env or serve.api_keys_file, listen on 127.0.0.1, or pass "
                    "--insecure-no-auth");
}

} // namespace llmio::gateway

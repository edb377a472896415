// The gateway's client keys, without a server: where keys come from (a variable's list, a keys
// file with ids and limits), what a request presents, the check, and the listen refusal.

#include "gateway/access.hpp"

#include "support/expect_error.hpp"

#include <llmio/error.hpp>

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include <unistd.h>

using namespace llmio;
using namespace llmio::gateway;

namespace {

std::string message_of(auto&& f) { return test::expect_error<InvalidRequestError>(f).info().detail; }

} // namespace

TEST_CASE("keys: a variable holds one key or a comma-separated list", "[gateway][access]")
{
    auto const one = keys_from_list("sk-one", "LLMIO_KEYS");
    REQUIRE(one.size() == 1);
    CHECK(one[0].secret == "sk-one");
    CHECK(one[0].id == "key-1");

    auto const list = keys_from_list(" sk-a , sk-b,,sk-c ", "LLMIO_KEYS");
    REQUIRE(list.size() == 3);
    CHECK(list[1].secret == "sk-b");
    CHECK(list[2].id == "key-3");

    CHECK(message_of([] { keys_from_list(" , ", "serve.api_keys_env (LLMIO_KEYS)"); }) ==
          "serve.api_keys_env (LLMIO_KEYS): holds no key (one key or a comma-separated list)");
    // The message names the key by position, never by its text.
    auto const bad = message_of([] { keys_from_list("sk-good,sk bad", "LLMIO_KEYS"); });
    CHECK(bad == "LLMIO_KEYS: key 2 has a blank or control character or is longer than 4096 bytes");
}

TEST_CASE("keys: a keys file has one key per line, comments, ids and limits", "[gateway][access]")
{
    auto const keys = keys_from_text("# team keys\n"
                                     "\n"
                                     "sk-alpha\n"
                                     "  sk-beta   id=ci-runner  requests_per_minute=10\r\n"
                                     "sk-gamma tokens_per_minute=5000 id=web",
                                     "serve.api_keys_file");
    REQUIRE(keys.size() == 3);
    CHECK(keys[0].secret == "sk-alpha");
    CHECK(keys[0].id == "key-1");
    CHECK_FALSE(keys[0].limits.requests_per_minute);
    CHECK(keys[1].secret == "sk-beta");
    CHECK(keys[1].id == "ci-runner");
    CHECK(keys[1].limits.requests_per_minute == 10u);
    CHECK_FALSE(keys[1].limits.tokens_per_minute);
    CHECK(keys[2].id == "web");
    CHECK(keys[2].limits.tokens_per_minute == 5000u);
}

TEST_CASE("keys: a bad keys file line is named by its number, never by its key", "[gateway][access]")
{
    CHECK(message_of([] { keys_from_text("sk-a\nsk-b rpm=3\n", "keys.txt"); }) ==
          "keys.txt line 2: unknown option \"rpm\" after the key (known: id, requests_per_minute, tokens_per_minute)");
    CHECK(message_of([] { keys_from_text("sk-a requests_per_minute=ten", "keys.txt"); }) ==
          "keys.txt line 1: requests_per_minute must be a whole number");
    CHECK(message_of([] { keys_from_text("sk-a tokens_per_minute=0", "keys.txt"); }) ==
          "keys.txt line 1: tokens_per_minute must be a whole number from 1 to 1000000000");
    CHECK(message_of([] { keys_from_text("sk-a id=a/b", "keys.txt"); }) ==
          "keys.txt line 1: id must be 1 to 64 letters, digits, '-', '_' or '.'");
    CHECK(message_of([] { keys_from_text("sk-\x01secret", "keys.txt"); }) ==
          "keys.txt line 1: the key has a control character or is longer than 4096 bytes");
    CHECK(message_of([] { keys_from_text("# only a comment\n\n", "keys.txt"); }) ==
          "keys.txt: holds no key (one key per line)");
}

TEST_CASE("keys: a keys file is read from disk, and a missing one is a clear error", "[gateway][access]")
{
    auto const path = std::string("/tmp/llmio_test_keys_") + std::to_string(::getpid());
    {
        std::ofstream out(path);
        out << "sk-from-file id=file\n";
    }
    auto const keys = keys_from_file(path, "serve.api_keys_file");
    std::remove(path.c_str());
    REQUIRE(keys.size() == 1);
    CHECK(keys[0].id == "file");
    CHECK(message_of([&] { keys_from_file(path, "serve.api_keys_file"); }) ==
          "serve.api_keys_file: cannot read \"" + path + "\"");
}

TEST_CASE("keys: the key ring knows its keys by digest and names the client by id", "[gateway][access]")
{
    auto keys = keys_from_text("sk-alpha\nsk-beta id=beta requests_per_minute=7\n", "keys");
    KeyRing const ring(std::move(keys), "keys");
    CHECK(ring.size() == 2);
    auto const alpha = ring.check("sk-alpha");
    REQUIRE(alpha);
    CHECK(alpha->id == "key-1");
    auto const beta = ring.check("sk-beta");
    REQUIRE(beta);
    CHECK(beta->id == "beta");
    CHECK(beta->limits->requests_per_minute == 7u);
    for (auto const* wrong : {"sk-alph", "sk-alphaa", "SK-ALPHA", "", "sk-beta "})
        CHECK_FALSE(ring.check(wrong));
    CHECK_FALSE(ring.check(std::string(5000, 'k')));
    CHECK_FALSE(KeyRing().check("sk-alpha"));
}

TEST_CASE("keys: a key or an id given twice is refused", "[gateway][access]")
{
    CHECK(message_of([] { KeyRing(keys_from_list("sk-a,sk-b,sk-a", "LLMIO_KEYS"), "LLMIO_KEYS"); }) ==
          "LLMIO_KEYS: the key of key-3 is given twice");
    CHECK(message_of([] { KeyRing(keys_from_text("sk-a id=x\nsk-b id=x", "keys"), "keys"); }) ==
          "keys: the id \"x\" is given to two keys");
}

TEST_CASE("keys: a request presents its key as a bearer token or in x-api-key", "[gateway][access]")
{
    CHECK(presented_key("Bearer sk-1", "") == "sk-1");
    CHECK(presented_key("bearer   sk-1 ", "") == "sk-1");
    CHECK(presented_key("", "sk-2") == "sk-2");
    CHECK(presented_key("Bearer sk-1", "sk-2") == "sk-1");
    CHECK(presented_key("Basic dXNlcjpwYXNz", "sk-2") == "sk-2");
    CHECK_FALSE(presented_key("Basic dXNlcjpwYXNz", ""));
    CHECK_FALSE(presented_key("Bearer ", ""));
    CHECK_FALSE(presented_key("", ""));
}

TEST_CASE("keys: without keys the gateway listens on loopback only, unless told", "[gateway][access]")
{
    for (auto const* host : {"127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"}) {
        CHECK(is_loopback_host(host));
        check_listen_allowed(host, false, false);
    }
    for (auto const* host : {"0.0.0.0", "::", "192.168.1.10", "example.com"})
        CHECK_FALSE(is_loopback_host(host));
    check_listen_allowed("0.0.0.0", true, false);
    check_listen_allowed("0.0.0.0", false, true);
    CHECK(message_of([] { check_listen_allowed("0.0.0.0", false, false); }) ==
          "refusing to listen on 0.0.0.0 without client API keys: anyone who can reach it could use every "
          "configured model. Set serve.api_keys_env or serve.api_keys_file, listen on 127.0.0.1, or pass "
          "--insecure-no-auth");
}

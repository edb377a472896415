// Example 1: server base URLs as llmio sees them.
//
// Every provider starts from a base URL. llmio parses and normalises it before any I/O, so that
// `localhost:1234/v1/` and `http://localhost:1234` reach the same server, and rejects a bad one
// with a typed error that says what is wrong. This program prints, for each URL, the normalised
// base, the API prefix and what the HTTP client would connect to.
//
//   01_endpoints                      # a few typical base URLs, one of them invalid
//   01_endpoints <url> [<url>...]     # your own; exits with 1 if any is rejected

#include <llmio/error.hpp>
#include <llmio/http/endpoint.hpp>

#include <iostream>
#include <string_view>
#include <vector>

namespace {

// Prints what llmio made of `url`; returns false when it was rejected.
bool show(std::string_view url)
{
    std::cout << url << '\n';
    try {
        auto const endpoint = llmio::http::Endpoint::parse(url);
        std::cout << "  base:       " << endpoint.to_string() << '\n'
                  << "  api prefix: " << (endpoint.api_prefix().empty() ? "(none)" : endpoint.api_prefix())
                  << '\n'
                  << "  connect:    " << endpoint.connect_host() << " port " << endpoint.port()
                  << (endpoint.tls() ? " over TLS" : " plain TCP")
                  << (endpoint.is_loopback() ? " (this machine)" : "") << '\n'
                  << "  list models: GET " << endpoint.target("/v1/models")
                  << " with Host: " << endpoint.host_header() << "\n\n";
        return true;
    } catch (llmio::InvalidRequestError const& e) {
        // e.code() == llmio::errc::invalid_endpoint; the detail never echoes credentials.
        std::cout << "  rejected:   " << e.info().detail << "\n\n";
        return false;
    }
}

} // namespace

int main(int argc, char** argv)
{
    if (argc > 1) {
        bool all_valid = true;
        for (int i = 1; i < argc; ++i)
            all_valid = show(argv[i]) && all_valid;
        return all_valid ? 0 : 1;
    }

    std::vector<std::string_view> const typical = {
        "localhost:1234/v1/",             // LM Studio, written the short way
        "http://127.0.0.1:11434",         // Ollama
        "http://[::1]:8080",              // llama.cpp on IPv6 loopback
        "0.0.0.0:8000",                   // a bind address: connect to 127.0.0.1 instead
        "https://proxy.example/llm/v1",   // behind a reverse proxy that adds /llm
    };
    for (auto url : typical)
        if (!show(url))
            return 1; // these are all valid: a rejection here is a bug

    // Credentials do not belong in a URL: llmio refuses it without repeating the secret.
    return show("http://user:secret@localhost:1234") ? 1 : 0;
}

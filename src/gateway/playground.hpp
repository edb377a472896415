#ifndef LLMIO_SRC_GATEWAY_PLAYGROUND_HPP
#define LLMIO_SRC_GATEWAY_PLAYGROUND_HPP

// The playground page served at `/` (docs/gateway.md, "The playground"): playground/index.html,
// app.js and style.css, compiled into the binary by cmake/EmbedFiles.cmake.

#include "embedded_file.hpp"

#include <span>
#include <string_view>

namespace llmio::gateway {

/// Every file of the page (generated).
std::span<EmbeddedFile const> playground_files() noexcept;

/// The file a GET of `path` asks for: "/" is index.html (which has no other path), "/app.js"
/// and "/style.css" are themselves; null for any other path.
EmbeddedFile const* playground_file(std::string_view path) noexcept;

/// "text/html; charset=utf-8" and so on, from the path's extension.
std::string_view content_type_of(std::string_view path) noexcept;

/// The page loads nothing from elsewhere, so the policy allows only its own origin: an
/// injected script or style could not run, nor send what it read to another host.
inline constexpr std::string_view kPlaygroundPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

} // namespace llmio::gateway

#endif

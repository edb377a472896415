#include "playground.hpp"

namespace llmio::gateway {

EmbeddedFile const* playground_file(std::string_view path) noexcept
{
    if (path == "/index.html")
        return nullptr; // the page has one address, so that its ETag and links are one
    if (path == "/")
        path = "/index.html";
    for (auto const& file : playground_files())
        if (file.path == path)
            return &file;
    return nullptr;
}

std::string_view content_type_of(std::string_view path) noexcept
{
    if (path.ends_with(".html"))
        return "text/html; charset=utf-8";
    if (path.ends_with(".js"))
        return "text/javascript; charset=utf-8";
    if (path.ends_with(".css"))
        return "text/css; charset=utf-8";
    return "application/octet-stream";
}

} // namespace llmio::gateway

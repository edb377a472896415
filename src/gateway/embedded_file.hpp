#ifndef LLMIO_SRC_GATEWAY_EMBEDDED_FILE_HPP
#define LLMIO_SRC_GATEWAY_EMBEDDED_FILE_HPP

// A file compiled into the binary (cmake/EmbedFiles.cmake), such as the playground's page.

#include <span>
#include <string_view>

namespace llmio::gateway {

struct EmbeddedFile {
    std::string_view path; ///< "/app.js"
    std::string_view etag; ///< a strong ETag, quoted
    std::string_view body;
};

} // namespace llmio::gateway

#endif

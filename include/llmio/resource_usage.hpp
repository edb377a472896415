#ifndef LLMIO_RESOURCE_USAGE_HPP
#define LLMIO_RESOURCE_USAGE_HPP

// What a local server holds: the models in memory (with their size, the part in GPU memory,
// the loaded context length) and the models on disk, from a provider that manages local models
// (LM Studio, Ollama). `llmio ps` prints it.

#include <llmio/provider.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmio {

struct LoadedModel {
    std::string id;
    /// Memory the loaded model takes (Ollama `/api/ps` `size`); LM Studio reports only the
    /// model's size on disk, given here.
    std::optional<std::int64_t> size_bytes;
    /// The part of it in GPU memory (Ollama `size_vram`); unset when the server does not say.
    std::optional<std::int64_t> vram_bytes;
    std::optional<std::int64_t> context_length; ///< The context length it was loaded with.
    /// When the server will unload it (Ollama `expires_at`, RFC 3339), "" when not reported.
    std::string expires_at;
};

struct DownloadedModel {
    std::string id;
    std::optional<std::int64_t> size_bytes; ///< On disk.
    bool loaded = false;
};

struct ResourceUsage {
    std::string provider; ///< ModelProvider::name()
    ServerInfo server;    ///< What the server says about itself.
    std::vector<LoadedModel> loaded;
    std::vector<DownloadedModel> downloaded;

    /// The sum of the loaded models' sizes (those that have one).
    std::int64_t loaded_bytes() const noexcept;
    std::int64_t vram_bytes() const noexcept;
};

/// Asks `provider`'s server what it holds (its info, `list_loaded`, `list_downloaded`). Throws
/// InvalidRequestError (errc::unsupported) for a provider without a LocalModelManager, and the
/// usual transport and server errors.
boost::asio::awaitable<ResourceUsage> resource_usage(ModelProvider& provider);

} // namespace llmio

#endif

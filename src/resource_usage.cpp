#include <llmio/resource_usage.hpp>

#include <llmio/error.hpp>
#include <llmio/model_manager.hpp>

namespace llmio {

namespace {

std::optional<std::int64_t> raw_integer(ModelInfo const& model, char const* key)
{
    if (!model.raw.is_object())
        return std::nullopt;
    auto const* value = model.raw.get_object().if_contains(key);
    if (value && value->is_int64())
        return value->as_int64();
    if (value && value->is_uint64())
        return static_cast<std::int64_t>(value->as_uint64());
    return std::nullopt;
}

std::string raw_string(ModelInfo const& model, char const* key)
{
    if (!model.raw.is_object())
        return {};
    auto const* value = model.raw.get_object().if_contains(key);
    return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

} // namespace

std::int64_t ResourceUsage::loaded_bytes() const noexcept
{
    std::int64_t sum = 0;
    for (auto const& m : loaded)
        sum += m.size_bytes.value_or(0);
    return sum;
}

std::int64_t ResourceUsage::vram_bytes() const noexcept
{
    std::int64_t sum = 0;
    for (auto const& m : loaded)
        sum += m.vram_bytes.value_or(0);
    return sum;
}

boost::asio::awaitable<ResourceUsage> resource_usage(ModelProvider& provider)
{
    auto* manager = provider.model_manager();
    if (!manager) {
        ErrorInfo info;
        info.provider = std::string(provider.name());
        info.detail = "this provider cannot tell which models its server holds";
        throw_error(errc::unsupported, std::move(info));
    }
    ResourceUsage usage;
    usage.provider = std::string(provider.name());
    usage.server = co_await provider.info();
    auto const loaded = co_await manager->list_loaded();
    for (auto const& m : loaded) {
        LoadedModel out;
        out.id = m.id;
        out.size_bytes = m.size_bytes;
        out.vram_bytes = raw_integer(m, "size_vram");
        out.context_length = m.loaded_context_length;
        out.expires_at = raw_string(m, "expires_at");
        usage.loaded.push_back(std::move(out));
    }
    auto const downloaded = co_await manager->list_downloaded();
    for (auto const& m : downloaded) {
        DownloadedModel out;
        out.id = m.id;
        out.size_bytes = m.size_bytes;
        out.loaded = m.loaded_known && m.loaded;
        usage.downloaded.push_back(std::move(out));
    }
    co_return usage;
}

} // namespace llmio

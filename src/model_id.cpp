#include <llmio/model_id.hpp>

#include <llmio/error.hpp>
#include <llmio/error_sanitize.hpp>

#include <string>

namespace llmio {

namespace {

constexpr std::size_t kShownBytes = 200; // of the id, in the message

bool has_control(std::string_view text) noexcept
{
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto const b = static_cast<unsigned char>(text[i]);
        if (b < 0x20 || b == 0x7F)
            return true;
        // C1 controls are U+0080-U+009F: 0xC2 followed by 0x80-0x9F in UTF-8.
        if (b == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F &&
            static_cast<unsigned char>(text[i + 1]) >= 0x80)
            return true;
    }
    return false;
}

[[noreturn]] void refuse(std::string detail, std::string_view provider)
{
    ErrorInfo info;
    info.provider = std::string(provider);
    info.detail = std::move(detail);
    info.hint = "check the model id (list the server's models)";
    throw_error(errc::invalid_request, std::move(info));
}

} // namespace

void validate_model_id(std::string_view model, ModelIdUse use, std::string_view provider)
{
    if (model.empty()) {
        if (use == ModelIdUse::required)
            refuse("the model id is empty; name a model", provider);
        return;
    }
    if (has_control(model))
        refuse("the model id \"" + escape_for_display(model.substr(0, kShownBytes)) +
                   (model.size() > kShownBytes ? "..." : "") +
                   "\" contains a control character; refused before sending",
               provider);
}

} // namespace llmio

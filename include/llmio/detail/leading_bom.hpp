#ifndef LLMIO_DETAIL_LEADING_BOM_HPP
#define LLMIO_DETAIL_LEADING_BOM_HPP

#include <string_view>

namespace llmio::detail {

/// Strips one UTF-8 byte order mark (EF BB BF) at the very start of a byte stream that arrives
/// in pieces of any size (the three bytes may be split across feeds).
class LeadingBom {
public:
    /// True until the first bytes of the stream have been judged.
    bool deciding() const noexcept { return !decided_; }

    /// Consumes the BOM bytes at the front of `in` (call while `deciding()`). When the bytes
    /// turn out not to be a BOM, returns the already consumed prefix (1 or 2 bytes) that the
    /// caller must treat as stream content before the rest of `in`; otherwise returns "".
    std::string_view consume(std::string_view& in) noexcept
    {
        while (!decided_ && !in.empty()) {
            if (in.front() != kBom[matched_]) {
                decided_ = true;
                return kBom.substr(0, matched_);
            }
            in.remove_prefix(1);
            if (++matched_ == kBom.size()) {
                decided_ = true;
            }
        }
        return {};
    }

    /// End of input while still deciding: the partial match is content. Returns it.
    std::string_view flush() noexcept
    {
        if (decided_) {
            return {};
        }
        decided_ = true;
        return kBom.substr(0, matched_);
    }

    void reset() noexcept
    {
        matched_ = 0;
        decided_ = false;
    }

private:
    static constexpr std::string_view kBom{"\xEF\xBB\xBF", 3};
    std::size_t matched_ = 0;
    bool decided_ = false;
};

} // namespace llmio::detail

#endif // LLMIO_DETAIL_LEADING_BOM_HPP

#include <llmio/http/ndjson_splitter.hpp>

#include <cstring>

namespace llmio::http {
namespace {

std::string_view without_cr(std::string_view line) noexcept
{
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return line;
}

bool is_blank(std::string_view line) noexcept
{
    for (char c : line) { // stops at the first byte of any real line, usually '{'
        if (c != ' ' && c != '\t' && c != '\r') {
            return false;
        }
    }
    return true;
}

} // namespace

NdjsonSplitter::NdjsonSplitter(std::size_t max_line) : max_line_(max_line) {}

void NdjsonSplitter::reset()
{
    bom_.reset();
    in_ = {};
    carry_.clear();
    line_buf_.clear();
    line_ = {};
    at_end_ = false;
    stopped_ = false;
    failure_ = {};
}

NdjsonSplitter::Step NdjsonSplitter::fail() noexcept
{
    failure_ = make_error_code(errc::body_too_large);
    return Step::failed;
}

NdjsonSplitter::Step NdjsonSplitter::take(std::string_view line) noexcept
{
    line = without_cr(line);
    if (line.size() > max_line_) { // before the blank test, so that splits cannot change the verdict
        return fail();
    }
    if (is_blank(line)) {
        return Step::need_more; // nothing to deliver; the caller goes on
    }
    line_ = line;
    return Step::line;
}

NdjsonSplitter::Item NdjsonSplitter::next()
{
    if (failure_) {
        return Item::failed;
    }
    return at_end_ ? step_at_end() : step();
}

NdjsonSplitter::Step NdjsonSplitter::step()
{
    // Bounded: each pass consumes at least one byte of in_.
    while (!in_.empty()) {
        if (bom_.deciding()) {
            carry_.append(bom_.consume(in_)); // bytes that began like a BOM but were not one
            continue;
        }
        char const* const p = in_.data();
        auto const* lf = static_cast<char const*>(std::memchr(p, '\n', in_.size()));
        if (lf == nullptr) {
            // Fail as soon as the partial line cannot fit any more; a last '\r' may still turn
            // out to be the one removed before '\n'.
            std::size_t const pending = carry_.size() + in_.size();
            if (pending - (in_.back() == '\r' ? 1 : 0) > max_line_) {
                return fail();
            }
            carry_.append(in_);
            in_ = {};
            break;
        }

        auto const length = static_cast<std::size_t>(lf - p);
        in_.remove_prefix(length + 1);
        std::string_view line(p, length);
        if (!carry_.empty()) {
            std::size_t const total = carry_.size() + length;
            char const last = length != 0 ? line.back() : carry_.back();
            if (total - (last == '\r' ? 1 : 0) > max_line_) { // checked before copying
                return fail();
            }
            carry_.append(line);
            line_buf_.swap(carry_);
            carry_.clear();
            line = line_buf_;
        }
        if (Step step = take(line); step != Step::need_more) {
            return step;
        }
    }
    return Step::need_more;
}

NdjsonSplitter::Step NdjsonSplitter::step_at_end()
{
    carry_.append(bom_.flush());
    if (carry_.empty()) {
        return Step::need_more;
    }
    line_buf_.swap(carry_);
    carry_.clear();
    return take(line_buf_);
}

} // namespace llmio::http

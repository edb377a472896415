#include <llmio/http/sse_parser.hpp>

#include <cstring>

namespace llmio::http {
namespace {

constexpr std::string_view kDefaultType = "message";

char const* find_byte(char const* first, char const* last, char c) noexcept
{
    if (first == last) {
        return nullptr;
    }
    return static_cast<char const*>(std::memchr(first, c, static_cast<std::size_t>(last - first)));
}

// `retry:` takes only ASCII digits; anything else (or a value beyond 64 bits) is ignored.
std::optional<std::uint64_t> parse_retry(std::string_view value) noexcept
{
    if (value.empty()) {
        return std::nullopt;
    }
    std::uint64_t ms = 0;
    for (char c : value) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        auto digit = static_cast<std::uint64_t>(c - '0');
        if (ms > (UINT64_MAX - digit) / 10) {
            return std::nullopt;
        }
        ms = ms * 10 + digit;
    }
    return ms;
}

} // namespace

SseParser::SseParser(SseLimits limits) : limits_(limits) {}

void SseParser::reset()
{
    bom_.reset();
    in_ = {};
    next_lf_ = nullptr;
    skip_lf_ = false;
    carry_.clear();
    line_buf_.clear();
    has_data_ = false;
    data_in_buffer_ = false;
    data_view_ = {};
    data_.clear();
    event_type_.clear();
    last_event_id_.clear();
    retry_ms_.reset();
    event_ = {};
    other_ = {};
    dispatched_ = false;
    end_stage_ = 0;
    at_end_ = false;
    finished_without_blank_line_ = false;
    stopped_ = false;
    failure_ = {};
}

void SseParser::begin_feed(std::string_view bytes) noexcept
{
    in_ = bytes;
    next_lf_ = nullptr;
}

void SseParser::push(std::string_view bytes) noexcept
{
    at_end_ = false;
    begin_feed(bytes);
}

void SseParser::push_end() noexcept
{
    at_end_ = true;
    begin_feed({});
    end_stage_ = 0;
    finished_without_blank_line_ = false;
}

SseParser::Item SseParser::next()
{
    if (failure_) {
        return Item::failed;
    }
    switch (at_end_ ? step_at_end() : step()) {
    case Step::event:
        return Item::event;
    case Step::other_line:
        return Item::other_line;
    case Step::failed:
        return Item::failed;
    case Step::need_more:
    case Step::none:
        break;
    }
    return Item::need_more;
}

void SseParser::clear_dispatched() noexcept
{
    if (dispatched_) {
        dispatched_ = false;
        has_data_ = false;
        data_in_buffer_ = false;
        data_.clear();
        event_type_.clear();
    }
}

SseParser::Step SseParser::fail() noexcept
{
    failure_ = make_error_code(errc::body_too_large);
    return Step::failed;
}

SseParser::Step SseParser::step()
{
    clear_dispatched();
    // Bounded: each pass consumes at least one byte of in_.
    while (!in_.empty()) {
        if (bom_.deciding()) {
            carry_.append(bom_.consume(in_)); // bytes that began like a BOM but were not one
            if (carry_.size() > limits_.max_line) {
                return fail();
            }
            continue;
        }
        if (skip_lf_) {
            skip_lf_ = false;
            if (in_.front() == '\n') {
                in_.remove_prefix(1);
                continue;
            }
        }

        char const* const p = in_.data();
        char const* const end = p + in_.size();
        // Cache the next LF so that a CR-only stream does not rescan to the end for each line.
        if (next_lf_ == nullptr || next_lf_ < p) {
            char const* lf = find_byte(p, end, '\n');
            next_lf_ = lf != nullptr ? lf : end;
        }
        char const* const cr = find_byte(p, next_lf_, '\r');
        char const* const eol = cr != nullptr ? cr : next_lf_;
        if (eol == end) {
            // No terminator in this feed: keep the partial line (carry_ stays <= max_line).
            if (in_.size() > limits_.max_line - carry_.size()) {
                return fail();
            }
            carry_.append(in_);
            in_ = {};
            break;
        }

        auto const length = static_cast<std::size_t>(eol - p);
        char const* rest = eol + 1;
        if (cr != nullptr) {
            if (rest == end) {
                skip_lf_ = true; // the LF of this CRLF may start the next feed
            } else if (*rest == '\n') {
                ++rest;
            }
        }
        in_ = std::string_view(rest, static_cast<std::size_t>(end - rest));

        Step step;
        if (carry_.empty()) {
            if (length > limits_.max_line) {
                return fail();
            }
            step = process_line(std::string_view(p, length), true);
        } else {
            if (length > limits_.max_line - carry_.size()) { // carry_ never exceeds max_line
                return fail();
            }
            carry_.append(p, length);
            line_buf_.swap(carry_);
            carry_.clear();
            step = process_line(line_buf_, false);
        }
        if (step != Step::none) {
            return step;
        }
    }

    // The feed is used up: a data view into it must not outlive it.
    if (has_data_ && !data_in_buffer_) {
        data_.assign(data_view_);
        data_in_buffer_ = true;
    }
    return Step::need_more;
}

SseParser::Step SseParser::step_at_end()
{
    clear_dispatched();
    skip_lf_ = false;
    if (end_stage_ == 0) {
        end_stage_ = 1;
        carry_.append(bom_.flush());
        if (carry_.size() > limits_.max_line) {
            return fail();
        }
        if (!carry_.empty()) {
            line_buf_.swap(carry_);
            carry_.clear();
            Step step = process_line(line_buf_, false);
            if (step != Step::none) {
                return step;
            }
        }
    }
    if (end_stage_ == 1) {
        end_stage_ = 2;
        if (has_data_) {
            finished_without_blank_line_ = true;
            return dispatch();
        }
        event_type_.clear();
    }
    return Step::need_more;
}

SseParser::Step SseParser::process_line(std::string_view line, bool in_feed)
{
    if (line.empty()) {
        return dispatch();
    }
    if (line.front() == ':') {
        return Step::none; // comment, e.g. a `: ping` keep-alive
    }

    std::string_view field = line;
    std::string_view value;
    if (auto colon = line.find(':'); colon != std::string_view::npos) {
        field = line.substr(0, colon);
        value = line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') {
            value.remove_prefix(1);
        }
    }

    switch (field.size()) {
    case 4:
        if (field == "data") {
            return append_data(value, in_feed);
        }
        break;
    case 5:
        if (field == "event") {
            event_type_.assign(value);
            return Step::none;
        }
        if (field == "retry") {
            if (auto ms = parse_retry(value)) {
                retry_ms_ = ms;
            }
            return Step::none;
        }
        break;
    case 2:
        if (field == "id") {
            if (value.find('\0') == std::string_view::npos) {
                last_event_id_.assign(value);
            }
            return Step::none;
        }
        break;
    default:
        break;
    }
    other_ = SseOtherLine{field, value, line};
    return Step::other_line;
}

SseParser::Step SseParser::append_data(std::string_view value, bool in_feed)
{
    if (!has_data_) {
        if (value.size() > limits_.max_event_data) {
            return fail();
        }
        has_data_ = true;
        if (in_feed) {
            data_view_ = value; // the common case: one data line, no copy
            data_in_buffer_ = false;
        } else {
            data_.assign(value);
            data_in_buffer_ = true;
        }
        return Step::none;
    }

    std::size_t const size = data_in_buffer_ ? data_.size() : data_view_.size();
    // Joined size would be size + 1 + value.size(); size <= max_event_data holds here.
    if (value.size() >= limits_.max_event_data - size) {
        return fail();
    }
    if (!data_in_buffer_) {
        data_.assign(data_view_);
        data_in_buffer_ = true;
    }
    data_.push_back('\n');
    data_.append(value);
    return Step::none;
}

SseParser::Step SseParser::dispatch() noexcept
{
    if (!has_data_) {
        event_type_.clear(); // an event: without data fires nothing
        return Step::none;
    }
    event_.type = event_type_.empty() ? kDefaultType : std::string_view(event_type_);
    event_.data = data_in_buffer_ ? std::string_view(data_) : data_view_;
    event_.id = last_event_id_;
    dispatched_ = true;
    return Step::event;
}

} // namespace llmio::http

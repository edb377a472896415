#include <llmio/testing/emulators/request_log.hpp>

#include <boost/beast/core/string.hpp>

namespace llmio::emulators {

std::optional<std::string> RecordedRequest::header(std::string_view name) const
{
    for (auto const& [n, v] : headers)
        if (boost::beast::iequals(n, name))
            return v;
    return std::nullopt;
}

std::string redact_header(std::string_view name, std::string_view value)
{
    namespace beast = boost::beast;
    if (beast::iequals(name, "authorization")) {
        auto const space = value.find(' ');
        return std::string(value.substr(0, space));
    }
    if (beast::iequals(name, "x-api-key") || beast::iequals(name, "api-key"))
        return "<redacted>";
    return std::string(value);
}

RequestLog::RequestLog(std::size_t capacity, std::size_t max_body)
    : capacity_(capacity == 0 ? 1 : capacity), max_body_(max_body)
{
}

void RequestLog::record(RecordedRequest r)
{
    if (r.body.size() > max_body_) {
        r.body.resize(max_body_);
        r.body_truncated = true;
    }
    std::lock_guard lock(mutex_);
    if (entries_.size() == capacity_)
        entries_.pop_front();
    entries_.push_back(std::move(r));
}

std::vector<RecordedRequest> RequestLog::entries() const
{
    std::lock_guard lock(mutex_);
    return {entries_.begin(), entries_.end()};
}

std::optional<RecordedRequest> RequestLog::last() const
{
    std::lock_guard lock(mutex_);
    if (entries_.empty())
        return std::nullopt;
    return entries_.back();
}

std::size_t RequestLog::size() const
{
    std::lock_guard lock(mutex_);
    return entries_.size();
}

void RequestLog::clear()
{
    std::lock_guard lock(mutex_);
    entries_.clear();
}

} // namespace llmio::emulators

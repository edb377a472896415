#include <llmio/testing/emulators/faults.hpp>

namespace llmio::emulators {

Fault Fault::respond(int status, std::string body, Headers headers)
{
    Fault f;
    f.status = status;
    f.body = std::move(body);
    f.headers = std::move(headers);
    return f;
}

Fault Fault::delay(std::chrono::milliseconds d)
{
    Fault f;
    f.delay_before_headers = d;
    return f;
}

Fault Fault::drop_before_any_byte()
{
    Fault f;
    f.drop_before_response = true;
    return f;
}

Fault Fault::drop_after(std::size_t events)
{
    Fault f;
    f.drop_after_events = events;
    return f;
}

Fault Fault::stall_after(std::size_t events)
{
    Fault f;
    f.stall_after_events = events;
    return f;
}

Fault& Fault::on(std::string p) &
{
    path = std::move(p);
    return *this;
}

Fault&& Fault::on(std::string p) &&
{
    path = std::move(p);
    return std::move(*this);
}

Fault& Fault::times(int n) &
{
    count = n;
    return *this;
}

Fault&& Fault::times(int n) &&
{
    count = n;
    return std::move(*this);
}

void FaultSet::add(Fault f)
{
    if (f.count == 0)
        return;
    std::lock_guard lock(mutex_);
    faults_.push_back(std::move(f));
}

void FaultSet::clear()
{
    std::lock_guard lock(mutex_);
    faults_.clear();
}

std::size_t FaultSet::pending() const
{
    std::lock_guard lock(mutex_);
    return faults_.size();
}

std::optional<Fault> FaultSet::take(std::string_view path)
{
    std::lock_guard lock(mutex_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        if (!it->path.empty() && it->path != path)
            continue;
        Fault taken = *it;
        if (it->count > 0 && --it->count == 0)
            faults_.erase(it);
        return taken;
    }
    return std::nullopt;
}

} // namespace llmio::emulators

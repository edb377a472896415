#include <llmio/finish_reason.hpp>

#include <boost/json/error.hpp>
#include <boost/json/value.hpp>

namespace llmio {

namespace json = boost::json;

std::string_view to_string(FinishReason reason) noexcept
{
    switch (reason) {
    case FinishReason::stop: return "stop";
    case FinishReason::length: return "length";
    case FinishReason::tool_calls: return "tool_calls";
    case FinishReason::content_filter: return "content_filter";
    case FinishReason::other: return "other";
    case FinishReason::none: return "none";
    }
    return "other";
}

FinishReason finish_reason_from_string(std::string_view text) noexcept
{
    if (text == "stop")
        return FinishReason::stop;
    if (text == "length")
        return FinishReason::length;
    if (text == "tool_calls")
        return FinishReason::tool_calls;
    if (text == "content_filter")
        return FinishReason::content_filter;
    return FinishReason::other;
}

void tag_invoke(json::value_from_tag, json::value& jv, FinishReason reason)
{
    jv = to_string(reason);
}

boost::system::result<FinishReason> tag_invoke(json::try_value_to_tag<FinishReason>,
                                               json::value const& jv)
{
    json::string const* s = jv.if_string();
    if (s == nullptr)
        return boost::system::error_code(json::error::not_string);
    for (FinishReason r : {FinishReason::stop, FinishReason::length, FinishReason::tool_calls,
                           FinishReason::content_filter, FinishReason::other, FinishReason::none}) {
        if (*s == to_string(r))
            return r;
    }
    return boost::system::error_code(json::error::unknown_name);
}

} // namespace llmio

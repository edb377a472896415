#include <llmio/testing/emulators/tool_deltas.hpp>

namespace llmio::emulators {

namespace json = boost::json;

ToolDeltaQuirks merge(ToolDeltaQuirks a, ToolDeltaQuirks const& b) noexcept
{
    a.empty_name_and_id_later |= b.empty_name_and_id_later;
    a.missing_index |= b.missing_index;
    a.index_always_zero |= b.index_always_zero;
    a.no_id |= b.no_id;
    a.empty_id |= b.empty_id;
    a.name_on_every_delta |= b.name_on_every_delta;
    a.arguments_in_first_delta |= b.arguments_in_first_delta;
    a.id_on_every_delta |= b.id_on_every_delta;
    a.trailing_duplicate_arguments |= b.trailing_duplicate_arguments;
    a.whole_call_in_one_delta |= b.whole_call_in_one_delta;
    return a;
}

std::vector<json::object> build_tool_deltas(std::vector<GeneratedToolCall> const& calls,
                                            ToolDeltaQuirks const& q)
{
    std::vector<json::object> out;
    for (std::size_t k = 0; k < calls.size(); ++k) {
        auto const& call = calls[k];
        std::string const id = q.empty_id ? std::string() : call.id;
        // Keys in OpenAI's order: index, id, type, function.
        auto start = [&](bool first) {
            json::object d;
            if (!q.missing_index)
                d["index"] = q.index_always_zero ? 0 : k;
            if (first) {
                if (!q.no_id)
                    d["id"] = id;
                d["type"] = "function";
            } else if (q.empty_name_and_id_later) {
                d["id"] = "";
                d["type"] = "function";
            } else if (q.id_on_every_delta && !q.no_id) {
                d["id"] = id;
                d["type"] = "function";
            }
            return d;
        };

        if (q.whole_call_in_one_delta) {
            auto d = start(true);
            d["function"] = json::object{{"name", call.name}, {"arguments", call.arguments}};
            out.push_back(std::move(d));
        } else {
            bool const first_has_args = q.arguments_in_first_delta && !call.fragments.empty();
            auto head = start(true);
            head["function"] = json::object{
                {"name", call.name}, {"arguments", first_has_args ? call.fragments.front() : std::string()}};
            out.push_back(std::move(head));
            for (std::size_t j = first_has_args ? 1 : 0; j < call.fragments.size(); ++j) {
                auto d = start(false);
                json::object fn;
                if (q.empty_name_and_id_later)
                    fn["name"] = "";
                else if (q.name_on_every_delta)
                    fn["name"] = call.name;
                fn["arguments"] = call.fragments[j];
                d["function"] = std::move(fn);
                out.push_back(std::move(d));
            }
        }
        if (q.trailing_duplicate_arguments) {
            json::object d;
            if (!q.missing_index)
                d["index"] = q.index_always_zero ? 0 : k;
            if (!q.no_id)
                d["id"] = id;
            d["function"] = json::object{{"arguments", call.arguments}};
            out.push_back(std::move(d));
        }
    }
    return out;
}

} // namespace llmio::emulators

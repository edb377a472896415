#ifndef LLMIO_TESTING_EMULATORS_TOOL_DELTAS_HPP
#define LLMIO_TESTING_EMULATORS_TOOL_DELTAS_HPP

// Cuts generated tool calls into the `delta.tool_calls[]` entries of a stream, the well-formed
// OpenAI way or with the quirks in docs/protocols.md (OpenAI: tool-call deltas). Shared by
// every SSE dialect.
//
// Well-formed: per call, a header delta {"index","id","type":"function","function":{"name",
// "arguments":""}} followed by one {"index","function":{"arguments":<fragment>}} per fragment.

#include <llmio/testing/emulators/faults.hpp>
#include <llmio/testing/emulators/reply_generator.hpp>

#include <boost/json/object.hpp>

#include <vector>

namespace llmio::emulators {

/// Every quirk set in either argument.
ToolDeltaQuirks merge(ToolDeltaQuirks a, ToolDeltaQuirks const& b) noexcept;

/// One entry per stream event, in order.
std::vector<boost::json::object> build_tool_deltas(std::vector<GeneratedToolCall> const& calls,
                                                   ToolDeltaQuirks const& quirks);

} // namespace llmio::emulators

#endif // LLMIO_TESTING_EMULATORS_TOOL_DELTAS_HPP

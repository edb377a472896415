#ifndef LLMIO_LOGGER_HPP
#define LLMIO_LOGGER_HPP

#include <functional>
#include <string_view>

namespace llmio {

enum class LogLevel { debug, info, warning, error };

/// An injected logging function. llmio never logs through anything else, and never passes
/// it request bodies, Authorization headers or API keys. An empty function logs nothing.
/// It may be called from any thread that runs llmio operations.
using Logger = std::function<void(LogLevel, std::string_view)>;

} // namespace llmio

#endif

#ifndef LLMIO_DETAIL_IN_BAND_ERROR_HPP
#define LLMIO_DETAIL_IN_BAND_ERROR_HPP

// An error the server reported inside a 200 body or stream: an SSE `data: {"error":...}`
// event, llama.cpp's `error: {...}` line, an Ollama `{"error":"..."}` NDJSON line
// (docs/protocols.md, OpenAI: errors; llama.cpp: streams; Ollama: errors). The wire readers only recognise it; the JSON
// text travels as received to `ProviderTransport::throw_in_band`, which maps it once and
// throws the typed error once.

#include <string>

namespace llmio::detail {

struct InBandError {
    std::string body; ///< The error's JSON text as received (or plain text, for a bare line).
};

} // namespace llmio::detail

#endif

#ifndef LLMIO_OLLAMA_HPP
#define LLMIO_OLLAMA_HPP

// llmio's core (llmio/llmio.hpp) plus the provider for Ollama's native API
// (llmio::ollama::OllamaProvider) and its registry factory. Link with the target llmio::ollama.

#include <llmio/llmio.hpp>
#include <llmio/ollama/factory.hpp>
#include <llmio/ollama/provider.hpp>

#endif // LLMIO_OLLAMA_HPP

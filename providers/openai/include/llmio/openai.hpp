#ifndef LLMIO_OPENAI_HPP
#define LLMIO_OPENAI_HPP

// llmio's core (llmio/llmio.hpp) plus the provider for OpenAI and every OpenAI-compatible
// server: llama.cpp, vLLM ... (llmio::openai::OpenAICompatibleProvider) and its registry
// factory. Link with the target llmio::openai.

#include <llmio/llmio.hpp>
#include <llmio/openai/factory.hpp>
#include <llmio/openai/provider.hpp>

#endif // LLMIO_OPENAI_HPP

#ifndef LLMIO_LMSTUDIO_HPP
#define LLMIO_LMSTUDIO_HPP

// llmio's core (llmio/llmio.hpp) plus the LM Studio provider
// (llmio::lmstudio::Provider, its LocalModelManager and native /api/v1 chat) and its
// registry factory. Link with the target llmio::lmstudio.

#include <llmio/llmio.hpp>
#include <llmio/lmstudio/factory.hpp>
#include <llmio/lmstudio/provider.hpp>

#endif // LLMIO_LMSTUDIO_HPP

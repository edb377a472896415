#ifndef LLMIO_LLMIO_HPP
#define LLMIO_LLMIO_HPP

// Everything an application uses from llmio's core (the target llmio::llmio): the data types,
// the provider interface and streams, errors, retries, the registry and configuration,
// discovery, local model management, and llmio::run for code that is not a coroutine.
//
// Providers come with their own umbrella, each including this one:
//     #include <llmio/lmstudio.hpp>   // llmio::lmstudio, target llmio::lmstudio
//     #include <llmio/ollama.hpp>     // llmio::ollama,   target llmio::ollama
//     #include <llmio/openai.hpp>     // llmio::openai,   target llmio::openai
// so that what a file includes matches what it links, whichever providers are installed.
//
// Not included, because applications need not see them: the pieces for writing a provider
// (provider_transport.hpp, framed_chat_source.hpp, chat_assembler.hpp, error_mapping.hpp,
// model_cache.hpp), the HTTP layer (http/), and detail/.

#include <llmio/chat_stream.hpp>
#include <llmio/config.hpp>
#include <llmio/discovery.hpp>
#include <llmio/error.hpp>
#include <llmio/logger.hpp>
#include <llmio/metrics.hpp>
#include <llmio/model_manager.hpp>
#include <llmio/provider.hpp>
#include <llmio/register_discovered.hpp>
#include <llmio/registry.hpp>
#include <llmio/resource_usage.hpp>
#include <llmio/retry.hpp>
#include <llmio/router.hpp>
#include <llmio/run.hpp>
#include <llmio/types.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#endif // LLMIO_LLMIO_HPP

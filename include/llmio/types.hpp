#ifndef LLMIO_TYPES_HPP
#define LLMIO_TYPES_HPP

// All of llmio's provider-neutral data types.

#include <llmio/chat.hpp>
#include <llmio/completion.hpp>
#include <llmio/embedding.hpp>
#include <llmio/finish_reason.hpp>
#include <llmio/message.hpp>
#include <llmio/models.hpp>
#include <llmio/usage.hpp>

#endif // LLMIO_TYPES_HPP

# Warnings and sanitizers for llmio's own targets (never forced on consumers).
function(llmio_target_defaults target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                             -Wold-style-cast -Wcast-align -Woverloaded-virtual)
    if(LLMIO_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
      # GCC 12+ at -O2 reports out-of-bounds accesses inside inlined libstdc++ string code that
      # cannot happen (`std::string(a) + "b" + c` trips -Warray-bounds; googletest#4108 and
      # many others hit the same). They stay visible as warnings; ASan checks bounds for real.
      # -Wmismatched-new-delete fires on every Asio coroutine frame once the frame's allocation
      # is inlined: Asio allocates it with aligned_alloc and its own operator delete frees it
      # with the matching aligned_delete, which GCC 12 cannot see (GCC PR 109224).
      if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12)
        target_compile_options(${target} PRIVATE -Wno-error=array-bounds
                                                 -Wno-error=stringop-overflow -Wno-error=restrict
                                                 -Wno-mismatched-new-delete)
      endif()
    endif()
  endif()
endfunction()

# One list, so that the consumer tests (tests/consumer) build with exactly the same flags.
set(LLMIO_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
                          -fno-sanitize-recover=all)
if(LLMIO_SANITIZE)
  add_compile_options(${LLMIO_SANITIZER_FLAGS})
  add_link_options(-fsanitize=address,undefined)
endif()
if(LLMIO_TSAN)
  if(LLMIO_SANITIZE)
    message(FATAL_ERROR "LLMIO_TSAN and LLMIO_SANITIZE cannot be combined")
  endif()
  # -Wno-tsan: g++ 12 warns that Asio's std_fenced_block uses atomic_thread_fence, which TSan
  # does not model; Asio's scheduler synchronises handlers through its mutex anyway.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
endif()

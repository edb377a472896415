# `cmake --install` of a build that made only the libraries must not fail on the CLI's missing
# binary. Cheap stand-in for such a build: run the CLI's own install script with the binary's
# path pointed at a file that does not exist, and expect success and nothing installed.
#   cmake -DLLMIO_BUILD_DIR=... -DCLI_BINARY=... -DWORK_DIR=... -P check_install_without_cli.cmake

foreach(var LLMIO_BUILD_DIR CLI_BINARY WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_install_without_cli.cmake: ${var} is not set")
  endif()
endforeach()

set(script "${LLMIO_BUILD_DIR}/apps/llmio/cmake_install.cmake")
file(READ "${script}" text)
string(FIND "${text}" "${CLI_BINARY}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${script} does not install ${CLI_BINARY}")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
string(REPLACE "${CLI_BINARY}" "${WORK_DIR}/not-built/llmio" text "${text}")
file(WRITE "${WORK_DIR}/cmake_install.cmake" "${text}")

execute_process(
  COMMAND "${CMAKE_COMMAND}" "-DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix" -P "${WORK_DIR}/cmake_install.cmake"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "installing without the CLI built failed (${rc}):\n${out}${err}")
endif()
if(EXISTS "${WORK_DIR}/prefix/bin/llmio")
  message(FATAL_ERROR "a CLI appeared out of nowhere in ${WORK_DIR}/prefix/bin")
endif()

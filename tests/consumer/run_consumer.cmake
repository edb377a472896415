# Builds and runs tests/consumer against llmio, as a ctest test (see tests/CMakeLists.txt).
#   cmake -DMODE=package|subdirectory -DCONSUMER_SOURCE_DIR=... -DLLMIO_SOURCE_DIR=...
#         -DLLMIO_BUILD_DIR=... -DWORK_DIR=... -DGENERATOR=... [-DMAKE_PROGRAM=...]
#         -DCXX_COMPILER=... [-DLAUNCHER=...] [-DCXX_FLAGS=...] [-DLINK_FLAGS=...]
#         -P run_consumer.cmake
# package:      `cmake --install --component development` (the libraries alone, no CLI), then
#               `--component testing`, into WORK_DIR/prefix; then find_package(llmio) from there,
#               and a third-party provider (third_party/) runs the installed conformance suite.
# subdirectory: add_subdirectory(llmio's source tree).
# Unoptimised, without debug info: the fastest build that still compiles and links everything.

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${command}")
  endif()
endfunction()

foreach(var MODE CONSUMER_SOURCE_DIR LLMIO_SOURCE_DIR LLMIO_BUILD_DIR WORK_DIR GENERATOR
            CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer.cmake: ${var} is not set")
  endif()
endforeach()

set(build_dir "${WORK_DIR}/build")
set(prefix "${WORK_DIR}/prefix")
set(configure_args -S "${CONSUMER_SOURCE_DIR}" -B "${build_dir}" -G "${GENERATOR}"
    -DLLMIO_CONSUMER_MODE=${MODE}
    -DCMAKE_BUILD_TYPE=
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}"
    "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
if(MAKE_PROGRAM)
  list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()

if(MODE STREQUAL "package")
  # A fresh prefix and consumer build each time, so nothing stale can stand in for a file
  # the install forgot.
  file(REMOVE_RECURSE "${WORK_DIR}")
  run("${CMAKE_COMMAND}" --install "${LLMIO_BUILD_DIR}" --prefix "${prefix}" --component development)
  if(EXISTS "${prefix}/bin")
    message(FATAL_ERROR "the development component installed programs: ${prefix}/bin")
  endif()
  # llmio::testing is a component of its own: nothing of it comes with `development`.
  if(EXISTS "${prefix}/include/llmio/testing")
    message(FATAL_ERROR "the development component installed llmio::testing's headers")
  endif()
  run("${CMAKE_COMMAND}" --install "${LLMIO_BUILD_DIR}" --prefix "${prefix}" --component testing)

  # Precompiled headers are llmio's own business: nothing about them may reach consumers.
  file(GLOB_RECURSE exported "${prefix}/*.cmake")
  foreach(file IN LISTS exported)
    file(STRINGS "${file}" pch_lines REGEX "cmake_pch|PRECOMPILE")
    if(pch_lines)
      message(FATAL_ERROR "${file} leaks precompiled headers to consumers: ${pch_lines}")
    endif()
  endforeach()
  # Private headers stay private.
  file(GLOB_RECURSE installed_headers RELATIVE "${prefix}/include" "${prefix}/include/*")
  foreach(header IN LISTS installed_headers)
    if(NOT header MATCHES "^llmio/.*\\.hpp$")
      message(FATAL_ERROR "unexpected file installed under include/: ${header}")
    endif()
  endforeach()

  list(APPEND configure_args "-DCMAKE_PREFIX_PATH=${prefix}")
elseif(MODE STREQUAL "subdirectory")
  list(APPEND configure_args "-DLLMIO_SOURCE_DIR=${LLMIO_SOURCE_DIR}")
else()
  message(FATAL_ERROR "MODE must be package or subdirectory, not '${MODE}'")
endif()

run("${CMAKE_COMMAND}" ${configure_args})
# Two jobs: ctest runs this next to other tests on CI's two cores. Only the consumer and what
# it links: as a subdirectory, building `all` would also compile the providers it does not use
# (their CMake code is still configured above; the main build compiles their sources).
# package mode adds the third-party provider "acme" (third_party/), which runs the installed
# conformance suite through its Catch2 adapter.
set(targets consumer consumer_gateway)
if(MODE STREQUAL "package")
  list(APPEND targets acme_conformance)
endif()
run("${CMAKE_COMMAND}" --build "${build_dir}" --parallel 2 --target ${targets})
run("${build_dir}/consumer")
run("${build_dir}/consumer_gateway")
if(MODE STREQUAL "package")
  run("${build_dir}/third_party/acme_conformance")
endif()

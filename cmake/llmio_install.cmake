# `cmake --install` rules and the exported CMake package, so that consumers can write
#   find_package(llmio REQUIRED COMPONENTS openai)
#   target_link_libraries(app PRIVATE llmio::llmio llmio::openai)
# Included by the top-level CMakeLists.txt only when llmio is the top-level project.
#
# Everything here is the install component `development` (libraries, headers, CMake package);
# the CLI is the component `cli` and is skipped when it was not built (OPTIONAL), so
#   cmake --build build --target llmio llmio_openai llmio_lmstudio llmio_ollama
#   cmake --install build                        # or: --component development
# installs the libraries alone. The optional component `testing` (below) has its own install
# component and export set.

include(CMakePackageConfigHelpers)

# Components: the providers and the gateway. Component `x` is the target `llmio_x`, exported as
# `llmio::x`, with its public headers in providers/x/include (the gateway's are in include/).
# Adding a provider is one word here; a listed component whose target does not exist is skipped.
set(LLMIO_KNOWN_COMPONENTS openai lmstudio ollama gateway)

set(LLMIO_INSTALLED_COMPONENTS "")
set(llmio_install_targets llmio)
foreach(component IN LISTS LLMIO_KNOWN_COMPONENTS)
  if(TARGET llmio_${component})
    list(APPEND LLMIO_INSTALLED_COMPONENTS ${component})
    list(APPEND llmio_install_targets llmio_${component})
  endif()
endforeach()

set(LLMIO_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/llmio"
    CACHE STRING "Where llmioConfig.cmake is installed, relative to the prefix")

install(TARGETS ${llmio_install_targets}
  EXPORT llmioTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT development
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT development
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT development
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

# Public headers only: private ones live next to the sources in src/.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/llmio"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT development
  FILES_MATCHING PATTERN "*.hpp")
foreach(component IN LISTS LLMIO_INSTALLED_COMPONENTS)
  if(EXISTS "${PROJECT_SOURCE_DIR}/providers/${component}/include/llmio")
    install(DIRECTORY "${PROJECT_SOURCE_DIR}/providers/${component}/include/llmio"
      DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
      COMPONENT development
      FILES_MATCHING PATTERN "*.hpp")
  endif()
endforeach()

install(EXPORT llmioTargets
  NAMESPACE llmio::
  DESTINATION "${LLMIO_INSTALL_CMAKEDIR}"
  COMPONENT development)

# llmio::testing (testing/): the emulators and the conformance suite for provider authors, in
# the install component `testing` with its own export set, so that
#   cmake --install build --component development --component testing
#   find_package(llmio REQUIRED COMPONENTS testing)
# The library and headers need no test framework; llmio/testing/catch2.hpp needs Catch2 v2
# from whoever includes it.
if(LLMIO_BUILD_TESTING AND TARGET llmio_testing)
  list(APPEND LLMIO_INSTALLED_COMPONENTS testing)
  install(TARGETS llmio_testing
    EXPORT llmioTestingTargets
    ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT testing
    INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/testing/include/llmio"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
    COMPONENT testing
    FILES_MATCHING PATTERN "*.hpp")
  install(EXPORT llmioTestingTargets
    NAMESPACE llmio::
    DESTINATION "${LLMIO_INSTALL_CMAKEDIR}"
    COMPONENT testing)
endif()

# llmio is a static library compiled against this exact Boost: Boost.JSON and Boost.URL are
# compiled Boost libraries whose ABI changes between releases, so the package asks for the same
# version rather than "1.81 or newer".
set(LLMIO_BOOST_VERSION "${Boost_VERSION_STRING}")
configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/llmioConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/llmioConfig.cmake"
  INSTALL_DESTINATION "${LLMIO_INSTALL_CMAKEDIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/llmioConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/llmioConfig.cmake"
  "${PROJECT_BINARY_DIR}/llmioConfigVersion.cmake"
  DESTINATION "${LLMIO_INSTALL_CMAKEDIR}"
  COMPONENT development)

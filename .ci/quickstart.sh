#!/usr/bin/env bash
# Quick start: installs missing Debian packages, builds llmio and runs the first example
# (examples/01_endpoints.cpp). Extra arguments are base URLs for the example to parse.
# Uses the same build directory and flags as `.ci/test.sh normal`, so that one reuses this build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

timed "dependencies" install_deps
setup_ccache
timed "configure normal" configure normal
timed "build example" build normal llmio_example_01_endpoints
log "running examples/01_endpoints:"
echo
"$LLMIO_BUILD_ROOT/normal/examples/01_endpoints" "$@"

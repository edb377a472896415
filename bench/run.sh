#!/usr/bin/env bash
# One command for the benchmarks of issue #7: installs what is missing (wrk, node, npm, the npm
# peers), builds Release, runs every workload against the canned server, writes bench/results.md
# and prints it.   bench/run.sh [--quick]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
build="${LLMIO_BENCH_BUILD_DIR:-$root/build-bench}"

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v python3 >/dev/null || missing+=(python3)
command -v cmake >/dev/null || missing+=(cmake)
command -v ninja >/dev/null || missing+=(ninja-build)
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

(cd "$here/node" && { [ -d node_modules ] || npm ci --no-audit --no-fund; })

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLMIO_BUILD_TESTS=OFF \
  -DLLMIO_BUILD_EXAMPLES=OFF -DLLMIO_BUILD_BENCH=ON "${launcher[@]}" >/dev/null
ninja -C "$build" -j"${LLMIO_BENCH_JOBS:-2}" llmio_canned_server llmio_bench_llmio llmio_bench_beast

python3 "$here/runner.py" "$build" "$@"

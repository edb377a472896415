#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang 14 and runs each one briefly.
#   .ci/fuzz.sh [seconds]     default 5 s per target: a smoke test, not a fuzzing campaign
# Installs clang-14 and its libFuzzer runtime if missing. Build goes to build-ci/fuzz.
# New inputs found go to build-ci/fuzz/corpus/<target>, never into the repository.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seconds="${1:-5}"
dir="$LLMIO_BUILD_ROOT/fuzz"
seeds="$LLMIO_ROOT/tests/data/captures/llama-server"

fuzz_configure() {
    CXX=clang++-14 cmake -S "$LLMIO_ROOT" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
        -DLLMIO_FUZZ=ON -DLLMIO_BUILD_TESTS=OFF -DLLMIO_BUILD_EXAMPLES=OFF \
        -DLLMIO_WARNINGS_AS_ERRORS=ON
}

fuzz_run() {
    local target out
    for target in fuzz_sse_parser fuzz_ndjson fuzz_endpoint fuzz_error_body; do
        mkdir -p "$dir/corpus/$target"
        out="$dir/corpus/$target.log"
        log "$target for ${seconds} s"
        if ! "$dir/tests/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 \
                "$dir/corpus/$target" "$seeds" >"$out" 2>&1; then
            tail -n 60 "$out"
            log "$target failed (full output: $out)"
            return 1
        fi
        grep -E '^stat::number_of_executed_units' "$out" || true
    done
}

timed "dependencies" install_deps clang-14 libclang-rt-14-dev
setup_ccache
timed "configure fuzz" fuzz_configure
timed "build fuzz" ninja -C "$dir" -j "$LLMIO_JOBS" llmio_fuzzers
timed "fuzz ${seconds} s each" fuzz_run
print_timings

#!/usr/bin/env bash
# Builds llmio and runs all its tests: the README's test command, and what CI runs.
#   .ci/test.sh            normal build, then the ASan + UBSan build, then the TSan build
#   .ci/test.sh normal     only the normal build
#   .ci/test.sh asan       only the ASan + UBSan build
#   .ci/test.sh tsan       only the ThreadSanitizer build (the concurrency program)
# Installs missing Debian packages first (apt-get, needs root or sudo). Builds go to build-ci/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

case "${1:-all}" in
    all) variants=(normal asan tsan) ;;
    normal | asan | tsan) variants=("$1") ;;
    *) echo "usage: $0 [normal|asan|tsan|all]" >&2; exit 2 ;;
esac

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
# Any data race fails the run (the concurrency test sets the same for itself under ctest).
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1 exitcode=66 second_deadlock_stack=1}"

run_ctest() {
    local variant="$1" log_file="$LLMIO_BUILD_ROOT/$1/ctest.log"
    shift
    # ctest's own summary ends its output; keep it for the final report too.
    ctest --test-dir "$LLMIO_BUILD_ROOT/$variant" --output-on-failure -j "$LLMIO_JOBS" "$@" \
        2>&1 | tee "$log_file"
}

# Under ASan a process start costs about half a second: the Catch2 cases run in one process
# (80 s instead of 350 s as one ctest test each), bounded by `timeout` as ctest bounds each
# test; the other tests (concurrency, install) still run under ctest.
run_tests() {
    local variant="$1"
    if [[ "$variant" != asan ]]; then
        run_ctest "$variant"
        return
    fi
    run_ctest asan -LE catch
    # Catch2 prints the failing cases and a summary; the log keeps them for the report below.
    (cd "$LLMIO_BUILD_ROOT/asan/tests" && timeout 1800 ./llmio_tests) 2>&1 |
        tee "$LLMIO_BUILD_ROOT/asan/catch.log"
}

timed "dependencies" install_deps
setup_ccache
for variant in "${variants[@]}"; do
    timed "configure $variant" configure "$variant"
    # shellcheck disable=SC2046 # a list of target names, or none
    timed "build $variant" build "$variant" $(variant_targets "$variant")
    timed "test $variant" run_tests "$variant"
done

print_timings
log "test summaries:"
for variant in "${variants[@]}"; do
    printf '  %-7s %s\n' "$variant" \
        "$(grep -E 'tests passed|tests failed' "$LLMIO_BUILD_ROOT/$variant/ctest.log" | tail -n 1)"
    if [[ -f "$LLMIO_BUILD_ROOT/$variant/catch.log" ]]; then
        printf '  %-7s %s\n' "" \
            "$(grep -E 'All tests passed|test cases:' "$LLMIO_BUILD_ROOT/$variant/catch.log" | tail -n 1)"
    fi
done

# Shared by .ci/run, .ci/test.sh and .ci/quickstart.sh (sourced, not run).
# Debian bookworm: every dependency comes from Debian's own packages.

LLMIO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LLMIO_BUILD_ROOT="${LLMIO_BUILD_ROOT:-$LLMIO_ROOT/build-ci}"
LLMIO_JOBS="${LLMIO_JOBS:-2}"

# g++ 12, CMake 3.25, Boost 1.81 (Asio, Beast, JSON, URL), OpenSSL 3, Catch2 v2, CLI11;
# SQLite, hiredis and redis-server for the response cache's stores and their tests; chromium for
# the gateway's browser test (tests/browser).
LLMIO_PACKAGES=(g++ cmake ninja-build ccache libboost1.81-dev libboost-json1.81-dev
                libboost-url1.81-dev libssl-dev catch2 libcli11-dev
                libsqlite3-dev libhiredis-dev redis-server pkg-config chromium)

log() { printf '[llmio] %s\n' "$*"; }

# Wall time of a phase: `timed <name> <command...>`.
timed() {
    local name="$1"; shift
    local start=$EPOCHREALTIME
    log "== $name"
    "$@"
    local end=$EPOCHREALTIME
    local took
    took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    log "== $name: ${took} s"
    LLMIO_TIMINGS+=("$(printf '%-28s %8s s' "$name" "$took")")
}
LLMIO_TIMINGS=()

print_timings() {
    log "wall time per phase:"
    local line
    for line in "${LLMIO_TIMINGS[@]}"; do printf '  %s\n' "$line"; done
}

# Installs the packages that are missing (and only those), with apt-get.
install_deps() {
    local missing=() pkg
    for pkg in "${LLMIO_PACKAGES[@]}" "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]} == 0)); then
        log "dependencies: all installed"
        return 0
    fi
    log "dependencies: installing ${missing[*]}"
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || { log "need root or sudo to install ${missing[*]}"; return 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ccache across builds and fresh clones. GCC precompiled headers are cacheable only with this
# sloppiness (the .gch is newer than the compile that includes it, and carries its own defines);
# BASEDIR makes paths relative so that another checkout of the repo hits the same entries.
setup_ccache() {
    export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
    export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$LLMIO_ROOT}"
}

# The two builds CI runs. Both treat warnings as errors.
#   normal: optimised (-O2) like a user's release build, but without NDEBUG so that any
#           assert() still fires, and without -g to keep compile and link time down.
#   asan:   AddressSanitizer + UndefinedBehaviorSanitizer, -O0 -g (Debug) for exact reports.
#           Without the consumer tests: they check packaging, which sanitizers do not change,
#           and the add_subdirectory one would compile the whole library a third time. Nor the
#           benchmarks: the normal build proves they compile, and they never run in CI. Nor the
#           examples: the normal build compiles and runs them against the emulators, and what
#           they call is what llmio_tests covers under the sanitizers.
#   tsan:   ThreadSanitizer, -O0 -g (Debug): only the libraries, the emulators and the
#           concurrency program (tests/concurrency), whose ctest is the only test there.
variant_args() {
    case "$1" in
        normal) echo "-DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O2" ;;
        asan)   echo "-DCMAKE_BUILD_TYPE=Debug -DLLMIO_SANITIZE=ON -DLLMIO_CONSUMER_TESTS=OFF -DLLMIO_BUILD_BENCH=OFF -DLLMIO_BUILD_EXAMPLES=OFF" ;;
        tsan)   echo "-DCMAKE_BUILD_TYPE=Debug -DLLMIO_TSAN=ON -DLLMIO_CONSUMER_TESTS=OFF -DLLMIO_BUILD_BENCH=OFF -DLLMIO_BUILD_EXAMPLES=OFF -DLLMIO_BUILD_APPS=OFF" ;;
        *)      log "unknown build '$1' (normal, asan, tsan)"; return 1 ;;
    esac
}

# What each build compiles: everything, except for tsan (see above).
variant_targets() {
    case "$1" in
        tsan) echo "llmio_concurrency" ;;
        *)    echo "" ;;
    esac
}

configure() {
    local variant="$1" args
    args=$(variant_args "$variant")
    # shellcheck disable=SC2086 # args is a list of words
    cmake -S "$LLMIO_ROOT" -B "$LLMIO_BUILD_ROOT/$variant" -G Ninja \
        -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DLLMIO_WARNINGS_AS_ERRORS=ON $args
}

build() {
    local variant="$1"; shift
    ninja -C "$LLMIO_BUILD_ROOT/$variant" -j "$LLMIO_JOBS" "$@"
}

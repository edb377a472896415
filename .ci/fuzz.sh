#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang 14 and runs each one.
#   .ci/fuzz.sh [seconds]     default 5 s per target: a smoke test, not a fuzzing campaign
#   .ci/fuzz.sh --runs N      N executions per target, one target after the other, at low
#                             priority: the campaign (`--runs 10000000`), not for CI; it takes
#                             hours on a busy 2-core machine. Counts go to corpus/<target>.log.
# Installs clang-14 and its libFuzzer runtime if missing. Build goes to build-ci/fuzz.
# New inputs found go to build-ci/fuzz/corpus/<target>, never into the repository.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seconds=5
runs=""
# LLMIO_FUZZ_TARGETS="fuzz_ndjson fuzz_sse_parser" runs only those, in that order.
read -r -a targets <<<"${LLMIO_FUZZ_TARGETS:-fuzz_sse_parser fuzz_ndjson fuzz_endpoint fuzz_error_body fuzz_chunk_parsers}"
if [[ "${1:-}" == "--runs" ]]; then
    runs="${2:?--runs needs a count}"
elif [[ -n "${1:-}" ]]; then
    seconds="$1"
fi
dir="$LLMIO_BUILD_ROOT/fuzz"
seeds="$LLMIO_ROOT/tests/data/captures/llama-server"

fuzz_configure() {
    CXX=clang++-14 cmake -S "$LLMIO_ROOT" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
        -DLLMIO_FUZZ=ON -DLLMIO_BUILD_TESTS=OFF -DLLMIO_BUILD_EXAMPLES=OFF \
        -DLLMIO_WARNINGS_AS_ERRORS=ON
}

# Seeds for fuzz_chunk_parsers: its first byte picks the dialect (0 OpenAI event data, one per
# line; 1 Ollama NDJSON lines; 2 an LM Studio chat.end result), taken from the captures.
chunk_seeds() {
    local seed_dir="$dir/seeds/fuzz_chunk_parsers" f n=0
    mkdir -p "$seed_dir"
    for f in "$seeds"/*stream*.http; do
        { printf '\x00'; sed -n 's/^data: //p' "$f" | tr -d '\r'; } >"$seed_dir/openai-$((n++))"
    done
    printf '\x01%s\n%s\n' \
        '{"model":"m","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":"Hi"},"done":false}' \
        '{"model":"m","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":1,"prompt_eval_count":3,"eval_count":2}' \
        >"$seed_dir/ollama-0"
    printf '\x02%s' '{"model_instance_id":"m","output":[{"type":"reasoning","content":"r"},{"type":"message","content":"Hi"}],"stats":{"input_tokens":3,"total_output_tokens":2,"reasoning_output_tokens":1,"tokens_per_second":9.5,"time_to_first_token_seconds":0.1},"response_id":"resp_1"}' \
        >"$seed_dir/lmstudio-0"
    echo "$seed_dir"
}

fuzz_run() {
    local target out budget seed_dirs
    for target in "${targets[@]}"; do
        mkdir -p "$dir/corpus/$target"
        out="$dir/corpus/$target.log"
        seed_dirs=("$seeds")
        [[ "$target" == fuzz_chunk_parsers ]] && seed_dirs=("$(chunk_seeds)")
        if [[ -n "$runs" ]]; then
            budget=(-runs="$runs")
            log "$target for $runs executions"
        else
            budget=(-max_total_time="$seconds")
            log "$target for ${seconds} s"
        fi
        # The parsers work line by line: inputs of 4 KiB reach every state, and longer ones
        # (libFuzzer would otherwise grow to the largest seed, ~18 KiB) cost speed.
        # A crash leaves its reproducer next to the corpus, never in the source tree.
        if ! nice -n 10 "$dir/tests/fuzz/$target" "${budget[@]}" -max_len="${LLMIO_FUZZ_MAX_LEN:-4096}" \
                -artifact_prefix="$dir/corpus/$target-" -print_final_stats=1 \
                "$dir/corpus/$target" "${seed_dirs[@]}" >"$out" 2>&1; then
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
timed "fuzz ${runs:-${seconds} s} each" fuzz_run
print_timings

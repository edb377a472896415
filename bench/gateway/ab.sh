#!/usr/bin/env bash
# A/B of the gateway's CPU per proxied request: two llmio binaries (say main's and a change's)
# in front of one canned server, measured in turns (A B A B ...) so that the machine's drift,
# which on a shared VM can make one run cost twice another, falls on both alike. Prints each turn and the
# medians. The load is bench_gateway.py's throughput row: wrk, 1 thread, 32 connections.
#
#   bench/gateway/ab.sh LLMIO_A LLMIO_B CANNED_SERVER [ROUNDS] [SECONDS]
#   e.g. bench/gateway/ab.sh /tmp/base/llmio build/apps/llmio/llmio build/bench/canned_server 7 5
set -euo pipefail
[[ $# -ge 3 ]] || { sed -n 2,8p "$0"; exit 2; }
binaries=("$1" "$2")
canned_server=$3
rounds=${4:-5}
seconds=${5:-5}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Starts a program that prints "listening ..." first; sets $started_pid and $started_line.
start() {
    local out=$work/out.$RANDOM
    "$@" >"$out" &
    started_pid=$!
    pids+=("$started_pid")
    for ((i = 0; i < 200; ++i)); do # bounded: 10 s
        if [[ $(wc -l <"$out") -ge 1 ]]; then
            started_line=$(head -n 1 "$out")
            return 0
        fi
        sleep 0.05
    done
    echo "$1 did not say it listens" >&2
    exit 1
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start "$canned_server" --threads 1
upstream=http://127.0.0.1:$(awk '{ print $2 }' <<<"$started_line")
printf '{"providers": {"canned": {"kind": "openai", "base_url": "%s/v1"}}}\n' "$upstream" >"$work/gateway.json"
export LLMIO_BENCH_BODY='{"model": "canned/m", "messages": [{"role": "user", "content": "hi"}]}'
ticks_per_second=$(getconf CLK_TCK)

declare -a results_a=() results_b=()
for ((round = 1; round <= rounds; ++round)); do
    for side in 0 1; do
        start "${binaries[$side]}" serve --config "$work/gateway.json" --port 0 --threads 1
        url=${started_line#listening on }
        wrk -t1 -c32 -d1s -s "$here/load.lua" "$url/v1/chat/completions" >/dev/null # warm up
        before=$(cpu_ticks "$started_pid")
        requests=$(wrk -t1 -c32 -d"${seconds}s" -s "$here/load.lua" "$url/v1/chat/completions" |
                   awk '/requests in/ { print $1 }')
        after=$(cpu_ticks "$started_pid")
        kill "$started_pid"
        wait "$started_pid" 2>/dev/null || true
        us=$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$requests" \
                 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
        printf 'round %d %s: %s µs/request (%s requests)\n' "$round" "$([[ $side == 0 ]] && echo A || echo B)" "$us" "$requests"
        if [[ $side == 0 ]]; then results_a+=("$us"); else results_b+=("$us"); fi
    done
done

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
a=$(median "${results_a[@]}")
b=$(median "${results_b[@]}")
printf 'median A %s µs/request, B %s µs/request, B/A %s\n' "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')"

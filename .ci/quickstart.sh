#!/usr/bin/env bash
# Quick start: installs missing Debian packages, builds the `llmio` command-line tool and runs a
# short streaming chat through discovery. When no LLM server runs on this machine, it says so,
# starts `llmio emulate --as lmstudio` on a free port, streams the chat from that emulator
# (labelled as such) and stops it afterwards.
# Uses the same build directory and flags as `.ci/test.sh normal`, so that one reuses this build.
# Extra arguments replace the prompt.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

prompt="${*:-Say hello in one short sentence.}"

timed "dependencies" install_deps
setup_ccache
timed "configure normal" configure normal
timed "build llmio" build normal llmio_cli
llmio="$LLMIO_BUILD_ROOT/normal/apps/llmio/llmio"

echo
log "looking for a local LLM server (LM Studio, Ollama, llama.cpp, vLLM):"
if "$llmio" discover; then
    echo
    log "streaming a reply from the first server found:"
    echo
    "$llmio" chat "$prompt"
    exit 0
fi

echo
log "no LLM server is running on this machine, so this demo uses llmio's built-in LM Studio emulator."
log "(start LM Studio's server with 'lms server start', or Ollama with 'ollama serve', to talk to a real model)"

emulator_out="$(mktemp)"
emulator_pid=""
stop_emulator() {
    if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
        kill -TERM "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -f "$emulator_out"
}
trap stop_emulator EXIT

"$llmio" emulate --as lmstudio --port 0 >"$emulator_out" 2>/dev/null &
emulator_pid=$!
url=""
for _ in $(seq 1 100); do  # up to 10 s for the first line
    line="$(head -n 1 "$emulator_out" 2>/dev/null || true)"
    if [[ "$line" == "listening on "* ]]; then
        url="${line#listening on }"
        break
    fi
    kill -0 "$emulator_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$url" ]]; then
    log "the emulator did not start"
    exit 1
fi

echo
log "reply from the EMULATOR at $url (canned text, not a real model):"
echo
"$llmio" chat --url "$url" "$prompt"
echo
log "stopping the emulator"

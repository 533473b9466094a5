#!/usr/bin/env bash
# What protocol translation adds to a streamed request through `fgc serve`: the same chat-only
# Rust mock upstream, the same load, once passed through (`/v1/chat/completions`) and once
# translated (`/v1/messages` for Claude Code, `/v1/responses` for Codex). Prints one JSON line
# per measurement; docs/performance.md has the table.
#
#   bench/translate.sh
#
# Env: RUN_SECONDS (default 10), RATE (default 100), CONC (default 16), CHUNKS (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_SECONDS=${RUN_SECONDS:-10}
RATE=${RATE:-100}
CONC=${CONC:-16}
CHUNKS=${CHUNKS:-20}
MOCK_PORT=${MOCK_PORT:-9111}
FGC_PORT=${FGC_PORT:-4111}
KEY=sk-bench-5d41402abc4b2a76b9719d911017c592
export FGC_LOAD_KEY=$KEY

cargo build --release --quiet --bin fgc --example fgc-mock --example fgc-load
FGC=target/release/fgc
LOAD=target/release/examples/fgc-load
MOCK=target/release/examples/fgc-mock

tmp=$(mktemp -d /tmp/fgc-bench-translate.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

wait_http() { # url
  for _ in $(seq 1 3000); do
    curl -fsS -o /dev/null -H "Authorization: Bearer $KEY" "$1" 2>/dev/null && return 0
    sleep 0.01
  done
  echo "timeout waiting for $1" >&2; return 1
}

$MOCK --port "$MOCK_PORT" --threads 1 --chunks "$CHUNKS" \
  --text "$(printf 'word%d ' $(seq 1 "$CHUNKS"))" >/dev/null 2>&1 & pids+=($!)
cat > "$tmp/flowgate.yaml" <<YAML
litellm_base:
  model_list:
    - model_name: bench
      litellm_params:
        model: openai/bench-upstream
        api_base: http://127.0.0.1:$MOCK_PORT/v1
        api_key: os.environ/BENCH_UPSTREAM_KEY
  general_settings:
    master_key: os.environ/BENCH_MASTER_KEY
YAML
export BENCH_UPSTREAM_KEY=sk-mock-upstream BENCH_MASTER_KEY=$KEY
$FGC serve -c "$tmp/flowgate.yaml" --port "$FGC_PORT" --no-usage-log 2>/dev/null & fgc_pid=$!; pids+=($fgc_pid)
wait_http "http://127.0.0.1:$FGC_PORT/v1/models"
BASE=http://127.0.0.1:$FGC_PORT/v1

# The gateway's CPU time (user + system, clock ticks) from /proc: steadier than latency
# percentiles on a busy machine.
ticks() { awk '{print $14 + $15}' "/proc/$fgc_pid/stat"; }
hz=$(getconf CLK_TCK)
run() { # label, mode, path
  local t0 t1 out
  t0=$(ticks)
  out=$($LOAD "$2" "$BASE$3" --rate "$RATE" --concurrency "$CONC" --model bench --seconds "$RUN_SECONDS")
  t1=$(ticks)
  echo "{\"what\":\"$1\",\"fgc_cpu_ms\":$(( (t1 - t0) * 1000 / hz )),\"result\":$out}"
}
# Interleaved, twice, so drift on a shared machine hits every path alike.
for _ in 1 2; do
  run "passthrough chat, first byte"        stream       /chat/completions
  run "translated messages, first byte"     stream       /messages
  run "translated responses, first byte"    stream       /responses
  run "passthrough chat, last byte"         stream-total /chat/completions
  run "translated messages, last byte"      stream-total /messages
  run "translated responses, last byte"     stream-total /responses
done

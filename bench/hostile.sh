#!/usr/bin/env bash
# Peak memory of `fgc serve` under hostile upstreams and clients (issue 11, items 4 and 5),
# everything on loopback with the release build and the gateway's default limits. Prints one
# JSON line per measurement; docs/performance.md has the table.
# The client floods run first, so their peak RSS is theirs alone; the upstream cases follow.
#
#   bench/hostile.sh
#
# Upstreams (fgc-mock --fault): a 400 MB non-streaming 200, a 400 MB error body, a 400 MB SSE
# line without a newline (read through a translated Anthropic stream and passed through).
# Clients (fgc-load flood): 300 and 2,000 idle connections, 300 connections trickling a request
# head, each while health probes and chat requests are timed. Peak RSS is the gateway's VmHWM from /proc after
# each step (it only grows), so the last figure covers all of them.
#
# Env: BYTES (default 400000000), MOCK_PORT (9121; uses 4 ports from it), FGC_PORT (4121).
set -euo pipefail
cd "$(dirname "$0")/.."
BYTES=${BYTES:-400000000}
MOCK_PORT=${MOCK_PORT:-9121}
FGC_PORT=${FGC_PORT:-4121}
KEY=sk-bench-5d41402abc4b2a76b9719d911017c592
export FGC_LOAD_KEY=$KEY

nice -n 10 cargo build --release --quiet --bin fgc --example fgc-mock --example fgc-load
FGC=target/release/fgc
LOAD=target/release/examples/fgc-load
MOCK=target/release/examples/fgc-mock

tmp=$(mktemp -d /tmp/fgc-hostile.XXXXXX)
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
hwm() { awk '/VmHWM/{print $2}' "/proc/$1/status"; }

faults=("none" "huge-body:$BYTES" "huge-error:$BYTES" "endless-line:$BYTES")
for i in 0 1 2 3; do
  $MOCK --port $((MOCK_PORT + i)) --fault "${faults[$i]}" >/dev/null 2>&1 & pids+=($!)
done
dep() { # alias, port
  printf '    - model_name: %s\n      litellm_params:\n        model: openai/up\n        api_base: http://127.0.0.1:%s/v1\n        api_key: os.environ/BENCH_UPSTREAM_KEY\n' "$1" "$2"
}
{
  echo "litellm_base:"
  echo "  model_list:"
  dep bench $((MOCK_PORT)); dep body $((MOCK_PORT + 1)); dep error $((MOCK_PORT + 2)); dep line $((MOCK_PORT + 3))
  echo "  general_settings:"
  echo "    master_key: os.environ/BENCH_MASTER_KEY"
} > "$tmp/flowgate.yaml"
export BENCH_UPSTREAM_KEY=sk-mock-upstream BENCH_MASTER_KEY=$KEY

$FGC serve -c "$tmp/flowgate.yaml" --port "$FGC_PORT" --usage-log "$tmp/usage.jsonl" 2>"$tmp/fgc.log" & fgc_pid=$!; pids+=($fgc_pid)
wait_http "http://127.0.0.1:$FGC_PORT/v1/models"
echo "{\"what\":\"fgc RSS kB at start\",\"result\":$(hwm $fgc_pid)}"

URL=http://127.0.0.1:$FGC_PORT/v1/chat/completions
flood() { # label, args...
  local label=$1; shift
  echo "{\"what\":\"$label\",\"result\":$($LOAD flood "$URL" --model bench "$@"),\"peak_rss_kb\":$(hwm $fgc_pid)}"
}
flood "300 idle connections, 5 s" --connections 300 --seconds 5
flood "2000 idle connections (cap 512), 5 s" --connections 2000 --seconds 5
# Longer than the 10 s header timeout: every trickling connection is cut.
flood "300 connections trickling a request head, 15 s" --connections 300 --slow --seconds 15
call() { # label, path, body
  local out
  out=$(curl -sS -o "$tmp/answer" -w '{"status":%{http_code},"seconds":%{time_total},"bytes":%{size_download}}' \
    -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
    "http://127.0.0.1:$FGC_PORT$2" -d "$3")
  echo "{\"what\":\"$1\",\"result\":$out,\"answer_head\":$(head -c 160 "$tmp/answer" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))'),\"peak_rss_kb\":$(hwm $fgc_pid)}"
}
call "non-stream 200 of $BYTES bytes" /v1/chat/completions '{"model":"body","messages":[{"role":"user","content":"hi"}]}'
call "error body of $BYTES bytes" /v1/chat/completions '{"model":"error","messages":[{"role":"user","content":"hi"}]}'
call "SSE line of $BYTES bytes, translated (Messages over Chat)" /v1/messages '{"model":"line","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]}'
call "SSE line of $BYTES bytes, passthrough" /v1/chat/completions '{"model":"line","stream":true,"messages":[{"role":"user","content":"hi"}]}'

echo "{\"what\":\"fgc peak RSS kB, all of the above\",\"result\":$(hwm $fgc_pid)}"

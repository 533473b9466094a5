#!/usr/bin/env bash
# Load benchmark of `fgc serve` (and LiteLLM) in front of the Rust mock upstream, all on
# loopback. Prints one JSON line per measurement; docs/performance.md has the table.
#
#   bench/serve.sh            # fgc serve only
#   bench/serve.sh litellm    # also LiteLLM (pip install 'litellm[proxy]')
#
# Env: RUN_SECONDS (default 5), RATE (default 1000), CONC (default 16); FGC (the binary,
# default target/release/fgc, to compare builds); ROUTING=1 adds a routing section and sends
# a name only routing serves (`claude-sonnet-4-6`, routed by `families`), so every request
# goes through the routing decision. USAGE_FLAGS: how the gateway records usage (default: the
# usage store in the temp folder; `--no-usage-log` records nothing; `--usage-log FILE` is the
# JSON-lines file alone, for builds from before the store, as FGC=...).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_SECONDS=${RUN_SECONDS:-5}
RATE=${RATE:-1000}
CONC=${CONC:-16}
MOCK_PORT=${MOCK_PORT:-9101}
FGC_PORT=${FGC_PORT:-4101}
LITELLM_PORT=${LITELLM_PORT:-4102}
KEY=sk-bench-5d41402abc4b2a76b9719d911017c592
export FGC_LOAD_KEY=$KEY

cargo build --release --quiet --bin fgc --example fgc-mock --example fgc-load
FGC=${FGC:-target/release/fgc}
LOAD=target/release/examples/fgc-load
MOCK=target/release/examples/fgc-mock

tmp=$(mktemp -d /tmp/fgc-bench.XXXXXX)
USAGE_FLAGS=${USAGE_FLAGS:---usage-db $tmp/usage.db}
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

$MOCK --port "$MOCK_PORT" --threads 1 >/dev/null 2>&1 & pids+=($!)
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
MODEL=bench
if [ "${ROUTING:-}" = 1 ]; then
  printf 'routing:\n  think: bench\n  image: bench\n  web_search: bench\n  long_context: bench\n  families: {sonnet: bench}\n' >> "$tmp/flowgate.yaml"
  MODEL=claude-sonnet-4-6
fi
export BENCH_UPSTREAM_KEY=sk-mock-upstream BENCH_MASTER_KEY=$KEY
MOCK_URL=http://127.0.0.1:$MOCK_PORT/v1/chat/completions
FGC_URL=http://127.0.0.1:$FGC_PORT/v1/chat/completions

# Start to first answered request (and RSS then), three times.
for _ in 1 2 3; do
  $LOAD startup --cmd "$FGC serve -c $tmp/flowgate.yaml --port $FGC_PORT $USAGE_FLAGS" \
    --url "http://127.0.0.1:$FGC_PORT/v1/models" | sed 's/^{/{"what":"fgc startup",/'
done

# The gateway with its defaults: usage recorded, info logging (to /dev/null here).
# shellcheck disable=SC2086
$FGC serve -c "$tmp/flowgate.yaml" --port "$FGC_PORT" $USAGE_FLAGS 2>/dev/null & fgc_pid=$!; pids+=($fgc_pid)
wait_http "http://127.0.0.1:$FGC_PORT/v1/models"

run() { # label, args...
  local label=$1; shift
  echo "{\"what\":\"$label\",\"result\":$($LOAD "$@" --seconds "$RUN_SECONDS")}"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run "mock direct, ${RATE}/s"   rate "$MOCK_URL" --rate "$RATE" --concurrency "$CONC" --model bench-upstream
before=$(cpu_ticks "$fgc_pid")
run "fgc, ${RATE}/s"           rate "$FGC_URL"  --rate "$RATE" --concurrency "$CONC" --model "$MODEL"
# The gateway's CPU time per request at that rate (steadier than latency on a busy machine).
ticks=$(( $(cpu_ticks "$fgc_pid") - before ))
echo "{\"what\":\"fgc CPU us per request, ${RATE}/s\",\"result\":$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$((RATE * RUN_SECONDS))" 'BEGIN{printf "%.1f", t / hz * 1e6 / n}')}"
run "mock direct, max"         max  "$MOCK_URL" --concurrency "$CONC" --model bench-upstream
run "fgc, max"                 max  "$FGC_URL"  --concurrency "$CONC" --model "$MODEL"
run "mock direct, stream 100/s" stream "$MOCK_URL" --rate 100 --concurrency "$CONC" --model bench-upstream
run "fgc, stream 100/s"         stream "$FGC_URL"  --rate 100 --concurrency "$CONC" --model "$MODEL"
echo "{\"what\":\"fgc peak RSS kB\",\"result\":$(awk '/VmHWM/{print $2}' /proc/$fgc_pid/status)}"
kill "$fgc_pid"
if [ -f "$tmp/usage.db" ]; then
  sleep 0.5
  echo "{\"what\":\"records in the usage store\",\"result\":$($FGC usage --db "$tmp/usage.db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["requests"])')}"
fi

if [ "${1:-}" = litellm ]; then
  cat > "$tmp/litellm.yaml" <<YAML
model_list:
  - model_name: bench
    litellm_params:
      model: openai/bench-upstream
      api_base: http://127.0.0.1:$MOCK_PORT/v1
      api_key: sk-mock-upstream
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
YAML
  export LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_MASTER_KEY=$KEY
  LL_URL=http://127.0.0.1:$LITELLM_PORT/v1/chat/completions
  $LOAD startup --cmd "litellm --config $tmp/litellm.yaml --port $LITELLM_PORT --num_workers 1" \
    --url "http://127.0.0.1:$LITELLM_PORT/v1/models" | sed 's/^{/{"what":"litellm startup",/'
  litellm --config "$tmp/litellm.yaml" --port "$LITELLM_PORT" --num_workers 1 >"$tmp/litellm.log" 2>&1 & ll_pid=$!; pids+=($ll_pid)
  wait_http "http://127.0.0.1:$LITELLM_PORT/v1/models"
  run "litellm, ${RATE}/s"          rate "$LL_URL" --rate "$RATE" --concurrency "$CONC" --model bench
  run "litellm, max"                max  "$LL_URL" --concurrency 8 --model bench
  run "litellm, stream 20/s"        stream "$LL_URL" --rate 20 --concurrency "$CONC" --model bench
  ll_rss=0
  for p in $(pgrep -P "$ll_pid") "$ll_pid"; do
    r=$(awk '/VmHWM/{print $2}' /proc/$p/status 2>/dev/null || echo 0); ll_rss=$((ll_rss + ${r:-0}))
  done
  echo "{\"what\":\"litellm peak RSS kB (process tree)\",\"result\":$ll_rss}"
fi

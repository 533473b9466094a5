#!/usr/bin/env bash
# The usage store and the dashboard (issue 13). Prints one JSON line per measurement;
# docs/performance.md has the table.
#
#   bench/usage.sh                  # RECORDS=1000000 for the store, UI_RECORDS=100000
#
# 1. examples/usage-bench.rs: batched inserts, the file's size per million records, the
#    summary / groups / pages over RECORDS synthetic records (30 days, six aliases).
# 2. The /ui page against `fgc serve` holding UI_RECORDS records, opened on "everything" in
#    headless chromium five times: the page's own time from its first request to the last
#    table filled (`data-render-ms`, performance.now()), and the three API calls it makes,
#    timed with curl.
# The gateway's added latency with the store on: bench/serve.sh (USAGE_FLAGS=--no-usage-log
# for the same gateway recording nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-1000000}
UI_RECORDS=${UI_RECORDS:-100000}
PORT=${PORT:-4131}
cargo build --release --quiet --bin fgc --example usage-bench
tmp=$(mktemp -d /tmp/fgc-usage-bench.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

target/release/examples/usage-bench --records "$RECORDS" --db "$tmp/store.db"

target/release/examples/usage-bench --records "$UI_RECORDS" --db "$tmp/ui.db" --keep >/dev/null
cat > "$tmp/flowgate.yaml" <<YAML
litellm_base:
  model_list:
    - model_name: router-default
      litellm_params:
        model: openai/bench
        api_base: http://127.0.0.1:9/v1
        api_key: sk-bench-upstream-unused
YAML
target/release/fgc serve -c "$tmp/flowgate.yaml" --port "$PORT" --usage-db "$tmp/ui.db" 2>/dev/null & pid=$!
for _ in $(seq 1 500); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health/liveness" 2>/dev/null && break; sleep 0.01; done
base=http://127.0.0.1:$PORT
for path in "/api/usage/summary?group=day,alias" "/api/usage?page=1&page_size=50" "/api/health"; do
  for _ in 1 2 3; do curl -s -o /dev/null -w '%{time_total}\n' "$base$path"; done | sort -n | sed -n 2p |
    awk -v p="$path" -v n="$UI_RECORDS" '{printf "{\"what\":\"GET %s\",\"records\":%d,\"median_ms\":%.1f}\n", p, n, $1 * 1000}'
done
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
  echo '{"what":"page render","skipped":"no chromium (apt-get install chromium)"}'
  exit 0
fi
ms=()
for i in 1 2 3 4 5; do
  dom=$("$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$tmp/chr$i" \
    --virtual-time-budget=5000 --dump-dom "$base/ui?period=all" 2>/dev/null)
  grep -q 'data-rendered="1"' <<<"$dom" || { echo "the page did not render" >&2; exit 1; }
  ms+=("$(grep -o 'data-render-ms="[0-9.]*"' <<<"$dom" | grep -o '[0-9.]*')")
  shown=$(grep -o 'id="card-requests">[^<]*' <<<"$dom" | cut -d'>' -f2)
done
echo "{\"what\":\"page render, first request to last table\",\"records\":$UI_RECORDS,\"shown_requests\":\"$shown\",\"runs_ms\":[$(IFS=,; echo "${ms[*]}")]}"

#!/usr/bin/env bash
# Benchmark `fgc redirect` without the network (whole process, hyperfine): UPSTREAMS upstreams,
# MODELS model ids each (read from a --models-file), NAMES standard names.
#
#   bench/redirect.sh [UPSTREAMS] [MODELS] [NAMES]      (defaults: 50 500 100)
#
# Times three runs: the dry run on the hand-written file (every entry new); --write on it (the
# file restored before each run); and the dry run on the file mapped from other model lists, so
# the old generated entries are replaced (a scheduled run after the upstreams changed). Then
# the in-process phases (cargo run --example redirect-bench). Needs hyperfine and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
upstreams="${1:-50}"
models="${2:-500}"
names="${3:-100}"
cargo build --release --quiet --bin fgc --example redirect-bench
fgc="$PWD/target/release/fgc"
work="$(mktemp -d "${TMPDIR:-/tmp}/fgc-bench-redirect.XXXXXX")"
trap 'rm -rf "$work"' EXIT
printf 'litellm_base: {model_list: []}\n' > "$work/empty.yaml"
"$fgc" redirect -c "$work/empty.yaml" --list-names > "$work/names.txt"
gen() { python3 bench/gen_redirect.py --upstreams "$upstreams" --models "$models" --names "$names" "$@" "$work" < "$work/names.txt"; }
gen --seed 15
gen --seed 16 --models-only
cp "$work/flowgate.yaml" "$work/fresh.yaml"
cp "$work/flowgate.yaml" "$work/mapped.yaml"
"$fgc" redirect -c "$work/mapped.yaml" --models-file "$work/models-16.json" --write > /dev/null 2>&1
echo "input: $(wc -c < "$work/models-15.json") bytes of model lists;" \
  "result: $("$fgc" redirect -c "$work/fresh.yaml" --models-file "$work/models-15.json" 2>&1 >/dev/null | tail -1)" >&2

hyperfine --warmup 1 --runs 10 \
  -n "dry run (hand-written file)" "$fgc redirect -c $work/fresh.yaml --models-file $work/models-15.json" \
  -n "write" --prepare "cp $work/fresh.yaml $work/flowgate.yaml" \
  "$fgc redirect -c $work/flowgate.yaml --models-file $work/models-15.json --write" \
  -n "dry run (mapped file, entries replaced)" "$fgc redirect -c $work/mapped.yaml --models-file $work/models-15.json"

target/release/examples/redirect-bench "$work/mapped.yaml" "$work/models-15.json"

#!/usr/bin/env bash
# Benchmark `fgc rename` on a large generated config (whole process, hyperfine).
#
#   bench/rename.sh [ALIASES] [REFS]      (defaults: 10000 aliases, 10000 references)
#
# Generates a flowgate.yaml with ALIASES aliases, 10 profiles, 10,000 fallback entries and REFS
# places naming `alias-00000`, then times renaming that alias: the dry run (diff to
# /dev/null) and --write (the file is restored before each run). Needs hyperfine and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
aliases="${1:-10000}"
refs="${2:-10000}"
cargo build --release --quiet
fgc="$PWD/target/release/fgc"
work="$(mktemp -d "${TMPDIR:-/tmp}/fgc-bench-rename.XXXXXX")"
trap 'rm -rf "$work"' EXIT
python3 bench/gen_config.py --aliases "$aliases" --profiles 10 --fallbacks 10000 --refs "$refs" \
  > "$work/big.yaml"
cp "$work/big.yaml" "$work/flowgate.yaml"
echo "config: $(wc -l < "$work/big.yaml") lines, $(wc -c < "$work/big.yaml") bytes" >&2

# The rename must succeed and touch every reference before it is worth timing.
"$fgc" rename alias-00000 alias-main -c "$work/flowgate.yaml" > /dev/null

hyperfine --warmup 1 --runs 10 \
  -n "check (for scale)" "$fgc check --format json $work/big.yaml" \
  -n "rename (dry run)" "$fgc rename alias-00000 alias-main -c $work/big.yaml" \
  -n "rename --write" --prepare "cp $work/big.yaml $work/flowgate.yaml" \
  "$fgc rename alias-00000 alias-main -c $work/flowgate.yaml --write"

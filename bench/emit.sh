#!/bin/sh
# Benchmark `fgc emit` (issue 3): whole-process time of each target, for the full example
# and for a generated 10,000-alias config. Targets: full example < 10 ms for all three
# targets together, 10,000 aliases < 150 ms.
#
#   cargo build --release && bench/emit.sh            # needs hyperfine (apt-get install hyperfine)
#   FGC=path/to/fgc N=10000 bench/emit.sh
set -eu
cd "$(dirname "$0")/.."
FGC=${FGC:-$PWD/target/release/fgc}
N=${N:-10000}
[ -x "$FGC" ] || { echo "build first: cargo build --release" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "install hyperfine" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/fgc-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
# Two scratch checkouts: config/flowgate.yaml plus the credential file it names (mode 0600).
for d in full big; do
    mkdir -p "$T/$d/config" "$T/$d/.router/secrets"
    printf '%s\n' sk-bench-secret > "$T/$d/.router/secrets/upstream_cliproxyapi_api_key"
    chmod 600 "$T/$d/.router/secrets/upstream_cliproxyapi_api_key"
done
cp examples/flowgate.yaml "$T/full/config/flowgate.yaml"
python3 bench/gen_config.py --aliases "$N" --profiles 10 --fallbacks "$N" > "$T/big/config/flowgate.yaml"
# Every secret the configs name is set, so the runs print nothing but the output.
export LITELLM_MASTER_KEY=sk-bench-master CUSTOM_API_KEY=sk-bench UPSTREAM_OPENAI_API_KEY=sk-bench

for d in full big; do
    cfg="$T/$d/config/flowgate.yaml"
    echo "== $d: $(wc -c < "$cfg") bytes"
    runs=50; [ "$d" = big ] && runs=10
    # `fgc check` is the shared front end (read, parse, check) every emit runs first: the
    # difference between it and an emit is the emitter's own cost. The emits print to stdout
    # (hyperfine discards it); `litellm -o` is timed apart below because it writes.
    hyperfine -N --warmup 3 --runs "${RUNS:-$runs}" \
        --export-markdown "$T/$d.md" \
        -n "check (front end only)" "$FGC check -c $cfg" \
        -n litellm "$FGC emit litellm -q -c $cfg" \
        -n codex "$FGC emit codex -q -c $cfg" \
        -n claude-code "$FGC emit claude-code -q -c $cfg --format settings --show-secrets"
    cat "$T/$d.md"
    # Writing a file: a fresh one each run (temp file, fsync, rename, mode 0600 since it holds
    # the resolved credential), then --check against it.
    "$FGC" emit litellm -q -c "$cfg" -o "$T/$d/keep.yaml"
    hyperfine -N --warmup 3 --runs "${RUNS:-$runs}" \
        --export-markdown "$T/$d-write.md" \
        --prepare "rm -f $T/$d/litellm.yaml" \
        -n "litellm -o (fresh file)" "$FGC emit litellm -q -c $cfg -o $T/$d/litellm.yaml" \
        -n "litellm -o --check" "$FGC emit litellm -q -c $cfg -o $T/$d/keep.yaml --check"
    cat "$T/$d-write.md"
done

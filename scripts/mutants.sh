#!/usr/bin/env bash
# Mutation testing (cargo-mutants) of the files that guard security and data: the gateway key,
# output writing, rename's patches and writes, the SSE parser, deployment health, the fallback
# rules and the protocol translators. See docs/testing.md for how to read the result.
#
#   scripts/mutants.sh                 # every group below
#   scripts/mutants.sh auth output     # some groups
#   scripts/mutants.sh --list          # the groups, their files and test filters
#
# Needs cargo-mutants (`cargo install cargo-mutants --locked`). Not part of CI: a full run takes
# hours on 2 cores. Each group mutates its files and runs only the tests that matter for them
# (cargo test target and name filters), in the lean `mutants` profile (Cargo.toml), under
# `nice -n 19` so that other builds on the machine go first. One scratch copy and one target dir
# (target/mutants, kept between runs) serve a whole group, so only the first build is slow.
# Results: target/mutants-out/<group>/mutants.out/{caught,missed,timeout,unviable}.txt, and a
# per-file table printed at the end. FGC_MUTANTS_ARGS passes more options to cargo-mutants, for
# example `--iterate` (skip the mutants a previous run caught) or `--in-diff changes.diff`.
set -euo pipefail
cd "$(dirname "$0")/.."

# name | files (globs) | cargo test targets | test name filters
SETS=(
  "auth|src/serve/auth.rs|--lib|serve::auth"
  "output|src/emit/output.rs src/write.rs|--lib --test=main|emit:: rename:: write::"
  "rename|src/rename/patch.rs src/rename/config.rs src/rename/mod.rs|--lib --test=main|rename:: litellm_config::rename"
  "health|src/serve/health.rs|--lib --test=main|serve::health serve::least_busy"
  "fallback|src/rules/duplicate_fallback_key.rs src/rules/duplicate_fallback_target.rs src/rules/multi_key_fallback.rs src/rules/self_fallback.rs|--test=main|check::"
  # Being rewritten under issue 9: its score is reported on its own.
  "fallback-cycle|src/rules/fallback_cycle.rs|--test=main|check::"
  "sse|src/translate/sse.rs|--lib --test=main|translate"
  "translate|src/translate/chat.rs src/translate/messages.rs src/translate/responses.rs src/translate/wire.rs|--lib --test=main|translate"
)

OUT="${FGC_MUTANTS_OUT:-target/mutants-out}"
export CARGO_TARGET_DIR="${FGC_MUTANTS_TARGET:-$PWD/target/mutants}"
# Property tests draw fewer cases per mutant (saved regressions still replay first).
export PROPTEST_CASES="${PROPTEST_CASES:-32}"
# Each mutant is a rebuild and relink of the test binary: mold, when installed
# (`apt install mold`), makes a mutant take about 10 s here instead of about a minute.
if [[ -z "${RUSTFLAGS:-}" ]] && command -v mold >/dev/null; then
  export RUSTFLAGS="-C link-arg=-fuse-ld=mold"
fi
# A mutant that makes a test hang is stopped after this many seconds (and counts as detected);
# generous, so that a loaded machine does not turn slow tests into timeouts.
TIMEOUT="${FGC_MUTANTS_TIMEOUT:-90}"

if [[ "${1:-}" == "--list" ]]; then
  for g in "${SETS[@]}"; do
    IFS='|' read -r name files targets filters <<<"$g"
    printf '%-15s %s\n%15s tests: cargo test %s -- %s\n' "$name" "$files" "" "$targets" "$filters"
  done
  exit 0
fi
command -v cargo-mutants >/dev/null || {
  echo "error: cargo-mutants is not installed: cargo install cargo-mutants --locked" >&2
  exit 2
}

want=("$@")
selected() {
  [[ ${#want[@]} -eq 0 ]] && return 0
  local w
  for w in "${want[@]}"; do [[ "$w" == "$1" ]] && return 0; done
  return 1
}

ran=()
for g in "${SETS[@]}"; do
  IFS='|' read -r name files targets filters <<<"$g"
  selected "$name" || continue
  args=()
  for f in $files; do args+=(--file "$f"); done
  for t in $targets; do args+=(--cargo-arg "$t"); done
  echo "== $name: $files" >&2
  mkdir -p "$OUT/$name"
  # cargo-mutants exits 2 when mutants were missed, 3 on timeouts: the table says which.
  # shellcheck disable=SC2086 # FGC_MUTANTS_ARGS and the filters are word lists
  nice -n 19 cargo mutants --profile mutants --jobs 1 --no-shuffle --colors never \
    --timeout "$TIMEOUT" --output "$OUT/$name" "${args[@]}" ${FGC_MUTANTS_ARGS:-} -- -- $filters || true
  ran+=("$name")
done

# Per file: caught, missed, timeout, unviable, score = detected / viable (timeouts count as
# detected: the mutant made a test hang, and the test run said so).
printf '\n%-40s %7s %7s %8s %9s %7s\n' file caught missed timeout unviable score
for name in "${ran[@]}"; do
  dir="$OUT/$name/mutants.out"
  for kind in caught missed timeout unviable; do
    [[ -f "$dir/$kind.txt" ]] && sed "s/^\([^:]*\):.*/\1 $kind/" "$dir/$kind.txt"
  done
done | sort | uniq -c | awk '
  { n[$2 " " $3] = $1; files[$2] = 1 }
  END {
    for (f in files) {
      c = n[f " caught"] + 0; m = n[f " missed"] + 0; t = n[f " timeout"] + 0
      u = n[f " unviable"] + 0; v = c + m + t
      printf "%-40s %7d %7d %8d %9d %6.1f%%\n", f, c, m, t, u, v ? 100 * (c + t) / v : 100
    }
  }' | sort
echo
for name in "${ran[@]}"; do
  f="$OUT/$name/mutants.out/missed.txt"
  [[ -s "$f" ]] && { echo "missed ($name):"; sed 's/^/  /' "$f"; }
done
exit 0

#!/usr/bin/env bash
# Explore the property tests: random seeds and 20 times CI's case counts, several rounds
# (docs/testing.md). CI runs a fixed seed; this looks for what that seed does not draw.
#
#   scripts/proptest-explore.sh            # 3 rounds of the whole suite
#   scripts/proptest-explore.sh 10 translate::   # 10 rounds of the tests matching a filter
#
# A failure is saved by proptest to proptest-regressions/<test file>.txt. Fix the bug and
# commit that file with the fix: CI then replays the case on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
shift || true
export FGC_PROPTEST_EXPLORE=1
export TMPDIR="${TMPDIR:-/tmp}"
for ((i = 1; i <= rounds; i++)); do
  echo "== round $i of $rounds" >&2
  if ! nice -n 19 cargo test --locked --test main -- "$@"; then
    echo "a property test failed: see the case above and proptest-regressions/" >&2
    git status --short proptest-regressions/ >&2 || true
    exit 1
  fi
done

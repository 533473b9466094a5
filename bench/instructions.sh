#!/usr/bin/env bash
# Instructions executed by `fgc check` (valgrind's callgrind), the figure that does not move
# with the load of a shared machine: the full example, a generated 10,000-alias config, and
# two plain LiteLLM configs (LiteLLM's largest example, and one with an `include`).
# Give several binaries to compare builds (for example the one before a change):
#
#   bench/instructions.sh [FGC_BINARY...]     # default: target/release/fgc
set -euo pipefail
cd "$(dirname "$0")/.."
bins=("$@")
if [ ${#bins[@]} -eq 0 ]; then
  cargo build --release --quiet --bin fgc
  bins=(target/release/fgc)
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/fgc-bench-instr.XXXXXX")"
trap 'rm -rf "$work"' EXIT
python3 bench/gen_config.py --aliases 10000 --profiles 10 --fallbacks 10000 > "$work/10000.yaml"
count() { # binary file
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" check "$2" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for bin in "${bins[@]}"; do
  for f in examples/flowgate.yaml "$work/10000.yaml" \
    tests/fixtures/litellm-plain/oai_misc_config.yaml tests/fixtures/valid/litellm-plain.yaml; do
    case "$f" in
      examples/flowgate.yaml) name=example ;;
      "$work/10000.yaml") name="10k aliases" ;;
      *) name="$f" ;;
    esac
    printf '{"binary":"%s","config":"%s","instructions":%s}\n' "$bin" "$name" "$(count "$bin" "$f")"
  done
done

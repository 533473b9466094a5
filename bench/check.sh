#!/usr/bin/env bash
# Benchmark `fgc check`, whole process (hyperfine): the full example, and generated configs
# with 1,000 / 10,000 / 100,000 aliases (10 profiles, as many fallback entries as aliases).
#
#   bench/check.sh            # needs hyperfine (apt-get install hyperfine) and python3
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
fgc="$PWD/target/release/fgc"
work="$(mktemp -d "${TMPDIR:-/tmp}/fgc-bench-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT
for n in 1000 10000 100000; do
  python3 bench/gen_config.py --aliases "$n" --profiles 10 --fallbacks "$n" > "$work/$n.yaml"
  echo "$n aliases: $(wc -c < "$work/$n.yaml") bytes" >&2
  "$fgc" check "$work/$n.yaml" > /dev/null # must be clean (warnings allowed)
done
# The human report is what pre-commit shows; the generated files have two warnings (unset
# variables), so the report is rendered too.
hyperfine --warmup 3 --runs 30 -N \
  -n "example (examples/flowgate.yaml)" "$fgc check examples/flowgate.yaml" \
  -n "1k aliases" "$fgc check $work/1000.yaml" \
  -n "10k aliases" "$fgc check $work/10000.yaml"
hyperfine --warmup 1 --runs 5 -N -n "100k aliases" "$fgc check $work/100000.yaml"
# Plain LiteLLM configs (issue 17): LiteLLM's largest example config, and one with an include.
hyperfine --warmup 3 --runs 50 -N \
  -n "LiteLLM oai_misc_config.yaml" "$fgc check tests/fixtures/litellm-plain/oai_misc_config.yaml" \
  -n "LiteLLM config with include" "$fgc check tests/fixtures/valid/litellm-plain.yaml"

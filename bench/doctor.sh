#!/usr/bin/env bash
# Time `fgc doctor` (whole process, hyperfine) against a local setup: the real `fgc serve` in
# front of the Rust mock upstream (examples/doctor-setup.rs), with client files from
# `fgc emit` in a scratch HOME. For 3 and 30 upstreams: the full run, --offline, and
# --probe-models; then a gateway port that accepts connections and never answers (the run
# ends after --timeout). Needs hyperfine and curl.
#
#   bench/doctor.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin fgc --example doctor-setup
fgc="$PWD/target/release/fgc"
setup="$PWD/target/release/examples/doctor-setup"
export DOCTOR_BENCH_KEY=sk-doctor-bench-4e1f0a9c2b7d5e38
export OPENAI_API_KEY=$DOCTOR_BENCH_KEY
pids=()
fifos=()
work="$(mktemp -d "${TMPDIR:-/tmp}/fgc-bench-doctor.XXXXXX")"
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for() { # test command...
  for _ in $(seq 1 1000); do "$@" 2>/dev/null && return 0; sleep 0.01; done
  echo "timeout: $*" >&2; return 1
}

for n in 3 30; do
  dir="$work/up$n"
  mkdir -p "$dir/home/.codex" "$dir/home/.claude"
  port=$(free_port)
  hang=$(free_port)
  # The setup runs until its stdin closes: a fifo held open by this script.
  mkfifo "$dir/stdin"
  "$setup" "$dir" --upstreams "$n" --gateway-port "$port" --hang-port "$hang" < "$dir/stdin" 2>/dev/null & pids+=($!)
  exec {fd}>"$dir/stdin"; fifos+=("$fd")
  wait_for test -f "$dir/ready"
  "$fgc" serve -c "$dir/flowgate.yaml" --no-usage-log 2>/dev/null & pids+=($!)
  wait_for curl -fsS -o /dev/null "http://127.0.0.1:$port/health/liveness"
  (cd "$dir" && HOME="$dir/home" "$fgc" emit codex -c flowgate.yaml --merge "$dir/home/.codex/config.toml" --write -q >/dev/null 2>&1 \
    && HOME="$dir/home" "$fgc" emit claude-code -c flowgate.yaml --merge "$dir/home/.claude/settings.json" --write -q >/dev/null 2>&1)
  run="cd $dir && HOME=$dir/home $fgc doctor -c flowgate.yaml"
  echo "== $n upstreams: $(cd "$dir" && HOME="$dir/home" "$fgc" doctor -c flowgate.yaml | tail -1)" >&2
  hyperfine --warmup 2 --runs 20 \
    -n "doctor, $n upstreams" "$run" \
    -n "doctor --offline, $n upstreams" "$run --offline" \
    -n "doctor --probe-models, $n upstreams" "$run --probe-models"
  if [ "$n" = 3 ]; then
    sed "s/port: $port}/port: $hang}/" "$dir/flowgate.yaml" > "$dir/hang.yaml"
    hyperfine --runs 3 -i \
      -n "doctor, gateway never answers, --timeout 3 (default)" "cd $dir && HOME=$dir/home $fgc doctor -c hang.yaml" \
      -n "doctor, gateway never answers, --timeout 1" "cd $dir && HOME=$dir/home $fgc doctor -c hang.yaml --timeout 1"
  fi
done

#!/usr/bin/env bash
# What scenario routing costs: the decision on every recorded Claude Code request, on a
# 200,000-token conversation, and the exact count near the long-context threshold (with and
# without the per-turn cache); plus the estimate against the local count. No network.
# Prints one JSON line per measurement; docs/performance.md has the table.
#
#   bench/route.sh                 # ITERATIONS=20000
#
# The gateway's added latency with routing on: ROUTING=1 bench/serve.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ITERATIONS=${ITERATIONS:-20000}
cargo build --release --quiet --example route-bench
target/release/examples/route-bench --iterations "$ITERATIONS"

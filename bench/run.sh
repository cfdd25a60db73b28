#!/usr/bin/env bash
# make bench: the end-to-end comparison (bench/run.py), then the one-core micro-benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
python3 bench/run.py "$build"
echo
echo "micro-benchmarks (one core; items_per_second = rows/s):"
"$build/micro_bench" --benchmark_min_time=1

#!/usr/bin/env bash
# Produces N generated ad clicks (one JSON object per message) to a Kafka topic with kcat.
#   examples/kafka/produce.sh [ROWS] [BROKERS] [TOPIC]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rows=${1:-1000000}
brokers=${2:-127.0.0.1:18092}
topic=${3:-ad_clicks}
command -v kcat >/dev/null || { echo "produce.sh: kcat not found; run scripts/setup" >&2; exit 1; }
# sticky.partitioning.linger.ms=0: keyless messages spread evenly over the partitions.
python3 "$here/../quickstart/generate.py" "$rows" --seed "${SEED:-2}" --out /dev/stdout |
  kcat -P -b "$brokers" -t "$topic" -X sticky.partitioning.linger.ms=0
echo "produced $rows messages to $topic on $brokers"
